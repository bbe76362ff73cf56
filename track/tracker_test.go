package track

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dypose/dypose/detect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pose returns 17 keypoints spread over a 40×160 body at (x, y), all with
// the given score.
func pose(x, y, score float32) []float32 {
	kps := make([]float32, 17*3)
	for j := range 17 {
		kps[3*j] = x + float32(j%3)*20
		kps[3*j+1] = y + float32(j)*10
		kps[3*j+2] = score
	}
	return kps
}

func boxAt(x, y float32) detect.Box { return detect.Box{X: x, Y: y, W: 40, H: 160, Score: 0.9} }

func TestOKS(t *testing.T) {
	a := make([]float32, 17*3)
	b := make([]float32, 17*3)
	// Nose (σ .026) 5 px apart, left shoulder (σ .079) 10 px apart; the
	// rest below threshold in one pose or the other.
	a[0], a[1], a[2] = 50, 50, 0.9
	b[0], b[1], b[2] = 53, 54, 0.9
	a[15], a[16], a[17] = 60, 80, 0.9
	b[15], b[16], b[17] = 60, 90, 0.9
	a[18+2], b[21+2] = 0.9, 0.9 // right shoulder only in a, left elbow only in b
	tests := []struct {
		name   string
		a, b   []float32
		area   float32
		want   float32
		wantOK bool
	}{
		// exp(−25/(2·20000·0.052²)) = 0.7936291 and
		// exp(−100/(2·20000·0.158²)) = 0.9047069; mean 0.8491680.
		{"two shared joints", a, b, 20000, 0.8491680, true},
		{"identical poses", a, a, 20000, 1, true},
		{"no shared joint", a, make([]float32, 17*3), 20000, 0, false},
		{"zero area", a, b, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := oks(tt.a, tt.b, tt.area, COCOSigmas(), 0.3)
			assert.Equal(t, tt.wantOK, ok)
			assert.InDelta(t, tt.want, got, 1e-6)
		})
	}
}

func TestTrackerIDs(t *testing.T) {
	type frame struct {
		boxes []detect.Box
		want  []int // TrackID per person
	}
	tests := []struct {
		name      string
		maxMissed int
		frames    []frame
		active    int // live tracks after the last frame
	}{
		{
			name:      "ids follow people whatever their order",
			maxMissed: 10,
			frames: []frame{
				{[]detect.Box{boxAt(0, 0), boxAt(200, 0)}, []int{1, 2}},
				{[]detect.Box{boxAt(204, 0), boxAt(3, 0)}, []int{2, 1}},
				{[]detect.Box{boxAt(6, 2), boxAt(208, 0)}, []int{1, 2}},
			},
			active: 2,
		},
		{
			name:      "a track survives MaxMissed frames, then its id is retired",
			maxMissed: 1,
			frames: []frame{
				{[]detect.Box{boxAt(0, 0), boxAt(200, 0)}, []int{1, 2}},
				{[]detect.Box{boxAt(0, 0)}, []int{1}},                   // 2 missed once
				{[]detect.Box{boxAt(0, 0), boxAt(200, 0)}, []int{1, 2}}, // 2 is back
				{[]detect.Box{boxAt(0, 0)}, []int{1}},                   // missed once
				{[]detect.Box{boxAt(0, 0)}, []int{1}},                   // twice: expired
				{[]detect.Box{boxAt(0, 0), boxAt(200, 0)}, []int{1, 3}}, // a new id
			},
			active: 2,
		},
		{
			name:      "a far jump starts a new track",
			maxMissed: 10,
			frames: []frame{
				{[]detect.Box{boxAt(0, 0)}, []int{1}},
				{[]detect.Box{boxAt(300, 0)}, []int{2}},
			},
			active: 2,
		},
		{
			name:      "the better match wins a contested track",
			maxMissed: 10,
			frames: []frame{
				{[]detect.Box{boxAt(100, 0)}, []int{1}},
				// IoU with track 1: 30/50 for the first, 38/42 for the second.
				{[]detect.Box{boxAt(110, 0), boxAt(102, 0)}, []int{2, 1}},
			},
			active: 2,
		},
		{
			name:      "empty frames are fine",
			maxMissed: 10,
			frames:    []frame{{nil, nil}, {[]detect.Box{boxAt(0, 0)}, []int{1}}, {nil, nil}},
			active:    1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultTrackerOptions()
			o.Metric = MetricIoU
			o.MaxMissed = tt.maxMissed
			tr, err := NewTracker(o)
			require.NoError(t, err)
			for i, fr := range tt.frames {
				people := make([]Person, len(fr.boxes))
				for j, b := range fr.boxes {
					people[j] = Person{Box: b, Score: 1}
				}
				require.NoError(t, tr.Update(people, float64(i)/30))
				got := make([]int, len(people))
				for j := range people {
					got[j] = people[j].TrackID
				}
				if len(fr.want) == 0 {
					assert.Empty(t, got, "frame %d", i)
				} else {
					assert.Equal(t, fr.want, got, "frame %d", i)
				}
			}
			assert.Equal(t, tt.active, tr.Active())
		})
	}
}

