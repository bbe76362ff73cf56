package nn

import (
	"fmt"
	"math"
)

// BatchNorm2D normalises each channel of x (N,C,H,W):
//
//	y = (x − mean_c) / √(var_c + Eps) · Weight_c + Bias_c
//
// In training mode mean and var are the batch statistics over N·H·W (var
// biased, as PyTorch normalises), and the running statistics move towards
// them: running = (1 − Momentum)·running + Momentum·batch, where the
// running variance takes the unbiased batch variance. In eval mode the
// running statistics are used. Backward works in both modes: the full
// batch-statistics gradient in training, the per-channel affine gradient in
// eval.
//
// Momentum follows the caller: PyTorch's default is eps 1e-5, momentum 0.1,
// while torchvision's MobileNetV3 (and so dypose's backbone) uses eps 1e-3,
// momentum 0.01.
type BatchNorm2D struct {
	Weight, Bias            *Param // (C), trainable; init 1 and 0
	RunningMean, RunningVar *Param // (C), buffers; init 0 and 1
	Eps, Momentum           float32
	Training                bool
	// Sync, when set, makes training use the statistics of the whole batch
	// split over data-parallel replicas; Rank is this replica's index in it.
	Sync *BatchSync
	Rank int

	x, y, dx     *Tensor
	batch        bool      // whether the last Forward used batch statistics
	synced       bool      // whether they were the whole batch's, through Sync
	count        float64   // values per channel behind them
	mean, invstd []float32 // per channel, of the last Forward
	scale, shift []float32 // per channel: y = x·scale + shift
	s1, s2       []float64 // per channel, for Sync: the slice's mean and M2, then Σdy and Σdy·x̂
}

// NewBatchNorm2D returns a BatchNorm2D over c channels in eval mode.
func NewBatchNorm2D(c int, eps, momentum float32) *BatchNorm2D {
	b := &BatchNorm2D{
		Weight:      NewParam("weight", c),
		Bias:        NewParam("bias", c),
		RunningMean: NewBuffer("running_mean", c),
		RunningVar:  NewBuffer("running_var", c),
		Eps:         eps,
		Momentum:    momentum,
		mean:        make([]float32, c),
		invstd:      make([]float32, c),
		scale:       make([]float32, c),
		shift:       make([]float32, c),
	}
	Fill(b.Weight.Value, 1)
	Fill(b.RunningVar.Value, 1)
	return b
}

// SetTraining switches between batch statistics (on) and running ones.
func (b *BatchNorm2D) SetTraining(on bool) { b.Training = on }

// Params returns weight, bias and the running_mean, running_var buffers.
func (b *BatchNorm2D) Params() []*Param {
	return []*Param{b.Weight, b.Bias, b.RunningMean, b.RunningVar}
}

// bnMinWork is the number of elements a goroutine should get at least.
const bnMinWork = 1 << 15

// Forward normalises x (N,C,H,W) into the layer's output buffer.
func (b *BatchNorm2D) Forward(x *Tensor) *Tensor {
	n, c, h, w := x.Dims4()
	if c != len(b.scale) {
		panic(fmt.Sprintf("%s: BatchNorm2D over %d channels, x %v", errShape, len(b.scale), x.Shape))
	}
	hw := h * w
	b.x, b.batch = x, b.Training
	b.y = Ensure(b.y, x.Shape...)
	wt, bias := b.Weight.Value.Data, b.Bias.Value.Data
	b.synced = b.Training && b.Sync != nil && b.Sync.parties > 1
	if b.synced {
		b.forwardSynced(x, n, c, hw)
	} else if b.Training {
		m := n * hw
		checkBatchCount(float64(m), x.Shape)
		// Statistics per channel, in float64: one goroutine owns a range of
		// channels, so every write (stats, running buffers) is disjoint.
		ParallelFor(c, max(1, bnMinWork/max(1, m)), func(lo, hi int) {
			for ch := lo; ch < hi; ch++ {
				mean, sq := channelStatsFast(x.Data, n, c, hw, ch) // reference: channelStats in the tests
				b.setBatchStats(ch, mean, sq, float64(m))
			}
		})
	} else {
		rm, rv := b.RunningMean.Value.Data, b.RunningVar.Value.Data
		for ch := range c {
			b.mean[ch] = rm[ch]
			b.invstd[ch] = float32(1 / math.Sqrt(float64(rv[ch])+float64(b.Eps)))
		}
	}
	// As PyTorch: y = x·α + β with α = w·invstd, β = b − mean·α.
	for ch := range c {
		b.scale[ch] = wt[ch] * b.invstd[ch]
		b.shift[ch] = bias[ch] - b.mean[ch]*b.scale[ch]
	}
	bnAffine(b.y.Data, x.Data, b.scale, b.shift, n*c, hw)
	return b.y
}

// bnAffine computes dst = src·scale[p%c] + shift[p%c] for every plane p of
// hw elements (c = len(scale)), split over cores by planes when large
// (see parallelMin).
func bnAffine(dst, src, scale, shift []float32, planes, hw int) {
	c := len(scale)
	if len(dst) < planes*hw || len(src) < planes*hw || len(shift) != c {
		panic(fmt.Sprintf("%s: bnAffine %d planes of %d, dst %d, src %d", errShape, planes, hw, len(dst), len(src)))
	}
	if planes*hw < parallelMin || planes < 2 {
		if planes*hw > 0 {
			bnAffineFast(dst, src, scale, shift, 0, planes, hw)
		}
		return
	}
	ParallelFor(planes, max(1, parallelMin/2/hw), func(lo, hi int) {
		bnAffineFast(dst, src, scale, shift, lo, hi, hw)
	})
}

