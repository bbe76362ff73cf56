package nn

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate for a point in training: epoch is the
// 0-based index of the current epoch (the number of epochs completed) and
// iter the 0-based index of the current iteration counted from the start
// of training. The trainer calls it before every step and passes the value
// to the optimiser's SetLR.
type Schedule interface {
	LR(epoch, iter int) float64
}

// Constant is a fixed learning rate.
type Constant float64

// LR returns the constant.
func (c Constant) LR(epoch, iter int) float64 { return float64(c) }

// MultiStep is torch.optim.lr_scheduler.MultiStepLR: the rate is Base times
// Gamma for every milestone reached (epoch ≥ milestone). A milestone listed
// twice counts twice, as in PyTorch; the order does not matter.
type MultiStep struct {
	Base       float64
	Milestones []int
	Gamma      float64
}

// LR returns Base·Gamma^#{milestones ≤ epoch}.
func (s MultiStep) LR(epoch, iter int) float64 {
	n := 0
	for _, m := range s.Milestones {
		if epoch >= m {
			n++
		}
	}
	return s.Base * math.Pow(s.Gamma, float64(n))
}

// Cosine is torch.optim.lr_scheduler.CosineAnnealingLR in closed form with
// T_max = Epochs:
//
//	lr = Min + (Base − Min)·(1 + cos(π·epoch/Epochs))/2
//
// With Iters > 0 it anneals every iteration instead, over Iters iterations
// (iter/Iters in place of epoch/Epochs; mmpose's by_epoch=False), which a
// run of a few epochs needs to reach Min smoothly rather than in a few
// steps. Past the end the cosine continues (the rate rises again), as
// PyTorch's does.
type Cosine struct {
	Base, Min float64
	Epochs    int
	Iters     int
}

// LR returns the annealed rate for epoch (or iter, with Iters > 0); Epochs
// or Iters must be positive.
func (s Cosine) LR(epoch, iter int) float64 {
	t := 0.0
	switch {
	case s.Iters > 0:
		t = float64(iter) / float64(s.Iters)
	case s.Epochs > 0:
		t = float64(epoch) / float64(s.Epochs)
	default:
		panic(fmt.Sprintf("nn.Cosine: Epochs = %d, Iters = %d, want one > 0", s.Epochs, s.Iters))
	}
	return s.Min + (s.Base-s.Min)*(1+math.Cos(math.Pi*t))/2
}

// Warmup ramps another schedule up linearly over the first Iters
// iterations, as mmpose's configs do (warmup='linear', warmup_ratio 0.001):
//
//	lr = inner · (1 − (1 − iter/Iters)·(1 − Ratio))   for iter < Iters
//
// so it starts at Ratio·inner and reaches inner at iteration Iters.
type Warmup struct {
	Schedule Schedule
	Iters    int
	Ratio    float64
}

// LR returns the warmed-up rate.
func (w Warmup) LR(epoch, iter int) float64 {
	lr := w.Schedule.LR(epoch, iter)
	if iter >= w.Iters {
		return lr
	}
	k := (1 - float64(iter)/float64(w.Iters)) * (1 - w.Ratio)
	return lr * (1 - k)
}
