package nn_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// actCase builds a fresh layer; inplace asks for the in-place variant in
// training mode (the mode in which it must still differentiate).
type actCase struct {
	name  string
	build func(inplace bool) nn.Layer
	kinks []float64 // points where the derivative jumps
}

var actCases = []actCase{
	{"relu", func(ip bool) nn.Layer { return &nn.ReLU{Inplace: ip} }, []float64{0}},
	{"relu6", func(ip bool) nn.Layer { return &nn.ReLU6{Inplace: ip} }, []float64{0, 6}},
	{"sigmoid", func(ip bool) nn.Layer { return &nn.Sigmoid{Inplace: ip} }, nil},
	{"hardsigmoid", func(ip bool) nn.Layer { return &nn.HardSigmoid{Inplace: ip, Training: ip} }, []float64{-3, 3}},
	{"hardswish", func(ip bool) nn.Layer { return &nn.HardSwish{Inplace: ip, Training: ip} }, []float64{-3, 3}},
}

func TestActivationsMatchPyTorch(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_misc_act.safetensors")
	x, dy := nntest.Get(t, tf, "input"), nntest.Get(t, tf, "grad_output")
	for _, tc := range actCases {
		for _, inplace := range []bool{false, true} {
			name := tc.name
			if inplace {
				name += "/inplace"
			}
			t.Run(name, func(t *testing.T) {
				l := tc.build(inplace)
				in := x.Clone()
				y := l.Forward(in)
				nntest.AssertClose(t, nntest.Get(t, tf, tc.name+".output"), y, 1e-5, "output")
				if inplace {
					assert.Same(t, in, y, "in-place Forward returns its input")
				} else {
					nntest.AssertClose(t, x, in, 0, "input left untouched")
				}
				dx := l.Backward(dy.Clone())
				nntest.AssertClose(t, nntest.Get(t, tf, tc.name+".grad_input"), dx, 1e-4, "grad_input")
			})
		}
	}
}

// TestActivationKinks pins the derivative PyTorch's autograd returns exactly
// at the kinks (values read off torch 1.13 with dy = 1, from its vectorised
// CPU loop: HardSwish'(3) is 1 there, 1.5 in its scalar tail loop).
func TestActivationKinks(t *testing.T) {
	tests := []struct {
		name   string
		l      nn.Layer
		x      []float32
		wantY  []float32
		wantDx []float32
	}{
		{"relu", &nn.ReLU{}, []float32{0, -1, 1}, []float32{0, 0, 1}, []float32{0, 0, 1}},
		{"relu6", &nn.ReLU6{}, []float32{0, 6, 5.5}, []float32{0, 6, 5.5}, []float32{0, 0, 1}},
		{"hardsigmoid", &nn.HardSigmoid{}, []float32{-3, 3, 0}, []float32{0, 1, 0.5}, []float32{0, 0, 1.0 / 6}},
		{"hardswish", &nn.HardSwish{}, []float32{-3, 3, 0, -4, 4}, []float32{0, 3, 0, 0, 4}, []float32{-0.5, 1, 0.5, 0, 1}},
		{"sigmoid", &nn.Sigmoid{}, []float32{0}, []float32{0.5}, []float32{0.25}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := nn.FromData(append([]float32(nil), tc.x...), len(tc.x))
			y := tc.l.Forward(x)
			assert.InDeltaSlice(t, tc.wantY, y.Data, 1e-7)
			ones := nn.New(len(tc.x))
			nn.Fill(ones, 1)
			dx := tc.l.Backward(ones)
			assert.InDeltaSlice(t, tc.wantDx, dx.Data, 1e-7)
		})
	}
}

func TestActivationGradCheck(t *testing.T) {
	for i, tc := range actCases {
		t.Run(tc.name, func(t *testing.T) {
			x := nntest.RandTensor(nntest.Rand(uint64(10+i)), 2, 3, 4, 5)
			for j := range x.Data {
				x.Data[j] *= 7 // reach past ±6
			}
			// Keep every point at least twice the step away from a kink,
			// where the finite difference straddles the jump.
			for j, v := range x.Data {
				for _, k := range tc.kinks {
					if d := float64(v) - k; math.Abs(d) < 0.05 {
						x.Data[j] = float32(k + math.Copysign(0.05, d))
					}
				}
			}
			nntest.GradCheck(t, tc.build(false), x, nntest.GradCheckOptions{Eps: 1e-2, Probes: 60, Seed: uint64(i)})
		})
	}
}

func TestActivationInplaceInference(t *testing.T) {
	x := nntest.RandTensor(nntest.Rand(3), 1, 4, 8, 8)
	for _, tc := range []struct {
		name string
		l    nn.Layer
	}{
		{"hardswish", &nn.HardSwish{Inplace: true}},
		{"hardsigmoid", &nn.HardSigmoid{Inplace: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := tc.l.Forward(x.Clone())
			assert.Panics(t, func() { tc.l.Backward(y) }, "no saved input after in-place inference")
			nn.SetTraining(tc.l, true)
			y = tc.l.Forward(x.Clone())
			assert.NotPanics(t, func() { tc.l.Backward(y) })
		})
	}
}

func TestActivationShapePanics(t *testing.T) {
	for _, tc := range actCases {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.build(false)
			l.Forward(nn.New(2, 3))
			assert.Panics(t, func() { l.Backward(nn.New(3, 2)) })
		})
	}
}

// TestActivationAllocs checks that a warmed-up inference Forward allocates
// nothing, both below and above the size at which the work is split over
// cores.
func TestActivationAllocs(t *testing.T) {
	for _, shape := range [][]int{{1, 240, 16, 12}, {1, 16, 128, 96}} {
		x := nntest.RandTensor(nntest.Rand(4), shape...)
		for _, tc := range actCases {
			for _, inplace := range []bool{false, true} {
				l := tc.build(inplace)
				nn.SetTraining(l, false)
				l.Forward(x)
				allocs := testing.AllocsPerRun(20, func() { l.Forward(x) })
				require.Zero(t, allocs, "%s inplace=%v %v", tc.name, inplace, shape)
			}
		}
	}
}
