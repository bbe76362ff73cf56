package train

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
	"github.com/dypose/dypose/pose"
	"github.com/dypose/dypose/synth"
)

// tinyArch is a DY-ReLU-C network small enough to train in a test.
const tinyArch = "mnv3-small-dyrelu-c-w0.25-hc16"

// tinyData writes a small synthetic COCO-layout set and returns its folder.
func tinyData(t *testing.T, train, val int) string {
	t.Helper()
	dir := t.TempDir()
	_, err := synth.Generate(context.Background(), synth.Options{Out: dir, Train: train, Val: val, Seed: 3, Width: 128, Height: 96, Workers: 1})
	require.NoError(t, err)
	return dir
}

// tinyConfig trains tinyArch on data at 64×64 (sides must be multiples of 32).
func tinyConfig(data, out string) Config {
	cfg := Default()
	cfg.Data, cfg.Out, cfg.Arch = data, out, tinyArch
	cfg.Input, cfg.Batch, cfg.Epochs = "64x64", 4, 2
	cfg.WarmupIters, cfg.ValEvery, cfg.Workers = 0, 0, 2
	return cfg
}

func TestTrainLossFalls(t *testing.T) {
	data := tinyData(t, 3, 1)
	cfg := tinyConfig(data, t.TempDir())
	// 16 one-batch epochs with the loss weight of a from-scratch run: with 8
	// the fall (to 0.79× of the start) hung on the kernels' rounding.
	cfg.Epochs, cfg.LR, cfg.LossWeight = 16, 3e-3, 1000
	cfg.BoxPadding = 1.1
	var log bytes.Buffer
	res, err := Train(context.Background(), cfg, Options{Progress: &log})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(res.Losses), 8)
	n := len(res.Losses) / 4
	first, last := mean(res.Losses[:n]), mean(res.Losses[len(res.Losses)-n:])
	assert.Less(t, last, 0.8*first, "losses %v", res.Losses)
	require.Len(t, res.Epochs, cfg.Epochs)
	assert.NotNil(t, res.Epochs[cfg.Epochs-1].AP, "the last epoch is validated")
	for _, f := range []string{LastCheckpoint, BestCheckpoint, MetricsFile, LossPlot, APPlot} {
		assert.FileExists(t, filepath.Join(cfg.Out, f))
	}
	m, err := pose.Load(filepath.Join(cfg.Out, BestCheckpoint))
	require.NoError(t, err, "best is a model checkpoint")
	assert.Equal(t, tinyArch, m.Arch.String())
	assert.Equal(t, 64, m.Meta.InputH)
	assert.Equal(t, cfg.Sigma, m.Meta.Sigma, "DARK's σ travels with the model")
	assert.Equal(t, cfg.BoxPadding, m.Meta.BoxPadding, "inference crops as training did")
	hist, err := readMetrics(filepath.Join(cfg.Out, MetricsFile), cfg.Epochs)
	require.NoError(t, err)
	assert.Len(t, hist, cfg.Epochs)

	// Validation counts the hyper-function units no crop activates.
	total := 0
	for _, d := range m.DyReLUs() {
		total += d.Hidden
	}
	final := hist[len(hist)-1]
	require.NotNil(t, final.DeadHyperUnits, "dead units in metrics.jsonl")
	assert.Equal(t, total, final.HyperUnits)
	assert.LessOrEqual(t, *final.DeadHyperUnits, total)
	assert.Contains(t, log.String(), fmt.Sprintf("dead DY-ReLU units %d/%d", *final.DeadHyperUnits, total))
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestResumeExact checks that stopping and resuming gives the losses,
// weights and metrics of an uninterrupted run, whether it stopped at an
// epoch boundary, mid-epoch or in validation, with one model, with
// data-parallel replicas, and with a weight average.
func TestResumeExact(t *testing.T) {
	data := tinyData(t, 3, 1)
	for _, tc := range []struct {
		replicas int
		ema      float64
	}{{1, 0}, {2, 0}, {2, 0.9}} {
		t.Run(fmt.Sprintf("replicas %d ema %v", tc.replicas, tc.ema), func(t *testing.T) {
			testResumeExact(t, data, tc.replicas, tc.ema)
		})
	}
}

