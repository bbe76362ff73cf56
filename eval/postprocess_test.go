package eval

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRescore(t *testing.T) {
	tests := []struct {
		name      string
		box       float64
		keypoints []float64
		thr       float64
		want      float64
	}{
		{name: "mean of scores above 0.2", box: 0.8, keypoints: []float64{0, 0, 0.9, 0, 0, 0.1, 0, 0, 0.5}, thr: 0.2, want: 0.8 * 0.7},
		{name: "threshold is strict", box: 1, keypoints: []float64{0, 0, 0.2, 0, 0, 0.6}, thr: 0.2, want: 0.6},
		{name: "none above: score 0", box: 0.9, keypoints: []float64{0, 0, 0.1, 0, 0, 0.2}, thr: 0.2, want: 0},
		{name: "all above", box: 0.5, keypoints: []float64{0, 0, 1, 0, 0, 0.5}, thr: 0.2, want: 0.375},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, Rescore(tt.box, tt.keypoints, tt.thr), 1e-15)
		})
	}
}

// One keypoint with σ = 0.5 gives (2σ)² = 1, so the NMS OKS of two persons
// at distance d with areas a1, a2 is exp(-d²/(2·(a1+a2)/2)).
func TestOKSNMS(t *testing.T) {
	sig := []float64{0.5}
	kp := func(x float64) []float64 { return []float64{x, 0, 1} }
	tests := []struct {
		name    string
		persons []Person
		thr     float64
		want    []int
	}{
		{name: "empty", persons: nil, thr: 0.9, want: nil},
		{
			name: "duplicate suppressed, far one kept",
			persons: []Person{
				{Keypoints: kp(0), Score: 0.9, Area: 2},
				{Keypoints: kp(0), Score: 0.8, Area: 2},  // OKS 1 > 0.9
				{Keypoints: kp(10), Score: 0.7, Area: 2}, // OKS exp(-50)
			},
			thr: 0.9, want: []int{0, 2},
		},
		{
			name: "visited by score, not index",
			persons: []Person{
				{Keypoints: kp(10), Score: 0.1, Area: 2},
				{Keypoints: kp(0), Score: 0.5, Area: 2},
				{Keypoints: kp(0), Score: 0.95, Area: 2},
			},
			thr: 0.9, want: []int{2, 0},
		},
		{
			// d² = 8, areas 2 and 6: the mean area 4 gives exp(-1) ≈ 0.37 > 0.3
			// (suppressed); the kept one's area alone would give exp(-2) ≈ 0.14.
			name: "area is the mean of both",
			persons: []Person{
				{Keypoints: kp(0), Score: 0.9, Area: 2},
				{Keypoints: kp(math.Sqrt(8)), Score: 0.8, Area: 6},
			},
			thr: 0.3, want: []int{0},
		},
		{
			name: "ties: higher index first (numpy argsort()[::-1])",
			persons: []Person{
				{Keypoints: kp(0), Score: 0.5, Area: 2},
				{Keypoints: kp(0), Score: 0.5, Area: 2},
				{Keypoints: kp(100), Score: 0.5, Area: 2},
			},
			thr: 0.9, want: []int{2, 1},
		},
		{
			name: "chain: suppression only by kept persons",
			// 0 suppresses 1 (d=1: OKS exp(-0.25)≈0.78 > 0.5); 2 is at d=2 from
			// 0 (exp(-1)≈0.37, kept) although close to the suppressed 1.
			persons: []Person{
				{Keypoints: kp(0), Score: 0.9, Area: 2},
				{Keypoints: kp(1), Score: 0.8, Area: 2},
				{Keypoints: kp(2), Score: 0.7, Area: 2},
			},
			thr: 0.5, want: []int{0, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, OKSNMS(tt.persons, tt.thr, sig))
		})
	}
}

func TestOKSNMSPanicsOnLength(t *testing.T) {
	assert.Panics(t, func() { OKSNMS([]Person{{Keypoints: []float64{1, 2}}}, 0.9, []float64{0.5}) })
}
