package nn

import "fmt"

// EMA keeps an exponential moving average of a model's values, weights
// and buffers alike (Polyak averaging, as timm's ModelEmaV2 and mmpose's
// EMAHook keep one): after each optimiser step, avg ← d·avg + (1−d)·value.
// The decay ramps up as d = min(Decay, (1+n)/(10+n)) over the first
// updates n (TensorFlow's ExponentialMovingAverage with num_updates), so
// the random initial weights fade from the average within a few hundred
// steps instead of 1/(1−Decay).
type EMA struct {
	Decay   float64
	Updates int      // updates so far (the n above)
	params  []*Param // the model's
	avg     []*Param // the averages, named as params
}

// NewEMA starts an average of ps at their current values.
func NewEMA(ps []*Param, decay float64) *EMA {
	e := &EMA{Decay: decay, params: ps, avg: make([]*Param, len(ps))}
	for i, p := range ps {
		a := NewBuffer(p.Name, p.Value.Shape...)
		copy(a.Value.Data, p.Value.Data)
		e.avg[i] = a
	}
	return e
}

// decay returns the decay of the next update.
func (e *EMA) decay() float64 {
	n := float64(e.Updates)
	return min(e.Decay, (1+n)/(10+n))
}

// Update moves the average towards the parameters' current values.
func (e *EMA) Update() {
	d := float32(e.decay())
	od := 1 - d
	e.Updates++
	ParallelFor(len(e.params), 8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v, a := e.params[i].Value.Data, e.avg[i].Value.Data
			for j, x := range v {
				a[j] = a[j]*d + x*od
			}
		}
	})
}

// Swap exchanges the model's values with the averages in place: call it
// before evaluating or saving the averaged model and again to go back to
// training. It allocates nothing.
func (e *EMA) Swap() {
	for i, p := range e.params {
		v, a := p.Value.Data, e.avg[i].Value.Data
		for j := range v {
			v[j], a[j] = a[j], v[j]
		}
	}
}

// State returns the averages by parameter name (the tensors themselves,
// not copies), for a checkpoint; Updates goes beside it.
func (e *EMA) State() map[string]*Tensor { return StateDict(e.avg) }

// LoadState restores the averages of a State and the update count. It is
// strict as LoadStateDict is, and changes nothing on error.
func (e *EMA) LoadState(s map[string]*Tensor, updates int) error {
	if updates < 0 {
		return fmt.Errorf("ema state: %d updates, want ≥ 0", updates)
	}
	if err := LoadStateDict(e.avg, s); err != nil {
		return fmt.Errorf("ema state: %w", err)
	}
	e.Updates = updates
	return nil
}
