package train

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/pose"
)

// replica is one copy of the network in data-parallel training. Replica 0
// is the trainer's model; the others use its weights (nn.ShareValues) and
// keep their own gradients, activations and loss state. Their BatchNorm
// layers normalise with the whole batch's statistics (nn.BatchSync), so
// the replicas compute what one model computes on the whole batch, and
// their running statistics stay equal.
type replica struct {
	model  *pose.Model
	params []*nn.Param
	loss   nn.JointsMSELoss
	l      float32 // loss of its slice in the last step
}

// newReplicas returns max(n, 1) replicas of m, the first being m itself,
// and the synchronisers of their BatchNorm layers (none for one replica).
func newReplicas(m *pose.Model, n int) ([]*replica, []*nn.BatchSync, error) {
	reps := []*replica{{model: m, params: m.Params()}}
	for i := 1; i < n; i++ {
		// The fresh weights are dropped for m's: the seed does not matter.
		c := pose.New(m.Arch, rand.New(rand.NewPCG(0, uint64(i))))
		c.Meta = m.Meta
		ps := c.Params()
		if err := nn.ShareValues(ps, reps[0].params); err != nil {
			return nil, nil, fmt.Errorf("train: replica %d: %w", i, err)
		}
		reps = append(reps, &replica{model: c, params: ps})
	}
	if len(reps) == 1 {
		return reps, nil, nil
	}
	bns := make([][]*nn.BatchNorm2D, len(reps))
	for r, rep := range reps {
		bns[r] = rep.model.BatchNorms()
	}
	syncs := make([]*nn.BatchSync, len(bns[0]))
	for i, b := range bns[0] {
		syncs[i] = nn.NewBatchSync(b.RunningMean.Value.Len(), len(reps))
		for r := range reps {
			bns[r][i].Sync, bns[r][i].Rank = syncs[i], r
		}
	}
	return reps, syncs, nil
}

// step runs the forward and backward passes of batch b, each replica on
// its contiguous slice of the batch at the same time, and leaves the whole
// batch's gradient (times Config.LossWeight) in the model's parameters. It
// returns the batch's loss: each slice's loss is a mean over its samples,
// so the batch's is their mean weighted by the slices' sizes, and each
// slice's gradient is weighted the same way. With one replica this is the
// plain single-model step.
func (t *Trainer) step(b *coco.Batch) float32 {
	weighJoints(b, t.cfg.JointWeights)
	active := min(len(t.reps), b.N)
	for _, s := range t.syncs {
		s.SetParties(active)
	}
	var l float32
	if active == 1 {
		t.forwardBackward(t.reps[0], b, 0, b.N)
		l = t.reps[0].l
	} else {
		var wg sync.WaitGroup
		for r := 1; r < active; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t.forwardBackward(t.reps[r], b, r*b.N/active, (r+1)*b.N/active)
			}()
		}
		t.forwardBackward(t.reps[0], b, 0, b.N/active)
		wg.Wait()
		for r, rep := range t.reps[:active] {
			lo, hi := r*b.N/active, (r+1)*b.N/active
			l += rep.l * float32(hi-lo) / float32(b.N)
			if r > 0 {
				nn.AddGrads(t.reps[0].params, rep.params)
			}
		}
	}
	for _, rep := range t.reps[active:] {
		// Idle in a batch smaller than the replica count: take the others'
		// running statistics. (newReplicas checked the lists match.)
		_ = nn.ShareValues(rep.params, t.reps[0].params)
	}
	return l
}

// forwardBackward runs rep on samples [lo, hi) of b.
func (t *Trainer) forwardBackward(rep *replica, b *coco.Batch, lo, hi int) {
	g, k := t.geom, t.model.Arch.Keypoints
	in, hm := 3*g.InputH*g.InputW, k*g.HeatmapH*g.HeatmapW
	n := hi - lo
	nn.ZeroGrad(rep.params)
	x := nn.FromData(b.Images[lo*in:hi*in], n, 3, g.InputH, g.InputW)
	y := rep.model.Forward(x)
	target := nn.FromData(b.Targets[lo*hm:hi*hm], n, k, g.HeatmapH, g.HeatmapW)
	weight := nn.FromData(b.Weights[lo*k:hi*k], n, k)
	rep.l = rep.loss.Forward(y, target, weight)
	rep.model.Backward(scaledLossGrad(&rep.loss, t.cfg.LossWeight*float64(n)/float64(b.N)))
}

// weighJoints multiplies the target weight of joint j of every sample of b
// by w[j] (Config.JointWeights); empty w leaves them.
func weighJoints(b *coco.Batch, w []float64) {
	for i := range b.N {
		for j, v := range w {
			b.Weights[i*len(w)+j] *= float32(v)
		}
	}
}

// scaledLossGrad is the gradient of loss's last Forward times scale.
func scaledLossGrad(loss *nn.JointsMSELoss, scale float64) *nn.Tensor {
	g := loss.Backward()
	if s := float32(scale); s != 1 {
		for i := range g.Data {
			g.Data[i] *= s
		}
	}
	return g
}
