package eval

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With σ = 0.5, (2σ)² = 1, so OKS terms are exp(-d²/(2·area)): easy to
// compute by hand.
var halfSigma = []float64{0.5, 0.5}

func TestOKS(t *testing.T) {
	tests := []struct {
		name string
		dt   []float64
		gt   Annotation
		want float64
	}{
		{
			name: "identical keypoints",
			dt:   []float64{3, 4, 0.9, 7, 8, 0.1},
			gt:   Annotation{Keypoints: []float64{3, 4, 2, 7, 8, 1}, Area: 50},
			want: 1,
		},
		{
			name: "one labelled at distance 2, area 2: exp(-4/(2·2))",
			dt:   []float64{2, 0, 1, 100, 100, 1},
			gt:   Annotation{Keypoints: []float64{0, 0, 2, 0, 0, 0}, Area: 2},
			want: math.Exp(-1),
		},
		{
			name: "two labelled: mean of exp(-1) and 1",
			dt:   []float64{0, 2, 1, 5, 5, 1},
			gt:   Annotation{Keypoints: []float64{0, 0, 1, 5, 5, 2}, Area: 2},
			want: (math.Exp(-1) + 1) / 2,
		},
		{
			name: "no labelled keypoint: distance to the box grown by its size",
			// bbox (10,10,10,10) grows to x,y in [0,30]; (35,15) is 5 right
			// of it, (15,15) inside: mean(exp(-25/(2·12.5)), 1).
			dt:   []float64{35, 15, 1, 15, 15, 1},
			gt:   Annotation{Keypoints: []float64{0, 0, 0, 0, 0, 0}, Area: 12.5, Bbox: [4]float64{10, 10, 10, 10}},
			want: (math.Exp(-1) + 1) / 2,
		},
		{
			name: "no labelled keypoint: below-left corner counts both axes",
			// (-3,-4) is 3 left and 4 above the grown box: d² = 25.
			dt:   []float64{-3, -4, 1, 0, 0, 1},
			gt:   Annotation{Keypoints: make([]float64, 6), Area: 12.5, Bbox: [4]float64{10, 10, 10, 10}},
			want: (math.Exp(-1) + 1) / 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, OKS(tt.dt, &tt.gt, halfSigma), 1e-15)
		})
	}
}

func TestOKSPanicsOnLengthMismatch(t *testing.T) {
	g := Annotation{Keypoints: make([]float64, 6), Area: 1}
	assert.PanicsWithValue(t, errShape+": dt 3, gt 6, sigmas 2", func() { OKS(make([]float64, 3), &g, halfSigma) })
}

func TestOKSAllocs(t *testing.T) {
	vars := oksVars(COCOSigmas())
	e := make([]float64, len(vars))
	g := Annotation{Keypoints: make([]float64, 51), Area: 1000}
	dt := make([]float64, 51)
	for i := range dt {
		dt[i] = float64(i)
		if i%3 == 2 {
			g.Keypoints[i] = 2
		}
	}
	allocs := testing.AllocsPerRun(100, func() { oks(e, dt, &g, vars) })
	assert.Zero(t, allocs)
}

func TestLinspace(t *testing.T) {
	tests := []struct {
		name              string
		start, stop       float64
		num               int
		want              []float64
		wantLastIsStop    bool
		wantExactAt75Here int // index whose value must be exactly 0.75, or -1
	}{
		{name: "quarters", start: 0, stop: 1, num: 5, want: []float64{0, .25, .5, .75, 1}, wantExactAt75Here: 3},
		{name: "one", start: 3, stop: 9, num: 1, want: []float64{3}, wantExactAt75Here: -1},
		{name: "none", start: 0, stop: 1, num: 0, want: nil, wantExactAt75Here: -1},
		{name: "zero step", start: 2, stop: 2, num: 3, want: []float64{2, 2, 2}, wantExactAt75Here: -1},
		// numpy: linspace(.5, .95, 10)[5] == 0.75 exactly, [9] == 0.95.
		{name: "oks thresholds", start: .5, stop: .95, num: 10, wantExactAt75Here: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Linspace(tt.start, tt.stop, tt.num)
			require.Len(t, got, tt.num)
			if tt.want != nil {
				assert.InDeltaSlice(t, tt.want, got, 0)
			}
			if tt.wantExactAt75Here >= 0 {
				assert.InDelta(t, 0.75, got[tt.wantExactAt75Here], 0, "exactly, as numpy")
			}
			if tt.num > 1 {
				assert.InDelta(t, tt.stop, got[tt.num-1], 0, "numpy sets the end point exactly")
			}
		})
	}
	// Values numpy prints for these two linspaces that differ from the
	// nearest decimal: i·step + start rounding, not i/100.
	assert.InDelta(t, 0.8999999999999999, Linspace(.5, .95, 10)[8], 0)
	rec := Linspace(0, 1, 101)
	assert.InDelta(t, 0.35000000000000003, rec[35], 0)
	assert.InDelta(t, 0.7000000000000001, rec[70], 0)
	assert.InDelta(t, 0.9500000000000001, rec[95], 0)
}

func TestPairwiseSum(t *testing.T) {
	big := 1e16 // ulp 2: big+1 rounds back to big
	nine := []float64{big, 1, 1, 1, 1, 1, 1, 1, -big}
	tests := []struct {
		name string
		a    []float64
		want float64
	}{
		{name: "empty", a: nil, want: 0},
		{name: "in order below 8", a: []float64{big, 1, 1, -big}, want: 0},
		// Eight partial sums: ((big+1)+(1+1)) + ((1+1)+(1+1)) = big+6, then -big.
		{name: "eight accumulators", a: nine, want: 6},
		{name: "long", a: make([]float64, 1000), want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, pairwiseSum(tt.a), 0)
		})
	}
	ones := make([]float64, 1001)
	for i := range ones {
		ones[i] = 1
	}
	assert.InDelta(t, 1001, pairwiseSum(ones), 0)
}

func TestCOCOSigmas(t *testing.T) {
	s := COCOSigmas()
	require.Len(t, s, 17)
	assert.InDelta(t, 0.026000000000000002, s[0], 0, "numpy's .26/10.0, not the constant 0.026")
	assert.InDelta(t, 0.10700000000000001, s[11], 0, "1.07/10.0 as numpy computes it")
	s[0] = 9
	assert.NotEqual(t, 9.0, COCOSigmas()[0], "a fresh copy each call")
}