func testResumeExact(t *testing.T, data string, replicas int, ema float64) {
	config := func() Config {
		cfg := tinyConfig(data, t.TempDir())
		cfg.Batch, cfg.Replicas, cfg.EMADecay, cfg.ValEvery = 2, replicas, ema, 1
		return cfg
	}
	full := config()
	want, err := Train(context.Background(), full, Options{})
	require.NoError(t, err)
	nb := len(want.Losses) / full.Epochs
	require.GreaterOrEqual(t, nb, 2, "need several batches per epoch")
	wantHist, err := readMetrics(filepath.Join(full.Out, MetricsFile), full.Epochs)
	require.NoError(t, err)

	for _, tc := range []struct {
		name         string
		stop         int  // iterations before the interruption
		inValidation bool // Ctrl-C as epoch 1's validation starts, after stop iterations
	}{
		{"epoch boundary", nb, false},
		{"mid-epoch", nb + 1, false},
		{"in validation", nb, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config()
			var first *Result
			if tc.inValidation {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				// The last batch's progress line is the last thing before validation.
				w := &cancelOn{line: fmt.Sprintf("epoch 1/%d iter %d/%d ", cfg.Epochs, nb, nb), cancel: cancel}
				first, err = Train(ctx, cfg, Options{Progress: w})
				require.ErrorIs(t, err, context.Canceled)
				require.True(t, w.seen)
				assert.NoFileExists(t, filepath.Join(cfg.Out, MetricsFile), "epoch 1 was not validated")
			} else {
				first, err = Train(context.Background(), cfg, Options{MaxIters: tc.stop})
				require.NoError(t, err)
			}
			require.Len(t, first.Losses, tc.stop)
			cfg.Resume = filepath.Join(cfg.Out, LastCheckpoint)
			second, err := Train(context.Background(), cfg, Options{})
			require.NoError(t, err)
			got := append(first.Losses, second.Losses...)
			assert.InDeltaSlice(t, want.Losses, got, 0, "losses of 2 epochs vs stop at %d + resume", tc.stop)
			assert.InDelta(t, want.BestAP, second.BestAP, 0)
			a, err := os.ReadFile(filepath.Join(full.Out, BestCheckpoint))
			require.NoError(t, err)
			b, err := os.ReadFile(filepath.Join(cfg.Out, BestCheckpoint))
			require.NoError(t, err)
			assert.Equal(t, a, b, "same final weights")
			assert.Equal(t, lastTensors(t, full.Out), lastTensors(t, cfg.Out), "same weights, optimiser state and average")
			hist, err := readMetrics(filepath.Join(cfg.Out, MetricsFile), full.Epochs)
			require.NoError(t, err)
			require.Len(t, hist, full.Epochs, "metrics.jsonl continues across the resume")
			for i := range hist {
				hist[i].Seconds, hist[i].SamplesPerSec = wantHist[i].Seconds, wantHist[i].SamplesPerSec // timings differ
			}
			assert.Equal(t, wantHist, hist, "metrics.jsonl: losses, rates and APs")
		})
	}
}

// cancelOn is a progress writer that calls cancel when it is given line.
type cancelOn struct {
	line   string
	cancel context.CancelFunc
	seen   bool
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.HasPrefix(string(p), c.line) {
		c.seen = true
		c.cancel()
	}
	return len(p), nil
}

// lastTensors returns the tensors of dir's last.safetensors.
func lastTensors(t *testing.T, dir string) map[string][]float32 {
	t.Helper()
	tf, err := nn.ReadSafetensors(filepath.Join(dir, LastCheckpoint))
	require.NoError(t, err)
	out := make(map[string][]float32, len(tf.Tensors))
	for k, v := range tf.Tensors {
		out[k] = v.Data
	}
	return out
}

