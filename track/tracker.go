package track

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/dypose/dypose/detect"
)

// Metric is how Tracker compares a track's last pose with a new one.
type Metric int

const (
	// MetricIoU compares boxes (intersection over union).
	MetricIoU Metric = iota
	// MetricOKS compares keypoints with COCO's object keypoint similarity,
	// using the track's box area as the object scale. Pairs with no joint
	// confident in both fall back to box IoU.
	MetricOKS
)

func (m Metric) String() string {
	switch m {
	case MetricIoU:
		return "iou"
	case MetricOKS:
		return "oks"
	default:
		return fmt.Sprintf("Metric(%d)", int(m))
	}
}

// COCOSigmas returns the per-keypoint OKS sigmas of the 17 COCO keypoints
// (pycocotools' values; the OKS falloff constant is κ = 2σ).
func COCOSigmas() []float32 {
	return []float32{
		.026, .025, .025, .035, .035, .079, .079, .072, .072,
		.062, .062, .107, .107, .087, .087, .089, .089,
	}
}

// TrackerOptions tunes NewTracker. Start from DefaultTrackerOptions.
type TrackerOptions struct {
	Metric Metric
	// MinSimilarity is the least IoU or OKS for a person to continue a track.
	MinSimilarity float32
	// MaxMissed is how many consecutive frames a track survives unmatched
	// before it expires; its id is never reused.
	MaxMissed int
	// Sigmas are the OKS sigmas, one per keypoint; nil means COCOSigmas
	// (then people must have 17 keypoints). Unused for MetricIoU.
	Sigmas []float32
	// KeypointThreshold is the least score for a keypoint to count in OKS
	// and to be smoothed.
	KeypointThreshold float32
	// Smooth, when not nil, One-Euro filters each track's keypoints.
	Smooth *OneEuroParams
}

// DefaultTrackerOptions returns OKS matching at 0.3, expiry after 10
// missed frames (a third of a second at 30 FPS) and no smoothing.
func DefaultTrackerOptions() TrackerOptions {
	return TrackerOptions{
		Metric:            MetricOKS,
		MinSimilarity:     0.3,
		MaxMissed:         10,
		KeypointThreshold: 0.3,
	}
}

// Tracker gives people persistent ids across frames by greedy matching:
// every (track, person) pair at or above MinSimilarity is taken best first
// unless either side is already matched; unmatched people open new tracks
// with fresh ids (1, 2, ...), and tracks unmatched for more than MaxMissed
// frames expire. It is not safe for concurrent use.
type Tracker struct {
	opts   TrackerOptions
	sigmas []float32
	tracks []*trackState
	nextID int
	pairs  []pair // scratch, reused
	used   []bool // scratch: people already matched
}

type trackState struct {
	id      int
	box     detect.Box
	kps     []float32 // last raw keypoints, owned
	missed  int
	matched bool
	filter  *PoseFilter // nil without smoothing
}

type pair struct {
	track, person int
	sim           float32
}

// NewTracker returns an empty tracker.
func NewTracker(opts TrackerOptions) (*Tracker, error) {
	switch {
	case opts.Metric != MetricIoU && opts.Metric != MetricOKS:
		return nil, fmt.Errorf("track: unknown metric %v", opts.Metric)
	case !(opts.MinSimilarity >= 0 && opts.MinSimilarity <= 1):
		return nil, fmt.Errorf("track: min similarity %g is not in [0, 1]", opts.MinSimilarity)
	case opts.MaxMissed < 0:
		return nil, fmt.Errorf("track: max missed %d < 0", opts.MaxMissed)
	}
	if opts.Smooth != nil {
		if err := opts.Smooth.validate(); err != nil {
			return nil, fmt.Errorf("track: %w", err)
		}
	}
	sigmas := opts.Sigmas
	if sigmas == nil {
		sigmas = COCOSigmas()
	}
	for i, s := range sigmas {
		if !(s > 0) {
			return nil, fmt.Errorf("track: sigma %d = %g is not positive", i, s)
		}
	}
	return &Tracker{opts: opts, sigmas: sigmas, nextID: 1}, nil
}

// Active returns the number of live tracks (matched recently enough).
func (tr *Tracker) Active() int { return len(tr.tracks) }

