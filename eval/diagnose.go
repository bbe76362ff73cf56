package eval

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// ErrorKind classifies one labelled keypoint of a matched person by the
// error its detection makes, with the classes and keypoint-similarity
// thresholds of Ronchi and Perona, "Benchmarking and Error Diagnosis in
// Multi-Instance Pose Estimation" (ICCV 2017). ks is the keypoint's OKS term
// exp(-d²/(2·area·(2σ)²)).
type ErrorKind int

const (
	Good      ErrorKind = iota // ks ≥ 0.85
	Jitter                     // 0.5 ≤ ks < 0.85: the right joint, imprecise
	Inversion                  // ks < 0.5, but ≥ 0.5 against the same person's mirror joint (left/right)
	Swap                       // ks < 0.5, but ≥ 0.5 against the same joint of another person in the image
	Miss                       // ks < 0.5 and none of the above
	NumErrorKinds
)

var errorKindNames = [NumErrorKinds]string{"good", "jitter", "inversion", "swap", "miss"}

func (k ErrorKind) String() string {
	if k < 0 || k >= NumErrorKinds {
		return fmt.Sprintf("ErrorKind(%d)", int(k))
	}
	return errorKindNames[k]
}

// Keypoint-similarity thresholds of the error classes, and COCO's
// visibility flag of a labelled keypoint that is not visible.
const (
	goodKS  = 0.85
	nearKS  = 0.5
	hiddenV = 1
)

// DiagnoseOKS is the OKS at or above which Evaluate pairs a detection with a
// ground truth for Summary.Errors. It is far below the AP thresholds so that
// gross failures are paired, and classified, too.
const DiagnoseOKS = 0.1

// KeypointErrors counts one keypoint's error classes (see ErrorKind) over
// the pairs of Summary.Errors, separately for hidden (v = 1) and visible
// (v = 2) labels.
type KeypointErrors struct {
	Name    string
	Hidden  [NumErrorKinds]int
	Visible [NumErrorKinds]int
}

// Labelled is the number of pairs whose ground truth labels the keypoint.
func (k KeypointErrors) Labelled() int { return total(k.Hidden) + total(k.Visible) }

// ErrorSummary is the error diagnosis of Summary.Errors: every ground truth
// that counts in area range "all" (not crowd, keypoints labelled) is paired
// with a detection by pycocotools' greedy matching (highest score first) at
// OKS ≥ DiagnoseOKS, and each labelled keypoint of a pair is classified.
type ErrorSummary struct {
	People    int // ground truths that count
	Unmatched int // of those, left without a detection
	Keypoints []KeypointErrors
}

// diagnosis classifies the keypoints of each pair matched at DiagnoseOKS.
func (e *evaluator) diagnosis(evals []*imgEval) *ErrorSummary {
	k := len(e.vars)
	names := e.gt.KeypointNames(k)
	mirror := mirrorJoints(names)
	d := &ErrorSummary{Keypoints: make([]KeypointErrors, k)}
	for j := range d.Keypoints {
		d.Keypoints[j].Name = names[j]
	}
	for i, ev := range evals {
		d.People += ev.npig[e.pkArea]
		d.Unmatched += ev.npig[e.pkArea] - len(ev.diagPairs)
		gts := e.cells[i].gts
		for _, pr := range ev.diagPairs {
			dt := e.res[pr[0]].Keypoints
			g := &e.gt.Annotations[pr[1]]
			for j := range k {
				v := g.Keypoints[3*j+2]
				if v <= 0 {
					continue
				}
				kind := e.classify(dt, j, g, mirror[j], gts)
				if v == hiddenV {
					d.Keypoints[j].Hidden[kind]++
				} else {
					d.Keypoints[j].Visible[kind]++
				}
			}
		}
	}
	return d
}

// classify returns the error class of detected keypoint j against its
// ground truth g; mirror is j's left/right partner (-1: none) and others
// the annotations of the image.
func (e *evaluator) classify(dt []float64, j int, g *Annotation, mirror int, others []int32) ErrorKind {
	switch ks := e.keypointSimilarity(dt, j, g, j); {
	case ks >= goodKS:
		return Good
	case ks >= nearKS:
		return Jitter
	}
	if mirror >= 0 && g.Keypoints[3*mirror+2] > 0 && e.keypointSimilarity(dt, j, g, mirror) >= nearKS {
		return Inversion
	}
	for _, oi := range others {
		o := &e.gt.Annotations[oi]
		if o == g || o.IsCrowd || o.Keypoints[3*j+2] <= 0 {
			continue
		}
		if e.keypointSimilarity(dt, j, o, j) >= nearKS {
			return Swap
		}
	}
	return Miss
}

// keypointSimilarity is the OKS term of detected keypoint j against
// keypoint m of g, on g's scale.
func (e *evaluator) keypointSimilarity(dt []float64, j int, g *Annotation, m int) float64 {
	dx := dt[3*j] - g.Keypoints[3*m]
	dy := dt[3*j+1] - g.Keypoints[3*m+1]
	return math.Exp(-((dx*dx + dy*dy) / e.vars[j] / (g.Area + eps) / 2))
}

// mirrorJoints pairs "left…" with "right…" keypoint names (COCO's
// left_eye/right_eye); -1 for a keypoint without a partner.
func mirrorJoints(names []string) []int {
	idx := make(map[string]int, len(names))
	for i, n := range names {
		idx[n] = i
	}
	m := make([]int, len(names))
	for i, n := range names {
		m[i] = -1
		var other string
		if r, ok := strings.CutPrefix(n, "left"); ok {
			other = "right" + r
		} else if r, ok := strings.CutPrefix(n, "right"); ok {
			other = "left" + r
		}
		if p, ok := idx[other]; other != "" && ok {
			m[i] = p
		}
	}
	return m
}

func total(c [NumErrorKinds]int) int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// WriteErrors writes the error diagnosis: per keypoint, then for all
// keypoints, visible ones and hidden ones, the share of each error class.
// A Summary that Evaluate did not fill has none, which is an error.
func (s *Summary) WriteErrors(w io.Writer) error {
	d := s.Errors
	if d == nil {
		return errors.New("eval: summary has no error diagnosis (not made by Evaluate)")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "keypoint errors (Ronchi & Perona's classes) over %d people, area all, paired at OKS >= %.2f (%d unpaired)\n",
		d.People, DiagnoseOKS, d.Unmatched)
	fmt.Fprintf(&b, " %-16s %9s", "keypoint", "labelled")
	for k := range NumErrorKinds {
		fmt.Fprintf(&b, " %9s", k)
	}
	b.WriteByte('\n')
	row := func(name string, c [NumErrorKinds]int) {
		n := total(c)
		fmt.Fprintf(&b, " %-16s %9d", name, n)
		for _, v := range c {
			if n == 0 {
				fmt.Fprintf(&b, " %9s", "-")
			} else {
				fmt.Fprintf(&b, " %8.1f%%", 100*float64(v)/float64(n))
			}
		}
		b.WriteByte('\n')
	}
	var all, vis, hid [NumErrorKinds]int
	for _, kp := range d.Keypoints {
		var c [NumErrorKinds]int
		for i := range c {
			c[i] = kp.Hidden[i] + kp.Visible[i]
			all[i] += c[i]
			vis[i] += kp.Visible[i]
			hid[i] += kp.Hidden[i]
		}
		row(kp.Name, c)
	}
	row("all", all)
	row("visible (v=2)", vis)
	row("hidden (v=1)", hid)
	_, err := io.WriteString(w, b.String())
	return err
}