// TestEMA checks that a weight average leaves training alone (the losses
// of a plain run, validating between epochs) and is what best.safetensors
// holds: the last checkpoint keeps it beside the training weights.
func TestEMA(t *testing.T) {
	data := tinyData(t, 3, 1)
	run := func(ema float64, epochs int) (*Result, string) {
		cfg := tinyConfig(data, t.TempDir())
		cfg.Batch, cfg.Replicas, cfg.EMADecay, cfg.Epochs, cfg.ValEvery = 2, 2, ema, epochs, 1
		res, err := Train(context.Background(), cfg, Options{})
		require.NoError(t, err)
		return res, cfg.Out
	}
	plain, _ := run(0, 2)
	avg, _ := run(0.9, 2)
	assert.InDeltaSlice(t, plain.Losses, avg.Losses, 0, "the average does not change the training weights")

	_, out := run(0.9, 1) // one epoch: best.safetensors is its only validation
	last := lastTensors(t, out)
	best, err := nn.ReadSafetensors(filepath.Join(out, BestCheckpoint))
	require.NoError(t, err)
	require.NotEmpty(t, best.Tensors)
	differ := 0
	for k, v := range best.Tensors {
		assert.Equal(t, last[emaPrefix+k], v.Data, "best holds the average of %s", k)
		if !assert.ObjectsAreEqual(last[k], v.Data) {
			differ++
		}
	}
	assert.Positive(t, differ, "the average is not the training weights")
	assert.NoError(t, ExportHalf(filepath.Join(out, BestCheckpoint), filepath.Join(out, HalfCheckpoint)))
	assert.ErrorContains(t, ExportHalf(filepath.Join(out, LastCheckpoint), filepath.Join(out, "x.safetensors")), "training checkpoint")
}

func TestPlotRun(t *testing.T) {
	data := tinyData(t, 2, 1)
	cfg := tinyConfig(data, t.TempDir())
	_, err := Train(context.Background(), cfg, Options{})
	require.NoError(t, err)
	for _, f := range []string{LossPlot, APPlot} {
		require.NoError(t, os.Remove(filepath.Join(cfg.Out, f)))
	}
	require.NoError(t, PlotRun(cfg.Out))
	for _, f := range []string{LossPlot, APPlot} {
		b, err := os.ReadFile(filepath.Join(cfg.Out, f))
		require.NoError(t, err)
		assert.Equal(t, "\x89PNG", string(b[:4]), f)
	}
	assert.Error(t, PlotRun(t.TempDir()), "no metrics")
}

func TestTrainInit(t *testing.T) {
	data := tinyData(t, 2, 1)
	first := tinyConfig(data, t.TempDir())
	first.Epochs = 3
	a, err := Train(context.Background(), first, Options{})
	require.NoError(t, err)
	second := tinyConfig(data, t.TempDir())
	second.Epochs, second.Init = 1, filepath.Join(first.Out, BestCheckpoint)
	b, err := Train(context.Background(), second, Options{})
	require.NoError(t, err)
	fresh := tinyConfig(data, t.TempDir())
	fresh.Epochs = 1
	c, err := Train(context.Background(), fresh, Options{})
	require.NoError(t, err)
	assert.Less(t, b.Losses[0], c.Losses[0], "starting from trained weights (first run %v)", a.Losses)
	bad := tinyConfig(data, t.TempDir())
	bad.Arch, bad.Init = "mnv3-small-baseline-w0.25-hc16", second.Init
	_, err = Train(context.Background(), bad, Options{})
	assert.ErrorIs(t, err, pose.ErrArchMismatch)
	// A training checkpoint works too (its optimiser state is left out).
	fromLast := tinyConfig(data, t.TempDir())
	fromLast.Epochs, fromLast.Init = 1, filepath.Join(first.Out, LastCheckpoint)
	d, err := Train(context.Background(), fromLast, Options{})
	require.NoError(t, err)
	assert.InDelta(t, b.Losses[0], d.Losses[0], 0, "last and best hold the same weights after the last epoch")
}

