package track

import (
	"fmt"
	"math"
)

// OneEuroParams configures a One-Euro filter (Casiez, Roussel & Vogel,
// "1€ Filter: A Simple Speed-based Low-pass Filter for Noisy Input in
// Interactive Systems", CHI 2012). The cutoff frequency grows with the
// signal's speed: cutoff = MinCutoff + Beta·|ẋ|, so slow motion is smoothed
// hard (less jitter) and fast motion lightly (less lag).
type OneEuroParams struct {
	// MinCutoff is the cutoff at rest, in Hz; lower removes more jitter.
	MinCutoff float64
	// Beta is the cutoff's gain per unit of speed, in Hz per (pixel/s);
	// higher reduces lag on fast moves.
	Beta float64
	// DCutoff is the cutoff for the speed estimate itself, in Hz.
	DCutoff float64
}

// DefaultOneEuro returns settings for keypoints in pixels at webcam rates:
// 1 Hz at rest and the paper's DCutoff of 1 Hz, with Beta chosen so that a
// joint moving 300 px/s is filtered at about 4 Hz. Tune MinCutoff first
// (jitter at rest), then Beta (lag when moving), as the paper advises.
func DefaultOneEuro() OneEuroParams {
	return OneEuroParams{MinCutoff: 1, Beta: 0.01, DCutoff: 1}
}

func (p OneEuroParams) validate() error {
	if !(p.MinCutoff > 0) || !(p.DCutoff > 0) || !(p.Beta >= 0) {
		return fmt.Errorf("one-euro: want min cutoff > 0, d cutoff > 0, beta ≥ 0, got %+v", p)
	}
	return nil
}

// OneEuro filters one scalar signal sampled at arbitrary times. The zero
// value is not usable: build it with NewOneEuro.
type OneEuro struct {
	p     OneEuroParams
	x, dx float64 // filtered value and filtered speed
	t     float64 // time of the last sample, seconds
	warm  bool    // false until the first sample
}

// NewOneEuro returns a filter, or an error for non-positive cutoffs or a
// negative beta.
func NewOneEuro(p OneEuroParams) (*OneEuro, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &OneEuro{p: p}, nil
}

// smoothing returns the weight of a new sample in an exponential low-pass
// with cutoff fc (Hz) after te seconds: α = 1 / (1 + τ/te), τ = 1/(2π·fc).
func smoothing(fc, te float64) float64 {
	tau := 1 / (2 * math.Pi * fc)
	return 1 / (1 + tau/te)
}

// Filter feeds sample x taken at time t (seconds) and returns the filtered
// value. The first sample passes through. A sample not later than the
// previous one (a repeated or out-of-order timestamp) leaves the filter
// unchanged and returns the last filtered value.
func (f *OneEuro) Filter(x, t float64) float64 {
	if !f.warm {
		f.x, f.dx, f.t, f.warm = x, 0, t, true
		return x
	}
	te := t - f.t
	if !(te > 0) {
		return f.x
	}
	f.t = t
	// The speed is taken against the previous filtered value, as in the
	// paper's reference implementation.
	ad := smoothing(f.p.DCutoff, te)
	f.dx += ad * ((x-f.x)/te - f.dx)
	a := smoothing(f.p.MinCutoff+f.p.Beta*math.Abs(f.dx), te)
	f.x += a * (x - f.x)
	return f.x
}

// Reset forgets the signal; the next sample passes through.
func (f *OneEuro) Reset() { f.warm = false }

// PoseFilter smooths the x and y of every keypoint of one person with its
// own One-Euro filter. A keypoint below the score threshold passes through
// and resets its filters, so a joint that reappears starts from where it is
// seen, not from where it was lost.
type PoseFilter struct {
	thr  float32
	filt []OneEuro // 2K filters: x0, y0, x1, y1, ...
}

// NewPoseFilter returns a filter for k keypoints; keypoints scoring below
// thr are not smoothed.
func NewPoseFilter(p OneEuroParams, k int, thr float32) (*PoseFilter, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, fmt.Errorf("one-euro: %d keypoints", k)
	}
	f := &PoseFilter{thr: thr, filt: make([]OneEuro, 2*k)}
	for i := range f.filt {
		f.filt[i].p = p
	}
	return f, nil
}

// Filter smooths kps (K×3: x, y, score) in place for a frame at time t
// (seconds). It panics if kps does not hold the filter's K keypoints.
func (f *PoseFilter) Filter(kps []float32, t float64) {
	if len(kps) != len(f.filt)/2*3 {
		panic(fmt.Sprintf("%s: %d keypoint values for a %d-keypoint filter", errShape, len(kps), len(f.filt)/2))
	}
	for j := range len(f.filt) / 2 {
		kp := kps[3*j : 3*j+3]
		fx, fy := &f.filt[2*j], &f.filt[2*j+1]
		if kp[2] < f.thr {
			fx.Reset()
			fy.Reset()
			continue
		}
		kp[0] = float32(fx.Filter(float64(kp[0]), t))
		kp[1] = float32(fy.Filter(float64(kp[1]), t))
	}
}

// errShape starts the panic message of a length mismatch (a programmer error).
const errShape = "track: shape mismatch"
