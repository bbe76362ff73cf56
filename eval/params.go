package eval

import (
	"fmt"
	"math"
)

// cocoSigmasX10 are COCO's 17 per-keypoint OKS sigmas multiplied by ten, in
// keypoint order (nose, eyes, ears, shoulders, elbows, wrists, hips, knees,
// ankles). pycocotools stores them ×10 and divides by 10.0 at run time; we
// do the same division in float64 (see COCOSigmas) so the values carry the
// same rounding as numpy's.
var cocoSigmasX10 = [...]float64{.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89}

// Defaults of pycocotools' keypoint evaluation (Params.setKpParams).
const (
	// DefaultMaxDets is the number of top-scoring detections per image and
	// category that take part in matching.
	DefaultMaxDets      = 20
	numOKSThresholds    = 10  // linspace(.5, .95, 10)
	numRecallThresholds = 101 // linspace(0, 1, 101)
	// areaMax is pycocotools' upper area bound, 1e5**2.
	areaMax = 1e5 * 1e5
)

// COCOSigmas returns a fresh copy of COCO's 17 keypoint sigmas (each value
// ×10 divided by 10.0 in float64, exactly as pycocotools computes them).
func COCOSigmas() []float64 {
	s := make([]float64, len(cocoSigmasX10))
	for i, v := range cocoSigmasX10 {
		s[i] = v / 10.0 // v is a variable: a run-time float64 division, as numpy does
	}
	return s
}

// AreaRange is one of the object-size buckets of the evaluation. A ground
// truth or detection is inside when Lo <= area <= Hi (both bounds
// inclusive, as in pycocotools).
type AreaRange struct {
	Label  string
	Lo, Hi float64
}

// Params are the evaluation settings. DefaultParams gives pycocotools'
// keypoint settings; change Sigmas for other keypoint sets.
type Params struct {
	// Sigmas holds one OKS sigma per keypoint (K values); every ground truth
	// and result of an evaluated category must carry 3K keypoint values.
	Sigmas []float64
	// MaxDets is how many detections per image and category are matched,
	// highest score first (20 in COCO). Summary lines report this value.
	MaxDets int
	// OKSThresholds are the T matching thresholds (an OKS >= t matches).
	OKSThresholds []float64
	// RecallThresholds are the R recall points of the precision curve.
	RecallThresholds []float64
	// AreaRanges are the A size buckets. Summary looks for the labels
	// "all", "medium" and "large"; a missing label yields -1.
	AreaRanges []AreaRange
}

// DefaultParams returns pycocotools' keypoint parameters: COCO's 17
// sigmas, 20 detections per image, OKS thresholds linspace(.5, .95, 10),
// recall thresholds linspace(0, 1, 101) (both bit-identical to numpy's) and
// the area ranges all [0, 1e10], medium [32², 96²], large [96², 1e10]. There
// is no "small" range for keypoints.
func DefaultParams() Params {
	return Params{
		Sigmas:           COCOSigmas(),
		MaxDets:          DefaultMaxDets,
		OKSThresholds:    Linspace(.5, .95, numOKSThresholds),
		RecallThresholds: Linspace(0, 1, numRecallThresholds),
		AreaRanges: []AreaRange{
			{Label: "all", Lo: 0, Hi: areaMax},
			{Label: "medium", Lo: 32 * 32, Hi: 96 * 96},
			{Label: "large", Lo: 96 * 96, Hi: areaMax},
		},
	}
}

// validate reports the first setting Evaluate cannot work with.
func (p *Params) validate() error {
	switch {
	case len(p.Sigmas) == 0:
		return fmt.Errorf("eval: params: no keypoint sigmas")
	case p.MaxDets < 1:
		return fmt.Errorf("eval: params: MaxDets %d, want >= 1", p.MaxDets)
	case len(p.OKSThresholds) == 0:
		return fmt.Errorf("eval: params: no OKS thresholds")
	case len(p.RecallThresholds) == 0:
		return fmt.Errorf("eval: params: no recall thresholds")
	case len(p.AreaRanges) == 0:
		return fmt.Errorf("eval: params: no area ranges")
	}
	for i, s := range p.Sigmas {
		if err := checkSigma(i, s); err != nil {
			return fmt.Errorf("eval: params: %w", err)
		}
	}
	return nil
}

// checkSigma reports a sigma OKS cannot use. OKS divides by (2σ)², so that
// must be finite and non-zero: a σ whose square overflows (σ > ~6.7e153) or
// underflows to 0 (σ < ~8e-163) would make similarities NaN.
func checkSigma(i int, s float64) error {
	d := s * 2 // as oksVars computes it
	if v := d * d; !(s > 0) || v == 0 || math.IsInf(v, 0) {
		return fmt.Errorf("sigma %d is %v, want a value > 0 with (2·sigma)² finite and non-zero", i, s)
	}
	return nil
}

// Linspace returns num evenly spaced values from start to stop inclusive,
// with numpy.linspace's float64 arithmetic (numpy >= 1.18, endpoint=True):
//
//	step = (stop-start)/(num-1); y[i] = i*step + start; y[num-1] = stop
//
// pycocotools' thresholds come from it, and AP75 relies on y[5] being
// exactly 0.75, so the rounding must be numpy's, not an exact decimal one.
func Linspace(start, stop float64, num int) []float64 {
	if num <= 0 {
		return nil
	}
	y := make([]float64, num)
	if num == 1 {
		y[0] = start
		return y
	}
	div := float64(num - 1)
	delta := stop - start
	step := delta / div
	for i := range y {
		if step == 0 {
			y[i] = float64(float64(i)/div)*delta + start
		} else {
			// The explicit conversion forbids fusing into an FMA, which
			// numpy does not do.
			y[i] = float64(float64(i)*step) + start
		}
	}
	y[num-1] = stop
	return y
}

// pairwiseSum adds a with numpy's pairwise summation (the algorithm behind
// np.sum and np.mean on a contiguous float64 array): fewer than 8 values are
// added in order; up to 128 use eight interleaved partial sums; longer
// arrays split in two at a multiple of 8. Matching it makes OKS values and
// summary means bit-identical to pycocotools'.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			blk := a[i : i+8]
			for j := range r {
				r[j] += blk[j]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}