// TestLossWeightScalesGradient checks that Config.LossWeight multiplies the
// gradient handed to the network and nothing else.
func TestLossWeightScalesGradient(t *testing.T) {
	pred := nntest.RandTensor(nntest.Rand(1), 2, 3, 4, 5)
	target := nntest.RandTensor(nntest.Rand(2), 2, 3, 4, 5)
	var ref nn.JointsMSELoss
	ref.Forward(pred, target, nil)
	want := ref.Backward().Clone()
	var loss nn.JointsMSELoss
	loss.Forward(pred, target, nil)
	got := scaledLossGrad(&loss, 1000)
	for i := range want.Data {
		require.InDelta(t, 1000*want.Data[i], got.Data[i], 1e-6*math.Abs(float64(1000*want.Data[i]))+1e-12)
	}
	loss.Forward(pred, target, nil)
	nntest.AssertClose(t, want, scaledLossGrad(&loss, 1), 0, "weight 1 leaves the gradient alone")
}

// TestJointWeights checks that the weights reach the loss: weighing every
// joint by 2 makes the first iteration's loss (before any step) 4 times the
// plain one, and weighing one wrist by 3 raises it.
func TestJointWeights(t *testing.T) {
	data := tinyData(t, 2, 1)
	run := func(ws []float64) *Result {
		cfg := tinyConfig(data, t.TempDir())
		cfg.Epochs, cfg.JointWeights = 1, ws
		res, err := Train(context.Background(), cfg, Options{})
		require.NoError(t, err)
		return res
	}
	plain := run(nil)
	twos := make([]float64, 17)
	for i := range twos {
		twos[i] = 2
	}
	assert.InDelta(t, 4*plain.Losses[0], run(twos).Losses[0], 1e-6*float64(plain.Losses[0]))
	one := make([]float64, 17)
	for i := range one {
		one[i] = 1
	}
	one[9] = 3
	assert.Greater(t, run(one).Losses[0], plain.Losses[0], "a heavier wrist adds to the loss")
}

func TestWeighJoints(t *testing.T) {
	b := &coco.Batch{N: 2, Weights: []float32{1, 0, 1, 1, 1, 0}}
	weighJoints(b, []float64{2, 3, 0.5})
	assert.Equal(t, []float32{2, 0, 0.5, 2, 3, 0}, b.Weights, "per joint, unlabelled joints stay 0")
	weighJoints(b, nil)
	assert.Equal(t, []float32{2, 0, 0.5, 2, 3, 0}, b.Weights, "nil leaves them")
}

// TestOHKMFromEpoch checks that mining starts at the epoch asked for: with
// the same seed, the first epoch's losses are the plain run's and the
// second's are mined (larger than the plain run's, which keeps every joint).
func TestOHKMFromEpoch(t *testing.T) {
	data := tinyData(t, 3, 1)
	run := func(topK, from int) *Result {
		cfg := tinyConfig(data, t.TempDir())
		cfg.Batch, cfg.OHKMTopK, cfg.OHKMFromEpoch = 2, topK, from
		res, err := Train(context.Background(), cfg, Options{})
		require.NoError(t, err)
		return res
	}
	plain, always, late := run(0, 0), run(4, 0), run(4, 2)
	nb := len(plain.Losses) / 2
	require.GreaterOrEqual(t, nb, 1)
	assert.InDeltaSlice(t, plain.Losses[:nb], late.Losses[:nb], 0, "epoch 1 is plain")
	assert.Greater(t, always.Losses[0], plain.Losses[0], "the mined loss keeps the worst joints")
	assert.Greater(t, late.Losses[nb], plain.Losses[nb], "epoch 2 is mined")
}
