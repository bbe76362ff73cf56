package nn

import (
	"fmt"
	"math/rand/v2"
)

// Linear is a fully connected layer, as torch.nn.Linear: y (N, Out) =
// x·Weightᵀ + Bias. x may have any shape whose first dimension is N and whose
// length is N·In, so a pooled (N, C, 1, 1) tensor feeds it directly; dx has
// x's shape.
type Linear struct {
	Weight, Bias *Param // Weight (Out, In); Bias (Out) or nil

	In, Out int

	x, y, dx *Tensor
}

// NewLinear returns a Linear with PyTorch's default initialisation: weight
// and bias uniform in ±1/√In.
func NewLinear(in, out int, bias bool, rng *rand.Rand) *Linear {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf("nn.NewLinear: invalid in=%d out=%d", in, out))
	}
	l := &Linear{In: in, Out: out, Weight: NewParam("weight", out, in)}
	KaimingUniform(l.Weight.Value, in, rng)
	if bias {
		l.Bias = NewParam("bias", out)
		KaimingUniform(l.Bias.Value, in, rng)
	}
	return l
}

// Params returns "weight" and, if present, "bias".
func (l *Linear) Params() []*Param {
	if l.Bias == nil {
		return []*Param{l.Weight}
	}
	return []*Param{l.Weight, l.Bias}
}

func (l *Linear) batch(x *Tensor) int {
	if len(x.Shape) == 0 || x.Shape[0]*l.In != x.Len() {
		panic(fmt.Sprintf("%s: nn.Linear in=%d: x %v", errShape, l.In, x.Shape))
	}
	return x.Shape[0]
}

// Forward computes y = x·Wᵀ + b; naive form y[i][o] = b[o] + Σ_j x[i][j]·W[o][j].
// x is kept, not copied, for Backward.
func (l *Linear) Forward(x *Tensor) *Tensor {
	n := l.batch(x)
	l.x = x
	l.y = Ensure(l.y, n, l.Out)
	beta := float32(0)
	if l.Bias != nil {
		for i := range n {
			copy(l.y.Data[i*l.Out:(i+1)*l.Out], l.Bias.Value.Data)
		}
		beta = 1
	}
	Sgemm(false, true, n, l.Out, l.In, 1, x.Data, l.In, l.Weight.Value.Data, l.In, beta, l.y.Data, l.Out)
	return l.y
}

// Backward adds dW += dyᵀ·x and db += Σ_i dy[i] and returns dx = dy·W.
func (l *Linear) Backward(dy *Tensor) *Tensor {
	if l.x == nil {
		panic("nn.Linear: Backward before Forward")
	}
	n := l.batch(l.x)
	if !sameShape(dy.Shape, []int{n, l.Out}) {
		panic(fmt.Sprintf("%s: nn.Linear.Backward: dy %v for x %v", errShape, dy.Shape, l.x.Shape))
	}
	if l.Bias != nil {
		db := l.Bias.Grad.Data
		for i := range n {
			for o, g := range dy.Data[i*l.Out : (i+1)*l.Out] {
				db[o] += g
			}
		}
	}
	Sgemm(true, false, l.Out, l.In, n, 1, dy.Data, l.Out, l.x.Data, l.In, 1, l.Weight.Grad.Data, l.In)
	l.dx = Ensure(l.dx, l.x.Shape...)
	Sgemm(false, false, n, l.In, l.Out, 1, dy.Data, l.Out, l.Weight.Value.Data, l.In, 0, l.dx.Data, l.In)
	return l.dx
}
