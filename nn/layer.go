package nn

import "strconv"

// Layer is one differentiable step of a network.
//
// Forward computes the output for x (and, in training mode, keeps what
// Backward needs). Backward takes dL/dy for the last Forward, adds the
// parameter gradients into each Param.Grad and returns dL/dx. Params lists
// parameters and buffers with names relative to the layer.
type Layer interface {
	Forward(x *Tensor) *Tensor
	Backward(dy *Tensor) *Tensor
	Params() []*Param
}

// Trainable is implemented by layers whose forward pass differs between
// training and inference (BatchNorm, DY-ReLU's saved state, containers).
type Trainable interface {
	SetTraining(on bool)
}

// SetTraining switches l (and, for containers, its children) between
// training and inference mode; layers without a mode are left alone.
func SetTraining(l Layer, on bool) {
	if t, ok := l.(Trainable); ok {
		t.SetTraining(on)
	}
}

// Sequential runs layers one after another; its children are named by
// index ("0.weight", "1.running_mean"), as torch.nn.Sequential names them.
type Sequential struct {
	Layers []Layer
}

// NewSequential returns a Sequential of the given layers.
func NewSequential(layers ...Layer) *Sequential { return &Sequential{Layers: layers} }

// Forward runs every layer in order.
func (s *Sequential) Forward(x *Tensor) *Tensor {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}

// Backward runs every layer's Backward in reverse order.
func (s *Sequential) Backward(dy *Tensor) *Tensor {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		dy = s.Layers[i].Backward(dy)
	}
	return dy
}

// Params returns the children's parameters prefixed by their index.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for i, l := range s.Layers {
		ps = append(ps, Prefixed(strconv.Itoa(i), l.Params())...)
	}
	return ps
}

// SetTraining sets the mode of every child.
func (s *Sequential) SetTraining(on bool) {
	for _, l := range s.Layers {
		SetTraining(l, on)
	}
}
