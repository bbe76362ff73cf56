package nn

import "fmt"

// Param is a named tensor of a layer: a trainable weight with its gradient,
// or, when Grad is nil, a buffer such as BatchNorm's running mean.
type Param struct {
	Name  string  // PyTorch state_dict key, relative to the owning module
	Value *Tensor // shared by every replica of the model
	Grad  *Tensor // nil for buffers; one per replica when training data-parallel
}

// Trainable reports whether the optimiser updates p.
func (p *Param) Trainable() bool { return p.Grad != nil }

// NewParam returns a trainable parameter of the given shape, zeroed.
func NewParam(name string, shape ...int) *Param {
	return &Param{Name: name, Value: New(shape...), Grad: New(shape...)}
}

// NewBuffer returns a non-trainable buffer of the given shape, zeroed.
func NewBuffer(name string, shape ...int) *Param {
	return &Param{Name: name, Value: New(shape...)}
}

// Prefixed returns views of ps whose names carry prefix ("layer1" +
// "." + "weight"). Value and Grad are shared with the originals.
func Prefixed(prefix string, ps []*Param) []*Param {
	out := make([]*Param, len(ps))
	for i, p := range ps {
		name := p.Name
		if prefix != "" {
			name = prefix + "." + p.Name
		}
		out[i] = &Param{Name: name, Value: p.Value, Grad: p.Grad}
	}
	return out
}

// ZeroGrad clears the gradients of every trainable parameter in ps.
func ZeroGrad(ps []*Param) {
	for _, p := range ps {
		if p.Grad != nil {
			p.Grad.Zero()
		}
	}
}

// Lookup returns the parameter called name, or nil.
func Lookup(ps []*Param, name string) *Param {
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// CountParams returns the number of trainable scalars in ps.
func CountParams(ps []*Param) int {
	n := 0
	for _, p := range ps {
		if p.Trainable() {
			n += p.Value.Len()
		}
	}
	return n
}

// ShareValues makes replica's trainable parameters use src's values, so
// that an optimiser step on src moves both models; their gradients stay
// separate (one per replica, summed with AddGrads). Buffers are copied,
// not shared: each replica updates its own BatchNorm running statistics in
// its forward pass (with BatchSync, to the same values). replica and src must
// list the same names and shapes in the same order (two models of one
// architecture).
func ShareValues(replica, src []*Param) error {
	if len(replica) != len(src) {
		return fmt.Errorf("%s: replica has %d parameters, source %d", errShape, len(replica), len(src))
	}
	for i, p := range replica {
		q := src[i]
		if p.Name != q.Name || !sameShape(p.Value.Shape, q.Value.Shape) || p.Trainable() != q.Trainable() {
			return fmt.Errorf("%s: replica parameter %d is %s %v, source %s %v", errShape, i, p.Name, p.Value.Shape, q.Name, q.Value.Shape)
		}
	}
	for i, p := range replica {
		if p.Trainable() {
			p.Value.Data = src[i].Value.Data
		} else {
			copy(p.Value.Data, src[i].Value.Data)
		}
	}
	return nil
}

// AddGrads adds the gradients of src into those of dst (lists as
// ShareValues takes them), splitting the parameters over the cores.
func AddGrads(dst, src []*Param) {
	ParallelFor(len(dst), 8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if g := dst[i].Grad; g != nil {
				AddInto(g, src[i].Grad)
			}
		}
	})
}
