package train

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
	"github.com/dypose/dypose/pose"
)

// TestReplicasSplitTheBatch checks a data-parallel step against one model
// run on each slice of the batch on its own: the loss is the slices' mean,
// the gradient left in the model is the mean of the slices' gradients (each
// replica saw its own slice), and the BatchNorm running statistics are the
// mean of what each slice alone would leave.
func TestReplicasSplitTheBatch(t *testing.T) {
	arch, err := pose.ParseArch("mnv3-small-dyrelu-c-lat-w0.25-hc16")
	require.NoError(t, err)
	g := coco.Geometry{InputW: 64, InputH: 64, HeatmapW: 16, HeatmapH: 16, Sigma: 2}
	k := arch.Keypoints
	rng := nntest.Rand(5)
	const n = 4
	b := &coco.Batch{N: n,
		Images:  nntest.RandTensor(rng, n, 3, g.InputH, g.InputW).Data,
		Targets: nntest.RandTensor(rng, n, k, g.HeatmapH, g.HeatmapW).Data,
		Weights: make([]float32, n*k)}
	for i := range b.Weights {
		b.Weights[i] = float32(i % 2) // some joints unlabelled
	}
	trainer := func(replicas int) *Trainer {
		m := pose.New(arch, rand.New(rand.NewPCG(7, 0)))
		reps, err := newReplicas(m, replicas)
		require.NoError(t, err)
		for _, r := range reps {
			r.model.SetTraining(true)
			r.loss.UseTargetWeight = true
		}
		return &Trainer{cfg: Config{LossWeight: 1000}, geom: g, model: m, reps: reps}
	}
	slice := func(lo, hi int) *coco.Batch {
		in, hm := 3*g.InputH*g.InputW, k*g.HeatmapH*g.HeatmapW
		return &coco.Batch{N: hi - lo, Images: b.Images[lo*in : hi*in], Targets: b.Targets[lo*hm : hi*hm], Weights: b.Weights[lo*k : hi*k]}
	}

	dp := trainer(2)
	loss := dp.step(b)
	var wantLoss float32
	var single [2][]*nn.Param
	for i, s := range []*coco.Batch{slice(0, n/2), slice(n/2, n)} {
		one := trainer(1)
		wantLoss += 0.5 * one.step(s)
		single[i] = one.reps[0].params
	}
	assert.InDelta(t, wantLoss, loss, 1e-7)
	for i, p := range dp.reps[0].params {
		a, c := single[0][i], single[1][i]
		if p.Trainable() {
			for j, v := range p.Grad.Data {
				require.InDelta(t, 0.5*(a.Grad.Data[j]+c.Grad.Data[j]), v, 1e-6, "%s[%d]", p.Name, j)
			}
			continue
		}
		for j, v := range p.Value.Data {
			require.InDelta(t, 0.5*(a.Value.Data[j]+c.Value.Data[j]), v, 1e-6, "%s[%d]", p.Name, j)
			require.Equal(t, v, dp.reps[1].params[i].Value.Data[j], "replicas leave the step with the same buffers")
		}
	}

	// A batch smaller than the replica count runs on fewer replicas; the
	// idle ones take the statistics of the step.
	dp, one := trainer(2), trainer(1)
	assert.Equal(t, one.step(slice(0, 1)), dp.step(slice(0, 1)))
	for i, p := range dp.reps[0].params {
		want := one.reps[0].params[i]
		if p.Trainable() {
			require.Equal(t, want.Grad.Data, p.Grad.Data, p.Name)
			continue
		}
		require.Equal(t, want.Value.Data, p.Value.Data, p.Name)
		require.Equal(t, want.Value.Data, dp.reps[1].params[i].Value.Data, p.Name)
	}
}
