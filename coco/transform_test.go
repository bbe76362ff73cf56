package coco

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"
)

// openCVAffine builds SimpleBaseline's three point pairs in float32, as the
// original does, and asks OpenCV's getAffineTransform for the matrix.
func openCVAffine(t *testing.T, center, scale [2]float64, rot float64, outW, outH int, inv bool) Affine {
	t.Helper()
	srcW := scale[0] * 200
	sn, cs := math.Sincos(rot * math.Pi / 180)
	third := func(a, b gocv.Point2f) gocv.Point2f {
		return gocv.Point2f{X: b.X - (a.Y - b.Y), Y: b.Y + (a.X - b.X)}
	}
	s0 := gocv.Point2f{X: float32(center[0]), Y: float32(center[1])}
	s1 := gocv.Point2f{X: s0.X + float32(-(-srcW*0.5)*sn), Y: s0.Y + float32((-srcW*0.5)*cs)}
	d0 := gocv.Point2f{X: float32(outW) / 2, Y: float32(outH) / 2}
	d1 := gocv.Point2f{X: d0.X, Y: d0.Y - float32(outW)/2}
	src := []gocv.Point2f{s0, s1, third(s0, s1)}
	dst := []gocv.Point2f{d0, d1, third(d0, d1)}
	if inv {
		src, dst = dst, src
	}
	sv, dv := gocv.NewPoint2fVectorFromPoints(src), gocv.NewPoint2fVectorFromPoints(dst)
	defer sv.Close()
	defer dv.Close()
	m := gocv.GetAffineTransform2f(sv, dv)
	defer m.Close()
	require.Equal(t, gocv.MatTypeCV64F, m.Type())
	var a Affine
	for i := range a {
		a[i] = m.GetDoubleAt(i/3, i%3)
	}
	return a
}

func TestAffineTransformMatchesOpenCV(t *testing.T) {
	tests := []struct {
		name          string
		center, scale [2]float64
		rot           float64
		outW, outH    int
	}{
		{"input crop", [2]float64{320.5, 240.25}, [2]float64{1.2, 1.6}, 0, 192, 256},
		{"rotated", [2]float64{100, 80}, [2]float64{0.6, 0.8}, 37, 192, 256},
		{"negative rotation", [2]float64{10, 500}, [2]float64{2.4, 3.2}, -81, 192, 256},
		{"heatmap", [2]float64{210, 133}, [2]float64{0.9, 1.2}, 0, 48, 64},
	}
	for _, tc := range tests {
		for _, inv := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				got := AffineTransform(tc.center, tc.scale, tc.rot, tc.outW, tc.outH, inv)
				want := openCVAffine(t, tc.center, tc.scale, tc.rot, tc.outW, tc.outH, inv)
				for i := range got { // OpenCV's points are float32: compare relative to the entry's size
					assert.InDelta(t, want[i], got[i], 1e-5*max(1, math.Abs(want[i])), "entry %d (inv %v)", i, inv)
				}
			})
		}
	}
}

func TestAffineTransformByHand(t *testing.T) {
	// rot 0: a pure zoom s = outW/(scale·200) about the centre.
	c, sc := [2]float64{150, 90}, [2]float64{0.96, 1.28}
	s := 192 / (0.96 * 200)
	want := Affine{s, 0, 96 - s*150, 0, s, 128 - s*90}
	assert.InDeltaSlice(t, want[:], func() []float64 { m := AffineTransform(c, sc, 0, 192, 256, false); return m[:] }(), 1e-12)
	// rot 90: the box's up (0, −1) becomes the crop's left (−1, 0) after the
	// rotation, so a point above the centre lands left of the crop centre.
	m := AffineTransform(c, sc, 90, 192, 256, false)
	x, y := TransformPoint(m, 150, 90-10)
	assert.InDelta(t, 96-10*s, x, 1e-9)
	assert.InDelta(t, 128, y, 1e-9)
	// shift moves the source centre by shift·scale·200.
	ms := AffineTransformShift(c, sc, 0, [2]float64{0.1, -0.2}, 192, 256, false)
	x, y = TransformPoint(ms, 150+0.1*0.96*200, 90-0.2*1.28*200)
	assert.InDelta(t, 96, x, 1e-9)
	assert.InDelta(t, 128, y, 1e-9)
}

