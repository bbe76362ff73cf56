package nn_test

import (
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func TestBatchNorm2DMatchesPyTorch(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_misc_bn.safetensors")
	tests := []struct {
		name  string
		train bool
	}{
		{"train_e5_m01", true},
		{"train_e3_m001", true},
		{"train_1x1", true},
		{"eval_e5", false},
		{"eval_e3", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			get := func(k string) *nn.Tensor { return nntest.Get(t, tf, tc.name+"."+k) }
			x := get("input")
			bn := nn.NewBatchNorm2D(x.Shape[1], get("eps").Data[0], get("momentum").Data[0])
			require.NoError(t, nn.LoadStateDict(bn.Params(), map[string]*nn.Tensor{
				"weight": get("weight"), "bias": get("bias"),
				"running_mean": get("running_mean"), "running_var": get("running_var"),
			}))
			bn.SetTraining(tc.train)
			y := bn.Forward(x)
			nntest.AssertClose(t, get("output"), y, 1e-5, "output")
			nntest.AssertClose(t, get("new.running_mean"), bn.RunningMean.Value, 1e-5, "running_mean")
			nntest.AssertClose(t, get("new.running_var"), bn.RunningVar.Value, 1e-5, "running_var")
			dx := bn.Backward(get("grad_output"))
			nntest.AssertClose(t, get("grad_input"), dx, 1e-4, "grad_input")
			nntest.AssertClose(t, get("grad.weight"), bn.Weight.Grad, 1e-4, "grad.weight")
			nntest.AssertClose(t, get("grad.bias"), bn.Bias.Grad, 1e-4, "grad.bias")
		})
	}
}

func TestBatchNorm2DGradCheck(t *testing.T) {
	tests := []struct {
		name  string
		train bool
		shape []int
	}{
		{"train", true, []int{2, 3, 4, 5}},
		{"train_1x1", true, []int{6, 4, 1, 1}},
		{"eval", false, []int{2, 3, 4, 5}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := nntest.Rand(uint64(20 + i))
			c := tc.shape[1]
			bn := nn.NewBatchNorm2D(c, 1e-3, 0.1)
			nn.Uniform(bn.Weight.Value, 1, rng)
			nn.Uniform(bn.Bias.Value, 1, rng)
			nn.Uniform(bn.RunningMean.Value, 0.5, rng)
			for j := range bn.RunningVar.Value.Data {
				bn.RunningVar.Value.Data[j] = 0.5 + rng.Float32()
			}
			bn.SetTraining(tc.train)
			x := nntest.RandTensor(rng, tc.shape...)
			nntest.GradCheck(t, bn, x, nntest.GradCheckOptions{Eps: 1e-2, Probes: 40, Seed: uint64(i)})
		})
	}
}

func TestBatchNorm2DRunningStats(t *testing.T) {
	// Hand-computed: one channel holding 1, 2, 3, 4 (mean 2.5, biased var
	// 1.25, unbiased 5/3), momentum 0.1 from the initial 0 and 1.
	bn := nn.NewBatchNorm2D(1, 1e-5, 0.1)
	bn.SetTraining(true)
	y := bn.Forward(nn.FromData([]float32{1, 2, 3, 4}, 2, 1, 1, 2))
	assert.InDelta(t, 0.25, bn.RunningMean.Value.Data[0], 1e-7)
	assert.InDelta(t, 0.9+0.1*5.0/3, bn.RunningVar.Value.Data[0], 1e-6)
	inv := 1 / math.Sqrt(1.25+1e-5)
	assert.InDeltaSlice(t, []float32{float32(-1.5 * inv), float32(-0.5 * inv), float32(0.5 * inv), float32(1.5 * inv)}, y.Data, 1e-5)
	// Eval mode uses and keeps the running statistics.
	bn.SetTraining(false)
	y = bn.Forward(nn.FromData([]float32{1, 2, 3, 4}, 2, 1, 1, 2))
	assert.InDelta(t, 0.25, bn.RunningMean.Value.Data[0], 1e-7)
	assert.InDelta(t, (1-0.25)/math.Sqrt(0.9+0.1*5.0/3+1e-5), y.Data[0], 1e-5)
}

func TestBatchNorm2DParams(t *testing.T) {
	bn := nn.NewBatchNorm2D(3, 1e-3, 0.01)
	names := []string{}
	for _, p := range bn.Params() {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"weight", "bias", "running_mean", "running_var"}, names)
	assert.True(t, bn.Weight.Trainable())
	assert.False(t, bn.RunningMean.Trainable())
	assert.False(t, bn.RunningVar.Trainable())
	assert.InDeltaSlice(t, []float32{1, 1, 1}, bn.Weight.Value.Data, 0)
	assert.InDeltaSlice(t, []float32{1, 1, 1}, bn.RunningVar.Value.Data, 0)
	assert.Equal(t, 3*2, nn.CountParams(bn.Params()))
}

