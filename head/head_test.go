package head

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func relu(int) nn.Layer { return &nn.ReLU{} }

func TestHeadShapesAndNames(t *testing.T) {
	tests := []struct {
		kind   Kind
		params []string
		count  int
	}{
		// DWUp: per stage dw 3×3 (C·9) + BN(2C) + pw (C·128) + BN(2·128); final 128·5+5.
		{DWUp, []string{"layers.0.1.weight", "layers.0.2.running_mean", "layers.2.4.weight", "final_layer.bias"},
			(32*9 + 64 + 32*128 + 256) + 2*(128*9+256+128*128+256) + 128*5 + 5},
		// Deconv: ConvTranspose 4×4 (Cin·256·16) + BN(512), three times; final 256·5+5.
		{Deconv, []string{"deconv_layers.0.weight", "deconv_layers.7.bias", "final_layer.weight"},
			(32*256*16 + 512) + 2*(256*256*16+512) + 256*5 + 5},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			h := New(tt.kind, 32, tt.kind.DefaultChannels(), 5, relu, nntest.Rand(1))
			y := h.Forward(nntest.RandTensor(nntest.Rand(2), 2, 32, 4, 3))
			assert.Equal(t, []int{2, 5, 32, 24}, y.Shape)
			ps := h.Params()
			for _, name := range tt.params {
				assert.NotNil(t, nn.Lookup(ps, name), name)
			}
			assert.Equal(t, tt.count, nn.CountParams(ps))
		})
	}
}

// TestHeadGradCheck probes the head's wiring by finite differences, with
// a smooth activation (sigmoid) so that no kink sits inside a step; the
// heads with ReLU and DY-ReLU-C are checked against the PyTorch twin's
// gradients in package pose (TestTwin).
func TestHeadGradCheck(t *testing.T) {
	sigmoid := func(int) nn.Layer { return &nn.Sigmoid{} }
	for _, kind := range []Kind{DWUp, Deconv} {
		t.Run(kind.String(), func(t *testing.T) {
			rng := nntest.Rand(3)
			h := New(kind, 4, 4, 2, sigmoid, rng)
			for _, p := range h.Params() {
				if len(p.Value.Shape) > 1 {
					nn.Uniform(p.Value, 0.5, rng) // the N(0, 0.001) init is too flat to probe
				}
			}
			h.SetTraining(false) // BN with running statistics
			nntest.GradCheck(t, h, nntest.RandTensor(rng, 2, 4, 2, 2), nntest.GradCheckOptions{Seed: 1, Probes: 8, Eps: 3e-2})
		})
	}
}

// skipProbe exposes one input of a head with laterals as an nn.Layer for
// GradCheck: the stride-32 map (which < 0) or skip `which`, the others
// held fixed.
type skipProbe struct {
	h     *Head
	x     *nn.Tensor
	skips [Stages]*nn.Tensor
	which int
}

func (p *skipProbe) Forward(in *nn.Tensor) *nn.Tensor {
	x, skips := p.x, p.skips
	if p.which < 0 {
		x = in
	} else {
		skips[p.which] = in
	}
	return p.h.ForwardSkips(x, skips)
}

func (p *skipProbe) Backward(dy *nn.Tensor) *nn.Tensor {
	dx, dskips := p.h.BackwardSkips(dy)
	if p.which < 0 {
		return dx
	}
	return dskips[p.which]
}

func (p *skipProbe) Params() []*nn.Param { return p.h.Params() }

// TestLateralGradCheck probes the laterals' wiring: the gradients of the
// stride-32 input, of each skip and of every parameter.
func TestLateralGradCheck(t *testing.T) {
	sigmoid := func(int) nn.Layer { return &nn.Sigmoid{} }
	rng := nntest.Rand(4)
	h := NewLateral(4, [Stages]int{3, 2, 5}, 4, 2, sigmoid, rng)
	for _, p := range h.Params() {
		if len(p.Value.Shape) > 1 {
			nn.Uniform(p.Value, 0.5, rng)
		}
	}
	h.SetTraining(false)
	p := &skipProbe{h: h, x: nntest.RandTensor(rng, 2, 4, 1, 2)}
	for i, c := range []int{3, 2, 5} {
		p.skips[i] = nntest.RandTensor(rng, 2, c, 2<<i, 4<<i)
	}
	for which := -1; which < Stages; which++ {
		p.which = which
		in := p.x
		if which >= 0 {
			in = p.skips[which]
		}
		nntest.GradCheck(t, p, in, nntest.GradCheckOptions{Seed: uint64(which + 2), Probes: 8, Eps: 3e-2})
	}
	names := []string{"laterals.0.0.weight", "laterals.2.1.bias", "final_layer.bias"}
	for _, n := range names {
		assert.NotNil(t, nn.Lookup(h.Params(), n), n)
	}
}