// bnAffineNaive is the loop bn_affine_f32 vectorises.
func bnAffineNaive(dst, src, scale, shift []float32, planes, hw int) {
	c := len(scale)
	for p := range planes {
		a, b := scale[p%c], shift[p%c]
		d, s := dst[p*hw:(p+1)*hw], src[p*hw:(p+1)*hw]
		for i, v := range s {
			d[i] = v*a + b
		}
	}
}

// Backward returns dx for dy (N,C,H,W) and adds into Weight.Grad and
// Bias.Grad. With x̂ = (x − mean)·invstd and M = N·H·W per channel:
//
//	dBias   += Σ dy
//	dWeight += Σ dy·x̂
//	dx = w·invstd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M)   (batch statistics)
//	dx = w·invstd·dy                             (running statistics)
func (b *BatchNorm2D) Backward(dy *Tensor) *Tensor {
	if b.x == nil {
		panic("nn.BatchNorm2D: Backward before Forward")
	}
	if !dy.SameShape(b.x) {
		panic(fmt.Sprintf("%s: BatchNorm2D dy %v, x %v", errShape, dy.Shape, b.x.Shape))
	}
	n, c, h, w := dy.Dims4()
	hw, m := h*w, float64(n*h*w)
	b.dx = Ensure(b.dx, dy.Shape...)
	x, g, dx := b.x.Data, dy.Data, b.dx.Data
	wt, gw, gb := b.Weight.Value.Data, b.Weight.Grad.Data, b.Bias.Grad.Data
	if b.synced {
		b.backwardSynced(dx, x, g, n, c, hw)
		return b.dx
	}
	ParallelFor(c, max(1, bnMinWork/max(1, n*hw)), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			mean, inv := b.mean[ch], b.invstd[ch]
			sdy, sdyx := bnBackwardChannel(dx, x, g, n, c, hw, ch, mean, inv, wt[ch]*inv, b.batch, m)
			gw[ch] += float32(sdyx)
			gb[ch] += float32(sdy)
		}
	})
	return b.dx
}

// forwardSynced sets the batch statistics from every replica's slice
// through Sync and moves the running statistics towards them.
func (b *BatchNorm2D) forwardSynced(x *Tensor, n, c, hw int) {
	if len(b.s1) != c {
		b.s1, b.s2 = make([]float64, c), make([]float64, c)
	}
	ParallelFor(c, max(1, bnMinWork/max(1, n*hw)), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b.s1[ch], b.s2[ch] = channelStatsFast(x.Data, n, c, hw, ch)
		}
	})
	m := b.Sync.syncStats(b.Rank, float64(n*hw), b.s1, b.s2)
	checkBatchCount(m, x.Shape)
	b.count = m
	for ch := range c {
		b.setBatchStats(ch, b.s1[ch], b.s2[ch], m)
	}
}

// setBatchStats normalises channel ch with the batch mean and sum of
// squared deviations sq of m values, and moves the running statistics
// towards them (the unbiased variance, as PyTorch).
func (b *BatchNorm2D) setBatchStats(ch int, mean, sq, m float64) {
	b.mean[ch], b.invstd[ch] = float32(mean), float32(1/math.Sqrt(sq/m+float64(b.Eps)))
	rm, rv := b.RunningMean.Value.Data, b.RunningVar.Value.Data
	mom := float64(b.Momentum)
	rm[ch] = float32((1-mom)*float64(rm[ch]) + mom*mean)
	rv[ch] = float32((1-mom)*float64(rv[ch]) + mom*sq/(m-1))
}

// checkBatchCount panics when m values per channel in the batch (over all
// replicas when synchronised; x's shape is this one's) leave the variance
// undefined.
func checkBatchCount(m float64, shape []int) {
	if m < 2 {
		panic(fmt.Sprintf("%s: BatchNorm2D training needs more than one value per channel, %v in the batch, x %v", errShape, m, shape))
	}
}

// backwardSynced is Backward's batch-statistics gradient with the sums
// Σdy and Σdy·x̂ of the whole batch. The weight and bias gradients get this
// slice's share, which the replicas' gradient sum completes.
func (b *BatchNorm2D) backwardSynced(dx, x, g []float32, n, c, hw int) {
	gw, gb, wt := b.Weight.Grad.Data, b.Bias.Grad.Data, b.Weight.Value.Data
	chunk := max(1, bnMinWork/max(1, n*hw))
	ParallelFor(c, chunk, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			sdy, sdyx := bnBackwardSums(x, g, n, c, hw, ch, b.mean[ch], b.invstd[ch])
			b.s1[ch], b.s2[ch] = sdy, sdyx
			gw[ch] += float32(sdyx)
			gb[ch] += float32(sdy)
		}
	})
	b.Sync.syncSums(b.Rank, b.s1, b.s2)
	ParallelFor(c, chunk, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			inv := b.invstd[ch]
			bnBackwardDX(dx, x, g, n, c, hw, ch, b.mean[ch], inv, wt[ch]*inv, float32(b.s1[ch]/b.count), float32(b.s2[ch]/b.count))
		}
	})
}
