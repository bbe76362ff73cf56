package pose

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeQuarterShift(t *testing.T) {
	// One 4×5 heatmap per case (H=4, W=5), values written out by hand.
	tests := []struct {
		name string
		hm   []float32
		want Keypoint
	}{
		{"interior, right and down larger", []float32{
			0, 0, 0, 0, 0,
			0, 0.2, 0.9, 0.5, 0,
			0, 0, 0.3, 0, 0,
			0, 0, 0, 0, 0,
		}, Keypoint{X: 2.25, Y: 1.25, Score: 0.9}},
		{"interior, left and up larger", []float32{
			0, 0, 0.4, 0, 0,
			0, 0.6, 0.8, 0.1, 0,
			0, 0, 0.2, 0, 0,
			0, 0, 0, 0, 0,
		}, Keypoint{X: 1.75, Y: 0.75, Score: 0.8}},
		{"tie on x: no shift", []float32{
			0, 0, 0, 0, 0,
			0, 0, 0, 0, 0,
			0, 0.3, 0.7, 0.3, 0.1,
			0, 0, 0.5, 0, 0,
		}, Keypoint{X: 2, Y: 2.25, Score: 0.7}},
		{"left border: x stays, y shifts", []float32{
			0, 0, 0, 0, 0,
			0.9, 0.5, 0, 0, 0,
			0.4, 0, 0, 0, 0,
			0, 0, 0, 0, 0,
		}, Keypoint{X: 0, Y: 1.25, Score: 0.9}},
		{"corner: no shift", []float32{
			0, 0, 0, 0, 0,
			0, 0, 0, 0, 0,
			0, 0, 0, 0, 0.5,
			0, 0, 0, 0.4, 1,
		}, Keypoint{X: 4, Y: 3, Score: 1}},
		{"first maximum wins", []float32{
			0, 0, 0, 0, 0,
			0, 0.5, 0, 0.5, 0,
			0, 0, 0, 0, 0,
			0, 0, 0, 0, 0,
		}, Keypoint{X: 1, Y: 1, Score: 0.5}},
		{"no positive peak: masked to origin", []float32{
			-1, -1, -1, -1, -1,
			-1, -0.5, -0.2, -1, -1,
			-1, -1, -1, -1, -1,
			-1, -1, -1, -1, -1,
		}, Keypoint{X: 0, Y: 0, Score: -0.2}},
	}
	var d Decoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]Keypoint, 1)
			d.Decode(got, tt.hm, 1, 4, 5)
			assert.InDelta(t, tt.want.X, got[0].X, 1e-6)
			assert.InDelta(t, tt.want.Y, got[0].Y, 1e-6)
			assert.InDelta(t, tt.want.Score, got[0].Score, 1e-6)
		})
	}
}

func TestDecodeSeveralKeypoints(t *testing.T) {
	// K=2 on 3×3: the second heatmap must be read from its own plane.
	hm := []float32{
		0, 0, 0, 0, 1, 0, 0, 0, 0, // peak at (1,1), equal neighbours
		0, 0, 0, 0, 0, 0, 0.3, 0, 0, // peak at (0,2): border
	}
	got := make([]Keypoint, 2)
	var d Decoder
	d.Decode(got, hm, 2, 3, 3)
	assert.Equal(t, []Keypoint{{1, 1, 1}, {0, 2, 0.3}}, got)
}

// gaussian returns an h×w heatmap exp(−((x−cx)²+(y−cy)²)/(2σ²)).
func gaussian(h, w int, cx, cy, sigma float64) []float32 {
	out := make([]float32, h*w)
	for y := range h {
		for x := range w {
			dx, dy := float64(x)-cx, float64(y)-cy
			out[y*w+x] = float32(math.Exp(-(dx*dx + dy*dy) / (2 * sigma * sigma)))
		}
	}
	return out
}

func TestDecodeDARK(t *testing.T) {
	// A Gaussian stays a Gaussian with the same centre after Gaussian
	// smoothing, so DARK's Newton step on its log recovers the sub-pixel
	// centre; the quarter-pixel rule is off by up to 0.25.
	tests := []struct {
		name   string
		cx, cy float64
	}{
		{"off-centre", 20.3, 30.6},
		{"negative offsets", 10.8, 12.15},
		{"on the grid", 24, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hm := gaussian(64, 48, tt.cx, tt.cy, 2)
			got := make([]Keypoint, 1)
			d := Decoder{DARK: true}
			d.Decode(got, hm, 1, 64, 48)
			assert.InDelta(t, tt.cx, got[0].X, 0.02)
			assert.InDelta(t, tt.cy, got[0].Y, 0.02)
			var plain Decoder
			plain.Decode(got, hm, 1, 64, 48)
			assert.InDelta(t, tt.cx, got[0].X, 0.26) // coarser, as expected
		})
	}
}

func TestDecodeDARKNearBorderFallsBack(t *testing.T) {
	hm := gaussian(16, 16, 1.2, 8.4, 2) // x peak at 1: too near the border for DARK
	got := make([]Keypoint, 1)
	d := Decoder{DARK: true}
	d.Decode(got, hm, 1, 16, 16)
	assert.InDelta(t, 1.25, got[0].X, 1e-6) // quarter-pixel rule
	assert.InDelta(t, 8.4, got[0].Y, 0.3)
}

func TestToImage(t *testing.T) {
	// inv maps crop coordinates to the image: scale 2 and shift (10, 20),
	// then a 90° rotation to check the matrix layout.
	tests := []struct {
		name string
		inv  Affine
		want [2]float32
	}{
		{"scale and shift", Affine{2, 0, 10, 0, 2, 20}, [2]float32{2*4*3 + 10, 2*4*5 + 20}},
		{"rotation", Affine{0, -1, 0, 1, 0, 0}, [2]float32{-4 * 5, 4 * 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kps := []Keypoint{{X: 3, Y: 5, Score: 0.7}}
			ToImage(kps, tt.inv, 4)
			assert.InDelta(t, tt.want[0], kps[0].X, 1e-5)
			assert.InDelta(t, tt.want[1], kps[0].Y, 1e-5)
			assert.InDelta(t, 0.7, kps[0].Score, 1e-7)
		})
	}
}

func TestDecodeShapePanics(t *testing.T) {
	var d Decoder
	require.Panics(t, func() { d.Decode(make([]Keypoint, 2), make([]float32, 9), 2, 3, 3) })
}
