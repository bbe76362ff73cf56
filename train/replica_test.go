package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/nn/nntest"
	"github.com/dypose/dypose/pose"
)

// TestReplicasSplitTheBatch checks a data-parallel step against one model
// on the whole batch: with the replicas' BatchNorm layers synchronised, the
// loss, the gradient left in the model and the running statistics are the
// same up to rounding; each replica must have seen its own slice, and each
// slice's gradient must be weighted by its share of the batch.
func TestReplicasSplitTheBatch(t *testing.T) {
	arch, err := pose.ParseArch("mnv3-small-dyrelu-c-lat-w0.25-hc16")
	require.NoError(t, err)
	g := coco.Geometry{InputW: 64, InputH: 64, HeatmapW: 16, HeatmapH: 16, Sigma: 2, BoxPadding: coco.BoxPadding}
	k := arch.Keypoints
	rng := nntest.Rand(5)
	const n = 5 // slices of 1, 2 and 2 for three replicas
	b := &coco.Batch{N: n,
		Images:  nntest.RandTensor(rng, n, 3, g.InputH, g.InputW).Data,
		Targets: nntest.RandTensor(rng, n, k, g.HeatmapH, g.HeatmapW).Data,
		Weights: make([]float32, n*k)}
	for i := range b.Weights {
		b.Weights[i] = float32(i % 2) // some joints unlabelled
	}
	trainer := func(replicas int) *Trainer {
		m := pose.New(arch, rand.New(rand.NewPCG(7, 0)))
		reps, syncs, err := newReplicas(m, replicas)
		require.NoError(t, err)
		for _, r := range reps {
			r.model.SetTraining(true)
			r.loss.UseTargetWeight = true
		}
		return &Trainer{cfg: Config{LossWeight: 1000}, geom: g, model: m, reps: reps, syncs: syncs}
	}
	same := func(t *testing.T, want, got *Trainer, lossWant, lossGot float32) {
		t.Helper()
		assert.InDelta(t, lossWant, lossGot, 1e-6*float64(lossWant))
		for i, p := range got.reps[0].params {
			w := want.reps[0].params[i]
			if p.Trainable() {
				assertRelClose(t, w.Grad.Data, p.Grad.Data, 1e-4, p.Name)
				continue
			}
			assertRelClose(t, w.Value.Data, p.Value.Data, 1e-5, p.Name)
			for _, r := range got.reps[1:] {
				require.Equal(t, p.Value.Data, r.params[i].Value.Data, "replicas leave the step with the same buffers")
			}
		}
	}

	one, dp := trainer(1), trainer(3)
	same(t, one, dp, one.step(b), dp.step(b))

	// A batch smaller than the replica count runs on fewer replicas; the
	// idle one takes the statistics of the step.
	short := &coco.Batch{N: 2, Images: b.Images[:2*3*g.InputH*g.InputW],
		Targets: b.Targets[:2*k*g.HeatmapH*g.HeatmapW], Weights: b.Weights[:2*k]}
	one, dp = trainer(1), trainer(3)
	same(t, one, dp, one.step(short), dp.step(short))
}

// assertRelClose checks got against want within tol of want's largest
// magnitude, and 1e-8: DY-ReLU-C's spatial bias, which its softmax
// ignores, has a gradient of rounding noise (1e-10).
func assertRelClose(t *testing.T, want, got []float32, tol float64, what string) {
	t.Helper()
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for j, v := range got {
		require.InDelta(t, want[j], v, tol*scale+1e-8, "%s[%d]", what, j)
	}
}
