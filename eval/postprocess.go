package eval

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Post-processing defaults of SimpleBaseline / HRNet / mmpose on COCO.
const (
	// DefaultKeypointThreshold is the score a keypoint must exceed to count
	// in Rescore (SimpleBaseline's TEST.IN_VIS_THRE).
	DefaultKeypointThreshold = 0.2
	// DefaultOKSNMSThreshold is the OKS above which OKSNMS suppresses a
	// person (SimpleBaseline's TEST.OKS_THRE).
	DefaultOKSNMSThreshold = 0.9
)

// Person is one top-down prediction: the keypoints decoded from one box.
type Person struct {
	Keypoints []float64 // x, y, score triples (3K values)
	Score     float64   // box score; the rescored value after Rescore
	// Area is the person's area for OKS-NMS. SimpleBaseline uses the
	// area of the crop box it fed the network: the detection box widened
	// to the input aspect ratio and scaled by 1.25 (scale_w·scale_h·200²).
	Area float64
}

// Rescore returns SimpleBaseline's person score: boxScore times the mean
// of the keypoint scores (every third value of keypoints) strictly above
// thr. When no keypoint score is above thr the mean is taken as 0, so the
// person scores 0, as SimpleBaseline's code does (its sum starts at 0 and
// is divided only when the count is non-zero).
func Rescore(boxScore float64, keypoints []float64, thr float64) float64 {
	sum, n := 0.0, 0
	for i := 2; i < len(keypoints); i += 3 {
		if s := keypoints[i]; s > thr {
			sum += s
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n) * boxScore
}

// OKSNMS is SimpleBaseline's oks_nms: visit persons by decreasing score,
// keep the best remaining one and drop every remaining person whose OKS
// with it is above thr; repeat. It returns the kept indices, best first.
//
// The OKS here is SimpleBaseline's oks_iou, not the evaluation's: every
// keypoint counts (keypoint scores are not used), and the area is the mean
// of the two persons' areas. Ties in score are visited higher index first,
// which is what numpy's argsort()[::-1] gives for up to 16 persons (its
// insertion sort is stable there; beyond that numpy's order is
// unspecified). Persons must all have 3·len(sigmas) keypoint values; a
// mismatch is a programmer error and panics.
func OKSNMS(persons []Person, thr float64, sigmas []float64) []int {
	vars := oksVars(sigmas)
	k := len(vars)
	for i := range persons {
		if len(persons[i].Keypoints) != 3*k {
			panic(fmt.Sprintf("%s: person %d has %d values, sigmas %d", errShape, i, len(persons[i].Keypoints), k))
		}
	}
	order := make([]int, len(persons))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(persons[b].Score, persons[a].Score); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
	e := make([]float64, k)
	var keep []int
	for len(order) > 0 {
		best := order[0]
		keep = append(keep, best)
		rest := order[:0]
		for _, o := range order[1:] {
			if nmsOKS(e, &persons[best], &persons[o], vars) <= thr {
				rest = append(rest, o)
			}
		}
		order = rest
	}
	return keep
}

// nmsOKS is SimpleBaseline's oks_iou for one pair: the mean over all K
// keypoints of exp(-d²/(2·((area_g+area_d)/2+ε)·(2σ)²)).
func nmsOKS(e []float64, g, d *Person, vars []float64) float64 {
	area := (g.Area+d.Area)/2 + eps
	for j := range vars {
		dx := d.Keypoints[3*j] - g.Keypoints[3*j]
		dy := d.Keypoints[3*j+1] - g.Keypoints[3*j+1]
		d2 := float64(dx*dx) + float64(dy*dy)
		e[j] = math.Exp(-(d2 / vars[j] / area / 2))
	}
	return pairwiseSum(e) / float64(len(vars))
}
