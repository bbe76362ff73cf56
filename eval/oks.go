package eval

import (
	"fmt"
	"math"
)

// eps is np.spacing(1), the 2⁻⁵² pycocotools adds to areas and to the
// precision denominator.
const eps = 0x1p-52

// errShape starts the panic message of a keypoint-array length mismatch.
const errShape = "eval: keypoint array length mismatch"

// oksVars returns (2σ)² per keypoint, as pycocotools' computeOks does.
func oksVars(sigmas []float64) []float64 {
	v := make([]float64, len(sigmas))
	for i, s := range sigmas {
		d := s * 2
		v[i] = d * d
	}
	return v
}

// OKS returns the object keypoint similarity of detection keypoints dt
// (x, y, score triples) to the ground truth g, with pycocotools' formula
//
//	OKS = mean over labelled keypoints j of exp(-d_j² / (2·(area+ε)·(2σ_j)²))
//
// where d_j is the distance between detected and labelled keypoint j and
// area is the ground truth's segment area. When g has no labelled keypoint
// (every v = 0), d_j is instead the distance from the detected keypoint to
// the box g.Bbox grown by its own size on every side (x from x-w to x+2w),
// zero inside it, and the mean runs over all K keypoints. It panics if dt,
// g.Keypoints and sigmas disagree on K.
func OKS(dt []float64, g *Annotation, sigmas []float64) float64 {
	e := make([]float64, len(sigmas))
	return oks(e, dt, g, oksVars(sigmas))
}

// oks is OKS with (2σ)² precomputed and a K-length scratch slice e. The
// arithmetic follows numpy's order step for step (square, divide by var,
// by area+ε, by 2; exp; pairwise sum; divide by count), so results are
// bit-identical to pycocotools' wherever exp agrees.
func oks(e, dt []float64, g *Annotation, vars []float64) float64 {
	k := len(vars)
	gk := g.Keypoints
	if len(dt) != 3*k || len(gk) != 3*k || len(e) < k {
		panic(fmt.Sprintf("%s: dt %d, gt %d, sigmas %d", errShape, len(dt), len(gk), k))
	}
	labelled := 0
	for j := range k {
		if gk[3*j+2] > 0 {
			labelled++
		}
	}
	area := g.Area + eps
	n := 0
	if labelled > 0 {
		for j := range k {
			if gk[3*j+2] <= 0 {
				continue
			}
			dx := dt[3*j] - gk[3*j]
			dy := dt[3*j+1] - gk[3*j+1]
			// Explicit conversions keep the compiler from fusing into FMAs.
			d2 := float64(dx*dx) + float64(dy*dy)
			e[n] = math.Exp(-(d2 / vars[j] / area / 2))
			n++
		}
	} else {
		bb := g.Bbox
		x0, x1 := bb[0]-bb[2], bb[0]+bb[2]*2
		y0, y1 := bb[1]-bb[3], bb[1]+bb[3]*2
		for j := range k {
			xd, yd := dt[3*j], dt[3*j+1]
			dx := max(0, x0-xd) + max(0, xd-x1)
			dy := max(0, y0-yd) + max(0, yd-y1)
			d2 := float64(dx*dx) + float64(dy*dy)
			e[n] = math.Exp(-(d2 / vars[j] / area / 2))
			n++
		}
	}
	return pairwiseSum(e[:n]) / float64(n)
}
