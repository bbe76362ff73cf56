package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func TestJointsMSELossMatchesPyTorch(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_misc_loss.safetensors")
	pred, target, weight := nntest.Get(t, tf, "pred"), nntest.Get(t, tf, "target"), nntest.Get(t, tf, "weight")
	tests := []struct {
		name      string
		useWeight bool
		weight    *nn.Tensor
		topK      int
	}{
		{"weighted", true, weight, 0},
		{"unweighted", false, nil, 0},
		{"ohkm2", true, weight, 2}, // JointsOHKMMSELoss, top 2 of 4 joints per sample
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := nn.JointsMSELoss{UseTargetWeight: tc.useWeight, TopK: tc.topK}
			got := l.Forward(pred, target, tc.weight)
			want := nntest.Get(t, tf, tc.name+".loss").Data[0]
			assert.InDelta(t, want, got, 1e-5*float64(want))
			nntest.AssertClose(t, nntest.Get(t, tf, tc.name+".grad"), l.Backward(), 1e-4, "grad")
		})
	}
}

func TestJointsMSELossHandComputed(t *testing.T) {
	// N=1, K=2, 1×2 heatmaps: joint 0 errs by (1, 3), joint 1 by (2, 2).
	pred := nn.FromData([]float32{1, 3, 2, 2}, 1, 2, 1, 2)
	target := nn.New(1, 2, 1, 2)
	tests := []struct {
		name     string
		weight   []float32
		use      bool
		wantLoss float32
		wantGrad []float32
		topK     int
	}{
		// ½·mean: joint 0 → ½·(1+9)/2 = 2.5, joint 1 → ½·(4+4)/2 = 2; /K.
		{"no weight", nil, false, (2.5 + 2) / 2, []float32{0.25, 0.75, 0.5, 0.5}, 0},
		{"joint 1 off", []float32{1, 0}, true, 2.5 / 2, []float32{0.25, 0.75, 0, 0}, 0},
		{"weight 2", []float32{2, 1}, true, (4*2.5 + 2) / 2, []float32{4 * 0.25, 4 * 0.75, 0.5, 0.5}, 0},
		// Hard-keypoint mining keeps joint 0 (2.5 > 2), averaged over 1.
		{"top 1", nil, false, 2.5, []float32{0.5, 1.5, 0, 0}, 1},
		{"top 1, joint 0 off", []float32{0, 1}, true, 2, []float32{0, 0, 1, 1}, 1},
		{"top 2 of 2 is plain", nil, false, (2.5 + 2) / 2, []float32{0.25, 0.75, 0.5, 0.5}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w *nn.Tensor
			if tc.weight != nil {
				w = nn.FromData(tc.weight, 1, 2)
			}
			l := nn.JointsMSELoss{UseTargetWeight: tc.use, TopK: tc.topK}
			assert.InDelta(t, tc.wantLoss, l.Forward(pred, target, w), 1e-6)
			assert.InDeltaSlice(t, tc.wantGrad, l.Backward().Data, 1e-6)
		})
	}
}

// lossLayer exposes the loss as a Layer of pred so GradCheck can probe it.
type lossLayer struct {
	l              nn.JointsMSELoss
	target, weight *nn.Tensor
	out, dx        *nn.Tensor
}

func (ll *lossLayer) Forward(x *nn.Tensor) *nn.Tensor {
	ll.out = nn.FromData([]float32{ll.l.Forward(x, ll.target, ll.weight)}, 1)
	return ll.out
}

func (ll *lossLayer) Backward(dy *nn.Tensor) *nn.Tensor {
	ll.dx = ll.l.Backward().Clone()
	for i := range ll.dx.Data {
		ll.dx.Data[i] *= dy.Data[0]
	}
	return ll.dx
}

func (ll *lossLayer) Params() []*nn.Param { return nil }

func TestJointsMSELossGradCheck(t *testing.T) {
	rng := nntest.Rand(30)
	pred, target := nntest.RandTensor(rng, 2, 3, 4, 5), nntest.RandTensor(rng, 2, 3, 4, 5)
	weight := nntest.RandTensor(rng, 2, 3)
	weight.Data[1] = 0
	for _, use := range []bool{true, false} {
		for _, top := range []int{0, 2} {
			ll := &lossLayer{l: nn.JointsMSELoss{UseTargetWeight: use, TopK: top}, target: target, weight: weight}
			nntest.GradCheck(t, ll, pred, nntest.GradCheckOptions{Eps: 1e-2, Probes: 60})
		}
	}
}

func TestJointsMSELossMiningPerSample(t *testing.T) {
	// Two samples, three 1×1 joints: each sample keeps its own worst joint.
	pred := nn.FromData([]float32{3, 1, 2, 1, 1, 4}, 2, 3, 1, 1)
	l := nn.JointsMSELoss{TopK: 1}
	// (½·9 + ½·16) / (N·TopK = 2)
	assert.InDelta(t, (4.5+8)/2, l.Forward(pred, nn.New(2, 3, 1, 1), nil), 1e-6)
	assert.Equal(t, []float32{1.5, 0, 0, 0, 0, 2}, l.Backward().Data)
}

func TestJointsMSELossPanics(t *testing.T) {
	pred, target := nn.New(2, 3, 4, 4), nn.New(2, 3, 4, 4)
	tests := []struct {
		name string
		fn   func()
	}{
		{"target shape", func() { (&nn.JointsMSELoss{}).Forward(pred, nn.New(2, 3, 4, 5), nil) }},
		{"weight missing", func() { (&nn.JointsMSELoss{UseTargetWeight: true}).Forward(pred, target, nil) }},
		{"weight shape", func() { (&nn.JointsMSELoss{UseTargetWeight: true}).Forward(pred, target, nn.New(3, 2)) }},
		{"backward first", func() { (&nn.JointsMSELoss{}).Backward() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Panics(t, tc.fn) })
	}
}
