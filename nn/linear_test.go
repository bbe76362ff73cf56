package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// naiveLinear: y[i][o] = b[o] + Σ_j x[i][j]·w[o][j].
func naiveLinear(x, w, b *nn.Tensor) *nn.Tensor {
	out, in := w.Shape[0], w.Shape[1]
	n := x.Len() / in
	y := nn.New(n, out)
	for i := range n {
		for o := range out {
			acc := 0.0
			if b != nil {
				acc = float64(b.Data[o])
			}
			for j := range in {
				acc += float64(x.Data[i*in+j]) * float64(w.Data[o*in+j])
			}
			y.Data[i*out+o] = float32(acc)
		}
	}
	return y
}

func TestLinear(t *testing.T) {
	for i, tc := range []struct {
		name    string
		in, out int
		bias    bool
		shape   []int
	}{
		{"matrix", 7, 5, true, []int{3, 7}},
		{"pooled", 6, 4, false, []int{2, 6, 1, 1}},
		{"single", 9, 3, true, []int{1, 9}},
		{"wide", 64, 33, true, []int{4, 64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := nntest.Rand(uint64(600 + i))
			l := nn.NewLinear(tc.in, tc.out, tc.bias, rng)
			x := nntest.RandTensor(rng, tc.shape...)
			var b *nn.Tensor
			if l.Bias != nil {
				b = l.Bias.Value
			}
			y := l.Forward(x)
			require.Equal(t, []int{tc.shape[0], tc.out}, y.Shape)
			nntest.AssertClose(t, naiveLinear(x, l.Weight.Value, b), y, 1e-5, "y")
			nntest.GradCheck(t, l, x, nntest.GradCheckOptions{Seed: uint64(i)})
			l.Forward(x)
			dx := l.Backward(nntest.RandTensor(rng, y.Shape...))
			assert.Equal(t, x.Shape, dx.Shape)
		})
	}
}

func TestLinearFixtures(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_conv_linear.safetensors")
	for _, tc := range []struct {
		name    string
		in, out int
		bias    bool
	}{
		{"bias", 12, 5, true},
		{"pooled", 6, 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := nn.NewLinear(tc.in, tc.out, tc.bias, nntest.Rand(1))
			nntest.MatchFixture(t, l, tf, tc.name)
		})
	}
}

func TestLinearAllocsAndPanics(t *testing.T) {
	rng := nntest.Rand(3)
	l := nn.NewLinear(16, 8, true, rng)
	x := nntest.RandTensor(rng, 2, 16)
	l.Forward(x)
	assert.Zero(t, testing.AllocsPerRun(20, func() { l.Forward(x) }))
	assert.Panics(t, func() { l.Forward(nn.New(2, 15)) })
	assert.Panics(t, func() { l.Backward(nn.New(2, 7)) })
}