func TestBatchNorm2DPanics(t *testing.T) {
	bn := nn.NewBatchNorm2D(3, 1e-3, 0.01)
	assert.Panics(t, func() { bn.Backward(nn.New(1, 3, 2, 2)) }, "Backward before Forward")
	assert.Panics(t, func() { bn.Forward(nn.New(1, 4, 2, 2)) }, "wrong channels")
	bn.SetTraining(true)
	assert.Panics(t, func() { bn.Forward(nn.New(1, 3, 1, 1)) }, "one value per channel")
	bn.Forward(nn.New(1, 3, 2, 2))
	assert.Panics(t, func() { bn.Backward(nn.New(1, 3, 2, 3)) }, "dy shape")
}

func TestBatchNorm2DAllocs(t *testing.T) {
	for _, s := range actShapes {
		bn := nn.NewBatchNorm2D(s[0], 1e-3, 0.01)
		x := nntest.RandTensor(nntest.Rand(5), 1, s[0], s[1], s[2])
		bn.Forward(x)
		require.Zero(t, testing.AllocsPerRun(20, func() { bn.Forward(x) }), shapeName(s))
	}
}

// TestBatchSyncMatchesWholeBatch runs a batch through one BatchNorm2D and
// through three synchronised replicas, each on its own goroutine and slice
// (of unequal sizes): outputs, input gradients, summed parameter gradients
// and running statistics agree, in forward and backward.
func TestBatchSyncMatchesWholeBatch(t *testing.T) {
	const n, c, h, w = 7, 5, 3, 4
	rng := nntest.Rand(11)
	x := nntest.RandTensor(rng, n, c, h, w)
	dy := nntest.RandTensor(rng, n, c, h, w)
	for i := range x.Data {
		x.Data[i] = 3*x.Data[i] + float32(i%c) // channel means apart from 0
	}
	newBN := func() *nn.BatchNorm2D {
		b := nn.NewBatchNorm2D(c, 1e-3, 0.1)
		nn.Fill(b.Weight.Value, 1.5)
		nn.Fill(b.Bias.Value, -0.25)
		b.SetTraining(true)
		return b
	}
	whole := newBN()
	y := whole.Forward(x).Clone()
	dx := whole.Backward(dy).Clone()

	cuts := []int{0, 2, 3, n} // slices of 2, 1 and 4 images
	reps := make([]*nn.BatchNorm2D, len(cuts)-1)
	bs := nn.NewBatchSync(c, len(reps))
	ys, dxs := make([]*nn.Tensor, len(reps)), make([]*nn.Tensor, len(reps))
	var wg sync.WaitGroup
	for r := range reps {
		reps[r] = newBN()
		reps[r].Sync, reps[r].Rank = bs, r
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo, hi := cuts[r]*c*h*w, cuts[r+1]*c*h*w
			ys[r] = reps[r].Forward(nn.FromData(x.Data[lo:hi], cuts[r+1]-cuts[r], c, h, w)).Clone()
			dxs[r] = reps[r].Backward(nn.FromData(dy.Data[lo:hi], cuts[r+1]-cuts[r], c, h, w)).Clone()
		}()
	}
	wg.Wait()
	var gotY, gotDX []float32
	gw, gb := make([]float32, c), make([]float32, c)
	for r, b := range reps {
		gotY, gotDX = append(gotY, ys[r].Data...), append(gotDX, dxs[r].Data...)
		for ch := range c {
			gw[ch] += b.Weight.Grad.Data[ch]
			gb[ch] += b.Bias.Grad.Data[ch]
		}
		assert.InDeltaSlice(t, whole.RunningMean.Value.Data, b.RunningMean.Value.Data, 1e-6, "running mean, replica %d", r)
		assert.InDeltaSlice(t, whole.RunningVar.Value.Data, b.RunningVar.Value.Data, 1e-6, "running var, replica %d", r)
	}
	assert.InDeltaSlice(t, y.Data, gotY, 2e-5, "y")
	assert.InDeltaSlice(t, dx.Data, gotDX, 2e-5, "dx")
	assert.InDeltaSlice(t, whole.Weight.Grad.Data, gw, 2e-4, "dWeight")
	assert.InDeltaSlice(t, whole.Bias.Grad.Data, gb, 2e-4, "dBias")

	// Without Sync the slices normalise on their own: the check above can fail.
	alone := newBN()
	ya := alone.Forward(nn.FromData(x.Data[:2*c*h*w], 2, c, h, w))
	assert.Greater(t, maxAbsDiff(y.Data[:2*c*h*w], ya.Data), 1e-2)
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}
