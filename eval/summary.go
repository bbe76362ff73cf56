package eval

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// NumStats is the number of summary numbers of keypoint evaluation.
const NumStats = 10

// StatNames names Summary.Stats in order.
var StatNames = [NumStats]string{"AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"}

// statSpec says how one summary number is drawn from the accumulated
// arrays, as pycocotools' _summarizeKps does.
type statSpec struct {
	ap   bool    // precision (AP) or recall (AR)
	thr  float64 // OKS threshold; 0 means the mean over all thresholds
	area string  // area-range label
}

var statSpecs = [NumStats]statSpec{
	{true, 0, "all"}, {true, .5, "all"}, {true, .75, "all"}, {true, 0, "medium"}, {true, 0, "large"},
	{false, 0, "all"}, {false, .5, "all"}, {false, .75, "all"}, {false, 0, "medium"}, {false, 0, "large"},
}

// KeypointStat is the per-keypoint diagnostic of Summary.PerKeypoint: over
// the detection–ground-truth pairs matched at the first OKS threshold (0.5)
// in area range "all" (true positives only), Labelled counts the pairs
// whose ground truth labels this keypoint, and MeanSimilarity averages the
// keypoint's OKS term exp(-d²/(2·area·(2σ)²)) over them: 1 is perfect, and
// a joint with a low value is the one that fails. -1 when never labelled.
type KeypointStat struct {
	Name           string
	Labelled       int
	MeanSimilarity float64
}

// Summary is the outcome of Evaluate.
type Summary struct {
	// Stats are AP, AP50, AP75, APm, APl, AR, AR50, AR75, ARm, ARl (see
	// StatNames); -1 where no ground truth falls in the setting.
	Stats  [NumStats]float64
	Params Params
	// Precision is pycocotools' eval["precision"] without the maxDets
	// axis: T×R×K×A, row-major; -1 where a category has no ground truth.
	Precision []float64
	// Recall is eval["recall"]: T×K×A.
	Recall         []float64
	CategoryIDs    []int64 // the K evaluated categories, sorted
	NumImages      int
	NumResults     int
	SkippedResults int // results whose category is not in the ground truth
	PerKeypoint    []KeypointStat
	Errors         *ErrorSummary // error classes of every counted ground truth's keypoints
}

// summarize fills Stats from Precision and Recall.
func (s *Summary) summarize() {
	for n, sp := range statSpecs {
		s.Stats[n] = s.mean(sp)
	}
}

// mean is the mean of the entries other than -1 in the slice of Precision
// (sp.ap) or Recall that sp selects (numpy's pairwise sum, C order), or -1
// when there are none: pycocotools' _summarize.
func (s *Summary) mean(sp statSpec) float64 {
	p := s.Params
	R, K, A := len(p.RecallThresholds), len(s.CategoryIDs), len(p.AreaRanges)
	var vals []float64
	for t, thr := range p.OKSThresholds {
		if sp.thr != 0 && thr != sp.thr {
			continue
		}
		if sp.ap {
			for r := range R {
				for k := range K {
					vals = s.appendValid(vals, s.Precision[((t*R+r)*K+k)*A:][:A], sp.area)
				}
			}
		} else {
			for k := range K {
				vals = s.appendValid(vals, s.Recall[(t*K+k)*A:][:A], sp.area)
			}
		}
	}
	if len(vals) == 0 {
		return -1
	}
	return pairwiseSum(vals) / float64(len(vals))
}

// ThresholdStat is AP and AR at one OKS threshold, area range "all".
type ThresholdStat struct {
	OKS, AP, AR float64
}

// ByThreshold returns AP and AR at each OKS threshold (area range "all"):
// AP is their mean, AP50 and AP75 two of them, and the strict end (0.85 to
// 0.95) is where imprecise keypoints lose AP that AP50 does not show.
func (s *Summary) ByThreshold() []ThresholdStat {
	out := make([]ThresholdStat, len(s.Params.OKSThresholds))
	for i, thr := range s.Params.OKSThresholds {
		out[i] = ThresholdStat{OKS: thr, AP: s.mean(statSpec{true, thr, "all"}), AR: s.mean(statSpec{false, thr, "all"})}
	}
	return out
}

// WriteThresholds writes ByThreshold as a table.
func (s *Summary) WriteThresholds(w io.Writer) error {
	var b strings.Builder
	b.WriteString("AP and AR by OKS threshold, area all\n OKS      AP      AR\n")
	for _, st := range s.ByThreshold() {
		fmt.Fprintf(&b, " %.2f  %6.3f  %6.3f\n", st.OKS, st.AP, st.AR)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// appendValid appends the entries of row (one per area range) whose range
// is labelled area and whose value is not -1.
func (s *Summary) appendValid(vals, row []float64, area string) []float64 {
	for a, rng := range s.Params.AreaRanges {
		if rng.Label == area && row[a] > -1 {
			vals = append(vals, row[a])
		}
	}
	return vals
}

// Stat returns the summary number called name (one of StatNames).
func (s *Summary) Stat(name string) (float64, bool) {
	for i, n := range StatNames {
		if n == name {
			return s.Stats[i], true
		}
	}
	return 0, false
}

// Lines returns the ten summary lines in pycocotools' format, e.g.
//
//	Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 0.712
func (s *Summary) Lines() []string {
	thr := s.Params.OKSThresholds
	lines := make([]string, NumStats)
	for n, sp := range statSpecs {
		title, typ := "Average Precision", "(AP)"
		if !sp.ap {
			title, typ = "Average Recall", "(AR)"
		}
		iou := fmt.Sprintf("%0.2f:%0.2f", thr[0], thr[len(thr)-1])
		if sp.thr != 0 {
			iou = fmt.Sprintf("%0.2f", sp.thr)
		}
		lines[n] = fmt.Sprintf(" %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f",
			title, typ, iou, sp.area, s.Params.MaxDets, s.Stats[n])
	}
	return lines
}

// WriteText writes the ten summary lines.
func (s *Summary) WriteText(w io.Writer) error {
	_, err := io.WriteString(w, strings.Join(s.Lines(), "\n")+"\n")
	return err
}

// JSON returns the stats as one JSON object {"AP":…,…,"ARl":…} in
// StatNames order, every number in shortest round-trip form
// (strconv 'g', -1), so the float64 values survive exactly.
func (s *Summary) JSON() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range StatNames {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(n))
		b.WriteByte(':')
		b.WriteString(strconv.FormatFloat(s.Stats[i], 'g', -1, 64))
	}
	b.WriteByte('}')
	return b.String()
}

// WritePerKeypoint writes the per-keypoint table (see KeypointStat).
func (s *Summary) WritePerKeypoint(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "per-keypoint similarity over true positives at OKS %.2f, area all\n", s.Params.OKSThresholds[0])
	fmt.Fprintf(&b, " %-16s %9s %9s\n", "keypoint", "labelled", "mean KS")
	for _, k := range s.PerKeypoint {
		fmt.Fprintf(&b, " %-16s %9d %9.3f\n", k.Name, k.Labelled, k.MeanSimilarity)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
