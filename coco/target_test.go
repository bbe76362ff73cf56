package coco

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGenerateTarget checks heatmap cells against SimpleBaseline's formulas
// worked out by hand for a 192×256 input and 48×64 heatmap (stride 4, σ 2,
// window half-size 6).
func TestGenerateTarget(t *testing.T) {
	g := DefaultGeometry()
	e := func(d2 float64) float32 { return float32(math.Exp(-d2 / 8)) }
	type cell struct {
		x, y int
		want float32
	}
	tests := []struct {
		name   string
		joint  [3]float32
		weight float32
		cells  []cell
		sum    float64 // sum of the heatmap, to catch stray writes (negative: skip)
	}{
		{name: "interior", joint: [3]float32{100, 120, 2}, weight: 1,
			// μ = (int(25.5), int(30.5)) = (25, 30)
			cells: []cell{{25, 30, 1}, {26, 30, e(1)}, {27, 31, e(5)}, {31, 30, e(36)}, {32, 30, 0}, {25, 24, e(36)}, {25, 23, 0}, {19, 36, e(72)}},
			sum:   -1},
		{name: "hidden joints count", joint: [3]float32{100, 120, 1}, weight: 1, cells: []cell{{25, 30, 1}}, sum: -1},
		{name: "unlabelled", joint: [3]float32{100, 120, 0}, weight: 0, sum: 0},
		{name: "rounding half up", joint: [3]float32{101.9, 122, 2}, weight: 1,
			// x/4 + 0.5 = 25.975 → 25; y: 31.0 → 31
			cells: []cell{{25, 31, 1}, {26, 31, e(1)}}, sum: -1},
		{name: "truncation toward zero", joint: [3]float32{-3, 10, 2}, weight: 1,
			// −0.75 + 0.5 = −0.25 → int → 0 (floor would give −1); y 3.0 → 3
			cells: []cell{{0, 3, 1}, {6, 3, e(36)}, {7, 3, 0}}, sum: -1},
		{name: "window partly left", joint: [3]float32{-26, 40, 2}, weight: 1,
			// −6.5 + 0.5 = −6.0 → μx = −6, window [−12, 1): only column 0, dx = 6
			cells: []cell{{0, 10, e(36)}, {0, 11, e(37)}, {1, 10, 0}}, sum: -1},
		{name: "window ends exactly at 0 keeps weight (quirk)", joint: [3]float32{-30, 40, 2}, weight: 1, sum: 0},
		{name: "window fully left", joint: [3]float32{-34.5, 40, 2}, weight: 0, sum: 0},
		{name: "window starts at the right edge", joint: [3]float32{214, 40, 2}, weight: 0, sum: 0},
		{name: "last column", joint: [3]float32{213, 40, 2}, weight: 1,
			// μx = int(53.75) = 53, window [47, 60): column 47, dx = −6
			cells: []cell{{47, 10, e(36)}, {46, 10, 0}}, sum: -1},
		{name: "below", joint: [3]float32{100, 282, 2}, weight: 0, sum: 0},
	}
	hw := g.HeatmapW * g.HeatmapH
	dst := make([]float32, 2*hw)
	w := make([]float32, 2)
	for i := range dst {
		dst[i] = 7 // stale values must be cleared
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The joint under test goes second, after a fixed one, so channel
			// offsets are exercised too.
			GenerateTarget(dst, w, [][3]float32{{0, 0, 0}, tc.joint}, g)
			assert.InDelta(t, 0, w[0], 0)
			assert.InDelta(t, tc.weight, w[1], 0)
			hm := dst[hw:]
			for _, c := range tc.cells {
				assert.InDelta(t, c.want, hm[c.y*g.HeatmapW+c.x], 1e-6, "cell (%d, %d)", c.x, c.y)
			}
			var s float64
			for _, v := range hm {
				s += float64(v)
			}
			if tc.sum >= 0 {
				assert.InDelta(t, tc.sum, s, 1e-9)
			}
			for _, v := range dst[:hw] {
				require.Zero(t, v)
			}
		})
	}
}

// TestGenerateTargetUnbiased: the Gaussian sits on the exact position
// x/stride (101.9/4 = 25.475, 122/4 = 30.5), in the window of the rounded one.
func TestGenerateTargetUnbiased(t *testing.T) {
	g := DefaultGeometry()
	g.Unbiased = true
	e := func(dx, dy float64) float32 { return float32(math.Exp(-(dx*dx + dy*dy) / 8)) }
	hm := make([]float32, g.HeatmapW*g.HeatmapH)
	w := make([]float32, 1)
	GenerateTarget(hm, w, [][3]float32{{101.9, 122, 2}}, g)
	assert.InDelta(t, 1, w[0], 0)
	for _, c := range []struct{ x, y int }{{25, 30}, {25, 31}, {26, 30}, {19, 25}, {31, 37}} {
		assert.InDelta(t, e(float64(c.x)-25.475, float64(c.y)-30.5), hm[c.y*g.HeatmapW+c.x], 1e-6, "cell (%d, %d)", c.x, c.y)
	}
	// The window is the nearest cell's (μ = (25, 31)): rows 25..37, columns 19..31.
	assert.Zero(t, hm[24*g.HeatmapW+25])
	assert.NotZero(t, hm[37*g.HeatmapW+25])
	assert.Zero(t, hm[30*g.HeatmapW+32])
	// Rows 30 and 31 are equally far from y = 30.5.
	assert.InDelta(t, hm[30*g.HeatmapW+25], hm[31*g.HeatmapW+25], 1e-7)
}

func TestGenerateTargetFullWindowSum(t *testing.T) {
	// An interior window holds the 13×13 Gaussian: its sum is (Σ_{d=−6..6} e^{−d²/8})².
	g := DefaultGeometry()
	dst := make([]float32, g.HeatmapW*g.HeatmapH)
	w := make([]float32, 1)
	GenerateTarget(dst, w, [][3]float32{{96, 128, 2}}, g)
	var row float64
	for d := -6; d <= 6; d++ {
		row += math.Exp(-float64(d*d) / 8)
	}
	var s float64
	for _, v := range dst {
		s += float64(v)
	}
	assert.InDelta(t, row*row, s, 1e-4)
}

func TestGenerateTargetAllocs(t *testing.T) {
	g := DefaultGeometry()
	joints := make([][3]float32, 17)
	for i := range joints {
		joints[i] = [3]float32{float32(10 * i), float32(12 * i), 2}
	}
	dst := make([]float32, 17*g.HeatmapW*g.HeatmapH)
	w := make([]float32, 17)
	assert.Zero(t, testing.AllocsPerRun(20, func() { GenerateTarget(dst, w, joints, g) }))
}