// Two people with the same box cross: only keypoints can tell them apart.
func TestTrackerOKSSeparatesOverlappingPeople(t *testing.T) {
	tests := []struct {
		metric Metric
		want   []int
	}{
		{MetricOKS, []int{2, 1}},
		{MetricIoU, []int{1, 2}}, // boxes tie, so IoU keeps input order: wrong
	}
	for _, tt := range tests {
		t.Run(tt.metric.String(), func(t *testing.T) {
			o := DefaultTrackerOptions()
			o.Metric = tt.metric
			tr, err := NewTracker(o)
			require.NoError(t, err)
			box := detect.Box{X: 0, Y: 0, W: 100, H: 200, Score: 1}
			first := []Person{{Keypoints: pose(10, 20, 0.9), Box: box}, {Keypoints: pose(50, 20, 0.9), Box: box}}
			require.NoError(t, tr.Update(first, 0))
			require.Equal(t, 1, first[0].TrackID)
			second := []Person{{Keypoints: pose(52, 22, 0.9), Box: box}, {Keypoints: pose(12, 21, 0.9), Box: box}}
			require.NoError(t, tr.Update(second, 0.1))
			assert.Equal(t, tt.want, []int{second[0].TrackID, second[1].TrackID})
		})
	}
}

func TestTrackerSmooths(t *testing.T) {
	o := DefaultTrackerOptions()
	o.Smooth = &OneEuroParams{MinCutoff: 1, Beta: 0, DCutoff: 1}
	tr, err := NewTracker(o)
	require.NoError(t, err)
	const a01 = 0.3858695 // α at 1 Hz after 0.1 s
	p := []Person{{Keypoints: pose(100, 100, 0.9), Box: boxAt(100, 100)}}
	require.NoError(t, tr.Update(p, 0))
	assert.InDelta(t, 100, p[0].Keypoints[0], 1e-6, "first frame passes through")
	p = []Person{{Keypoints: pose(110, 100, 0.9), Box: boxAt(110, 100)}}
	require.NoError(t, tr.Update(p, 0.1))
	assert.Equal(t, 1, p[0].TrackID)
	assert.InDelta(t, 100+10*a01, p[0].Keypoints[0], 1e-4, "x moved by α of the step")
	assert.InDelta(t, 100, p[0].Keypoints[1], 1e-4, "y did not move")
	assert.InDelta(t, float32(0.9), p[0].Keypoints[2], 0, "scores untouched")
	// A new person in the same frame time is not smoothed toward anyone.
	q := []Person{{Keypoints: pose(110, 100, 0.9), Box: boxAt(110, 100)}, {Keypoints: pose(400, 100, 0.9), Box: boxAt(400, 100)}}
	require.NoError(t, tr.Update(q, 0.2))
	assert.InDelta(t, 400, q[1].Keypoints[0], 1e-6)
}

func TestTrackerErrors(t *testing.T) {
	optErr := []struct {
		name string
		edit func(*TrackerOptions)
	}{
		{"metric", func(o *TrackerOptions) { o.Metric = 9 }},
		{"similarity", func(o *TrackerOptions) { o.MinSimilarity = 1.5 }},
		{"max missed", func(o *TrackerOptions) { o.MaxMissed = -1 }},
		{"sigma", func(o *TrackerOptions) { o.Sigmas = []float32{0.1, 0} }},
		{"smooth", func(o *TrackerOptions) { o.Smooth = &OneEuroParams{} }},
	}
	for _, tt := range optErr {
		t.Run("options/"+tt.name, func(t *testing.T) {
			o := DefaultTrackerOptions()
			tt.edit(&o)
			_, err := NewTracker(o)
			assert.Error(t, err)
		})
	}
	tr, err := NewTracker(DefaultTrackerOptions())
	require.NoError(t, err)
	people := []Person{{Keypoints: pose(0, 0, 1), Box: boxAt(0, 0)}, {Keypoints: make([]float32, 5*3), Box: boxAt(0, 0)}}
	assert.ErrorContains(t, tr.Update(people, 0), "person 1: 5 keypoints, but 17 OKS sigmas")
	assert.Zero(t, people[0].TrackID, "nothing changes on error")
	assert.Zero(t, tr.Active())
	people[1].Keypoints = make([]float32, 4)
	assert.ErrorContains(t, tr.Update(people, 0), "not x, y, score triples")
}

// crowd returns n people on a grid, jittered by rng.
func crowd(n int, rng *rand.Rand, frame int) []Person {
	people := make([]Person, n)
	for i := range people {
		x := float32(i%8)*80 + float32(frame) + rng.Float32()*2
		y := float32(i/8)*170 + rng.Float32()*2
		people[i] = Person{Keypoints: pose(x, y, 0.9), Box: boxAt(x, y), Score: 1}
	}
	return people
}

func TestTrackerUpdateAllocs(t *testing.T) {
	o := DefaultTrackerOptions()
	smooth := DefaultOneEuro()
	o.Smooth = &smooth
	tr, err := NewTracker(o)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	frames := [][]Person{crowd(6, rng, 0), crowd(6, rng, 1)}
	require.NoError(t, tr.Update(frames[0], 0))
	i := 0
	allocs := testing.AllocsPerRun(50, func() {
		i++
		require.NoError(t, tr.Update(frames[i%2], float64(i)/30))
	})
	assert.Zero(t, allocs, "steady-state Update must not allocate")
	assert.Equal(t, 6, tr.Active())
}

func BenchmarkTrackerUpdate(b *testing.B) {
	for _, n := range []int{2, 10, 30} {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			o := DefaultTrackerOptions()
			smooth := DefaultOneEuro()
			o.Smooth = &smooth
			tr, err := NewTracker(o)
			require.NoError(b, err)
			rng := rand.New(rand.NewPCG(1, 2))
			frames := [][]Person{crowd(n, rng, 0), crowd(n, rng, 1)}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				if err := tr.Update(frames[i%2], float64(i)/30); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
