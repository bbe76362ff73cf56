package nn

import (
	"fmt"
	"math"
	"sort"
)

// AdamConfig holds Adam's hyper-parameters. WeightDecay is Adam's L2 term
// (added to the gradient) unless Decoupled is set, which makes the
// optimiser AdamW (p −= LR·WeightDecay·p before the Adam step).
// ExemptVectors leaves one-dimensional parameters (biases, BatchNorm's
// weight and bias) out of the decay, as PyTorch does with a second
// parameter group of weight_decay 0 (mmpose's norm_decay_mult=0,
// bias_decay_mult=0): decay there would pull the layers' output scales
// and offsets towards zero rather than keep the weights' norm in check.
type AdamConfig struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Decoupled, ExemptVectors           bool
}

// DefaultAdam returns torch.optim.Adam's defaults: LR 1e-3, betas (0.9,
// 0.999), eps 1e-8, no weight decay. (torch.optim.AdamW's default weight
// decay is 1e-2; set WeightDecay and Decoupled for it.)
func DefaultAdam() AdamConfig {
	return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Adam is torch.optim.Adam / AdamW (PyTorch 1.13, amsgrad off) over the
// trainable parameters of a list; buffers (Grad == nil) are skipped. At
// step t, for each element with gradient g:
//
//	g ← g + wd·p                       (Adam, wd ≠ 0)
//	p ← p·(1 − lr·wd)                  (AdamW)
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	p ← p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps)
//
// so eps sits outside the bias-corrected square root, as in PyTorch; wd is
// 0 for the one-dimensional parameters when AdamConfig.ExemptVectors is set.
type Adam struct {
	cfg    AdamConfig
	params []*Param // trainable only
	m, v   []*Tensor
	decays []bool // per parameter: whether WeightDecay applies
	step   int
	chunks []adamChunk
}

// adamChunk is a slice [lo, hi) of parameter p: Step splits the update over
// cores by chunks so that one large weight does not serialise it.
type adamChunk struct{ p, lo, hi int }

// adamChunkLen bounds the elements of a chunk.
const adamChunkLen = 1 << 14

// NewAdam returns an optimiser for the trainable parameters of params. It
// panics on duplicate names, which would make its state ambiguous.
func NewAdam(params []*Param, cfg AdamConfig) *Adam {
	a := &Adam{cfg: cfg}
	seen := map[string]bool{}
	for _, p := range params {
		if !p.Trainable() {
			continue
		}
		if seen[p.Name] {
			panic(fmt.Sprintf("nn.NewAdam: duplicate parameter name %q", p.Name))
		}
		seen[p.Name] = true
		i := len(a.params)
		a.params = append(a.params, p)
		a.decays = append(a.decays, !cfg.ExemptVectors || len(p.Value.Shape) > 1)
		a.m = append(a.m, New(p.Value.Shape...))
		a.v = append(a.v, New(p.Value.Shape...))
		for lo := 0; lo < p.Value.Len(); lo += adamChunkLen {
			a.chunks = append(a.chunks, adamChunk{i, lo, min(lo+adamChunkLen, p.Value.Len())})
		}
	}
	return a
}

// LR returns the current learning rate.
func (a *Adam) LR() float64 { return a.cfg.LR }

// SetLR sets the learning rate for the next steps (schedules call this).
func (a *Adam) SetLR(lr float64) { a.cfg.LR = lr }

// StepCount returns the number of steps taken (PyTorch's state "step").
func (a *Adam) StepCount() int { return a.step }

// Config returns the hyper-parameters, with the current learning rate.
func (a *Adam) Config() AdamConfig { return a.cfg }