// Update matches the people of the frame at time t (seconds) to tracks and
// sets their TrackID in place; with smoothing on, it also replaces their
// keypoints by the filtered ones. It returns an error, changing nothing,
// when a person's keypoints do not fit the sigmas (OKS) or are not triples.
func (tr *Tracker) Update(people []Person, t float64) error {
	for i := range people {
		if err := tr.checkPerson(&people[i]); err != nil {
			return fmt.Errorf("track: person %d: %w", i, err)
		}
	}
	tr.pairs = tr.pairs[:0]
	for ti, tk := range tr.tracks {
		tk.matched = false
		for pi := range people {
			if s := tr.similarity(tk, &people[pi]); s >= tr.opts.MinSimilarity {
				tr.pairs = append(tr.pairs, pair{ti, pi, s})
			}
		}
	}
	// Best pairs first; ties keep track then person order, so results do
	// not depend on the sort's internals.
	slices.SortStableFunc(tr.pairs, func(a, b pair) int { return cmp.Compare(b.sim, a.sim) })
	tr.used = slices.Grow(tr.used[:0], len(people))[:len(people)]
	clear(tr.used)
	for _, p := range tr.pairs {
		tk := tr.tracks[p.track]
		if tk.matched || tr.used[p.person] {
			continue
		}
		tk.matched, tr.used[p.person] = true, true
		tr.assign(tk, &people[p.person], t)
	}
	// Age unmatched tracks and drop expired ones, keeping order.
	live := tr.tracks[:0]
	for _, tk := range tr.tracks {
		if !tk.matched {
			tk.missed++
		}
		if tk.missed <= tr.opts.MaxMissed {
			live = append(live, tk)
		}
	}
	clear(tr.tracks[len(live):])
	tr.tracks = live
	for pi := range people {
		if tr.used[pi] {
			continue
		}
		tk := &trackState{id: tr.nextID, matched: true}
		tr.nextID++
		if tr.opts.Smooth != nil {
			f, err := NewPoseFilter(*tr.opts.Smooth, people[pi].NumKeypoints(), tr.opts.KeypointThreshold)
			if err == nil { // err only for K = 0: such people are not smoothed
				tk.filter = f
			}
		}
		tr.assign(tk, &people[pi], t)
		tr.tracks = append(tr.tracks, tk)
	}
	return nil
}

func (tr *Tracker) checkPerson(p *Person) error {
	if len(p.Keypoints)%3 != 0 {
		return fmt.Errorf("%d keypoint values, not x, y, score triples", len(p.Keypoints))
	}
	if tr.opts.Metric == MetricOKS && p.NumKeypoints() != len(tr.sigmas) {
		return fmt.Errorf("%d keypoints, but %d OKS sigmas", p.NumKeypoints(), len(tr.sigmas))
	}
	return nil
}

// assign makes p the track's latest pose and smooths p's keypoints.
func (tr *Tracker) assign(tk *trackState, p *Person, t float64) {
	tk.missed = 0
	tk.box = p.Box
	tk.kps = append(tk.kps[:0], p.Keypoints...)
	p.TrackID = tk.id
	if tk.filter != nil && len(p.Keypoints) == len(tk.filter.filt)/2*3 {
		tk.filter.Filter(p.Keypoints, t)
	}
}

// similarity of a track's last pose and a new person under the metric.
func (tr *Tracker) similarity(tk *trackState, p *Person) float32 {
	if tr.opts.Metric == MetricOKS && len(tk.kps) == len(p.Keypoints) {
		if s, ok := oks(tk.kps, p.Keypoints, tk.box.Area(), tr.sigmas, tr.opts.KeypointThreshold); ok {
			return s
		}
	}
	return detect.IoU(tk.box, p.Box)
}

// oks is COCO's object keypoint similarity between poses a and b (K×3)
// over the joints confident (≥ thr) in both, with object area s²:
// mean of exp(−d²/(2·s²·κ²)), κ = 2σ. ok is false when no joint counts.
func oks(a, b []float32, area float32, sigmas []float32, thr float32) (sim float32, ok bool) {
	if area <= 0 {
		return 0, false
	}
	var sum float64
	n := 0
	for j, s := range sigmas {
		ka, kb := a[3*j:3*j+3], b[3*j:3*j+3]
		if ka[2] < thr || kb[2] < thr {
			continue
		}
		dx, dy := float64(ka[0]-kb[0]), float64(ka[1]-kb[1])
		k := 2 * float64(s)
		sum += math.Exp(-(dx*dx + dy*dy) / (2 * float64(area) * k * k))
		n++
	}
	if n == 0 {
		return 0, false
	}
	return float32(sum / float64(n)), true
}