func TestBoxToCenterScale(t *testing.T) {
	tests := []struct {
		name          string
		box           [4]float64
		padding       float64
		center, scale [2]float64
	}{
		{"already 3:4", [4]float64{10, 20, 60, 80}, BoxPadding, [2]float64{40, 60}, [2]float64{0.375, 0.5}},
		{"wide box grows in height", [4]float64{0, 0, 100, 50}, BoxPadding, [2]float64{50, 25}, [2]float64{0.625, 100 / 0.75 / 200 * 1.25}},
		{"tall box grows in width", [4]float64{5, 5, 30, 200}, BoxPadding, [2]float64{20, 105}, [2]float64{150.0 / 200 * 1.25, 1.25}},
		{"tighter padding", [4]float64{10, 20, 60, 80}, 1.0625, [2]float64{40, 60}, [2]float64{0.3 * 1.0625, 0.4 * 1.0625}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s := BoxToCenterScale(tc.box, 192.0/256, tc.padding)
			assert.InDeltaSlice(t, tc.center[:], c[:], 1e-12)
			assert.InDeltaSlice(t, tc.scale[:], s[:], 1e-12)
		})
	}
}

func TestFlipJoints(t *testing.T) {
	pairs := [][2]int{{1, 2}}
	joints := [][3]float32{{10, 20, 2}, {30, 40, 1}, {50, 60, 2}, {7, 8, 0}}
	FlipJoints(joints, 100, pairs)
	want := [][3]float32{{89, 20, 2}, {49, 60, 2}, {69, 40, 1}, {0, 0, 0}}
	for i := range want {
		assert.InDeltaSlice(t, want[i][:], joints[i][:], 0, "joint %d", i)
	}
}

// TestCropRoundTrip maps image points into the crop (with rotation and
// flip, the way the loader does) and back with the inverse transform.
func TestCropRoundTrip(t *testing.T) {
	const width = 640
	tests := []struct {
		name string
		view View
	}{
		{"plain", View{Center: [2]float64{300, 200}, Scale: [2]float64{1.2, 1.6}, Width: width}},
		{"rotated", View{Center: [2]float64{300, 200}, Scale: [2]float64{1.2, 1.6}, Rot: 63.5, Width: width}},
		{"flipped", View{Center: [2]float64{width - 300 - 1, 200}, Scale: [2]float64{0.8, 1.0667}, Flip: true, Width: width}},
		{"rotated and flipped", View{Center: [2]float64{120, 410}, Scale: [2]float64{2, 2.6667}, Rot: -77, Flip: true, Width: width}},
	}
	pts := [][2]float64{{300, 200}, {250.25, 180.5}, {12, 399}, {620.75, 3.5}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fwd := tc.view.Transform(192, 256)
			back := AffineTransform(tc.view.Center, tc.view.Scale, tc.view.Rot, 192, 256, true)
			for _, p := range pts {
				u, v := TransformPoint(fwd, p[0], p[1])
				x, y := TransformPoint(back, u, v)
				if tc.view.Flip { // back lands in the flipped image
					x = float64(width) - 1 - x
				}
				assert.InDelta(t, p[0], x, 1e-3)
				assert.InDelta(t, p[1], y, 1e-3)
				// Invert agrees with get_affine_transform(inv=1).
				x2, y2 := TransformPoint(fwd.Invert(), u, v)
				assert.InDelta(t, p[0], x2, 1e-6)
				assert.InDelta(t, p[1], y2, 1e-6)
			}
			// A flipped view maps the mirrored joint (SimpleBaseline flips
			// joints, then applies trans) to the same crop point.
			if tc.view.Flip {
				trans := AffineTransform(tc.view.Center, tc.view.Scale, tc.view.Rot, 192, 256, false)
				u1, v1 := TransformPoint(fwd, 100, 50)
				u2, v2 := TransformPoint(trans, float64(width)-100-1, 50)
				assert.InDelta(t, u1, u2, 1e-9)
				assert.InDelta(t, v1, v2, 1e-9)
			}
		})
	}
	// Heatmap coordinates map back through the heatmap-sized inverse.
	c, s := [2]float64{300, 200}, [2]float64{1.2, 1.6}
	hm := AffineTransform(c, s, 0, 48, 64, false)
	u, v := TransformPoint(hm, 250, 180)
	x, y := TransformPoint(AffineTransform(c, s, 0, 48, 64, true), u, v)
	assert.InDelta(t, 250, x, 1e-3)
	assert.InDelta(t, 180, y, 1e-3)
}