// Step updates every trainable parameter from its Grad.
func (a *Adam) Step() {
	a.step++
	c := a.cfg
	t := float64(a.step)
	// Scalars in float64 as PyTorch computes them in Python, then float32.
	stepSize := float32(c.LR / (1 - math.Pow(c.Beta1, t)))
	bc2sqrt := float32(math.Sqrt(1 - math.Pow(c.Beta2, t)))
	b1, b2 := float32(c.Beta1), float32(c.Beta2)
	ob1, ob2 := float32(1-c.Beta1), float32(1-c.Beta2)
	eps, wd := float32(c.Eps), float32(c.WeightDecay)
	decay := float32(1 - c.LR*c.WeightDecay)
	ParallelFor(len(a.chunks), 4, func(lo, hi int) {
		for _, ch := range a.chunks[lo:hi] {
			p := a.params[ch.p]
			w := p.Value.Data[ch.lo:ch.hi]
			g := p.Grad.Data[ch.lo:ch.hi]
			m := a.m[ch.p].Data[ch.lo:ch.hi]
			v := a.v[ch.p].Data[ch.lo:ch.hi]
			noDecay := c.WeightDecay == 0 || !a.decays[ch.p]
			for i, gi := range g {
				switch {
				case noDecay:
				case c.Decoupled:
					w[i] *= decay
				default:
					gi += w[i] * wd
				}
				m[i] = flushSubnormal(m[i]*b1 + gi*ob1)
				v[i] = flushSubnormal(v[i]*b2 + gi*gi*ob2)
				denom := float32(math.Sqrt(float64(v[i])))/bc2sqrt + eps
				w[i] -= stepSize * m[i] / denom
			}
		}
	})
}

// flushSubnormal returns 0 for a subnormal x and x otherwise. The moments of
// a weight whose gradient has stopped (the DY-ReLU hyper-functions' FC
// weights behind a dead unit, for one) decay geometrically through the
// subnormal range, where x86 takes a microcode assist of ~100 cycles on each
// arithmetic operation: after 2,751 steps 28 % of a training run's first
// moments were subnormal, and Step took 9× its CPU time, a fifth of the
// run's (notes/train.md, session 24). A moment below 2⁻¹²⁶ moves its weight
// by about lr·2⁻¹²⁶/eps, far below a float32 weight's rounding; flushing it
// (as the FTZ flag would) changes nothing else, so Step stays PyTorch's on
// every value above that.
func flushSubnormal(x float32) float32 {
	if math.Float32bits(x)&0x7f800000 == 0 {
		return 0
	}
	return x
}

// Names of the optimiser state in State and LoadState.
const (
	stateExpAvg   = "exp_avg."
	stateExpAvgSq = "exp_avg_sq."
	stateStep     = "step"
)

// State returns the optimiser's state for a checkpoint: "exp_avg.<param>"
// and "exp_avg_sq.<param>" (the moment tensors themselves, not copies) and
// "step", a one-element tensor holding the step count (exact up to 2²⁴).
func (a *Adam) State() map[string]*Tensor {
	s := make(map[string]*Tensor, 2*len(a.params)+1)
	for i, p := range a.params {
		s[stateExpAvg+p.Name] = a.m[i]
		s[stateExpAvgSq+p.Name] = a.v[i]
	}
	s[stateStep] = FromData([]float32{float32(a.step)}, 1)
	return s
}

// LoadState restores a State. Like LoadStateDict it is strict: every key
// must be present with the right number of elements and no other key may
// appear; on error nothing is changed.
func (a *Adam) LoadState(s map[string]*Tensor) error {
	step, ok := s[stateStep]
	if !ok || step.Len() != 1 {
		return fmt.Errorf("adam state: missing or malformed %q", stateStep)
	}
	n := float64(step.Data[0])
	if n < 0 || n != math.Trunc(n) {
		return fmt.Errorf("adam state: step %v is not a count", step.Data[0])
	}
	want := map[string]*Tensor{stateStep: nil}
	for i, p := range a.params {
		want[stateExpAvg+p.Name] = a.m[i]
		want[stateExpAvgSq+p.Name] = a.v[i]
	}
	var problems []string
	for k, dst := range want {
		src, ok := s[k]
		switch {
		case dst == nil: // step, checked above
		case !ok:
			problems = append(problems, "missing "+k)
		case src.Len() != dst.Len():
			problems = append(problems, fmt.Sprintf("%s has shape %v, want %v", k, src.Shape, dst.Shape))
		}
	}
	for k := range s {
		if _, ok := want[k]; !ok {
			problems = append(problems, "unexpected "+k)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("adam state: %d problems: %v", len(problems), problems)
	}
	for k, dst := range want {
		if dst != nil {
			copy(dst.Data, s[k].Data)
		}
	}
	a.step = int(n)
	return nil
}
