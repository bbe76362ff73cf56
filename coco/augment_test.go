package coco

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func personSample() Sample {
	kp := COCOKeypoints()
	joints := make([][3]float32, kp.K())
	for i := range joints {
		joints[i] = [3]float32{float32(100 + 3*i), float32(50 + 10*i), 2}
	}
	c, s := BoxToCenterScale([4]float64{90, 40, 60, 180}, 0.75, BoxPadding)
	return Sample{Center: c, Scale: s, Joints: joints}
}

func TestAugmentDistribution(t *testing.T) {
	kp := COCOKeypoints()
	aug := DefaultAugmentation()
	s := personSample()
	const n = 4000
	var rotated, flipped, halfBody int
	joints := make([][3]float32, kp.K())
	for i := range n {
		v := Augment(SampleRand(9, 0, i), s, 640, kp, aug, 0.75, joints)
		m := v.Scale[0] / s.Scale[0]
		if math.Abs(v.Scale[1]/v.Scale[0]-s.Scale[1]/s.Scale[0]) > 1e-9 || math.Abs(v.Center[1]-s.Center[1]) > 1e-9 {
			halfBody++ // the half-body box has another centre (here: always another y)
		} else {
			assert.GreaterOrEqual(t, m, 0.65-1e-12)
			assert.LessOrEqual(t, m, 1.35+1e-12)
		}
		assert.LessOrEqual(t, math.Abs(v.Rot), 90.0)
		if v.Rot != 0 {
			rotated++
		}
		if v.Flip {
			flipped++
			// Flipped: the left shoulder slot now holds the mirrored right shoulder.
			assert.InDelta(t, 640-s.Joints[6][0]-1, joints[5][0], 1e-4)
			assert.InDelta(t, s.Joints[6][1], joints[5][1], 1e-4)
		} else {
			assert.InDelta(t, s.Joints[5][0], joints[5][0], 0)
		}
	}
	// Binomial tolerances of about 4σ.
	assert.InDelta(t, 0.6, float64(rotated)/n, 0.035)
	assert.InDelta(t, 0.5, float64(flipped)/n, 0.035)
	assert.InDelta(t, 0.3, float64(halfBody)/n, 0.035)
}

func TestAugmentDeterministic(t *testing.T) {
	kp := COCOKeypoints()
	s := personSample()
	j1, j2 := make([][3]float32, 17), make([][3]float32, 17)
	a := Augment(SampleRand(1, 2, 3), s, 640, kp, DefaultAugmentation(), 0.75, j1)
	b := Augment(SampleRand(1, 2, 3), s, 640, kp, DefaultAugmentation(), 0.75, j2)
	assert.Equal(t, a, b)
	assert.Equal(t, j1, j2)
	differs := 0
	for i := range 20 {
		c := Augment(SampleRand(1, 2, 4+i), s, 640, kp, DefaultAugmentation(), 0.75, j2)
		if c != a {
			differs++
		}
	}
	assert.Equal(t, 20, differs, "other indices draw other views")
}

func TestHalfBodyByHand(t *testing.T) {
	kp := COCOKeypoints()
	// Only four upper-body joints labelled (lower has ≤ 2): the upper set is
	// taken whatever the coin says.
	joints := make([][3]float32, 17)
	joints[5] = [3]float32{100, 100, 2}
	joints[6] = [3]float32{140, 100, 2}
	joints[7] = [3]float32{90, 160, 1}
	joints[9] = [3]float32{94, 200, 2}
	joints[11] = [3]float32{110, 210, 2} // one lower joint
	for seed := range uint64(5) {
		c, s, ok := halfBody(SampleRand(seed, 0, 0), joints, kp.Upper, 0.75)
		require.True(t, ok)
		// centre = mean of the 4; box 50 × 100 → width 75 for 3:4; ×1.5/200.
		assert.InDeltaSlice(t, []float64{106, 140}, c[:], 1e-9)
		assert.InDeltaSlice(t, []float64{75 * 1.5 / 200, 100 * 1.5 / 200}, s[:], 1e-9)
	}
	// Fewer than two joints in the chosen half: no half-body box.
	one := make([][3]float32, 17)
	one[0] = [3]float32{5, 5, 2}
	_, _, ok := halfBody(SampleRand(1, 0, 0), one, kp.Upper, 0.75)
	assert.False(t, ok)
}

func TestDrawOccluder(t *testing.T) {
	const w, h, n = 48, 64, 4000
	aug := DefaultAugmentation()
	// Off (the recipe's default): no occluder, and nothing drawn from the
	// RNG, so the samples' other draws stay what they were.
	rng, fresh := SampleRand(3, 0, 1), SampleRand(3, 0, 1)
	_, ok := drawOccluder(rng, aug, w, h)
	assert.False(t, ok)
	assert.Equal(t, fresh.Uint64(), rng.Uint64(), "the RNG moved")

	aug.OcclusionProb = 0.5
	got := 0
	var colours [3]map[uint8]bool
	for c := range colours {
		colours[c] = map[uint8]bool{}
	}
	for i := range n {
		o, ok := drawOccluder(SampleRand(3, 0, i), aug, w, h)
		if !ok {
			continue
		}
		got++
		ow, oh := o.X1-o.X0, o.Y1-o.Y0
		require.True(t, o.X0 >= 0 && o.Y0 >= 0 && o.X1 <= w && o.Y1 <= h, "%+v outside %dx%d", o, w, h)
		assert.True(t, ow >= 10 && ow <= 19 && oh >= 13 && oh <= 26, "%+v: sides %dx%d, want 0.2-0.4 of %dx%d", o, ow, oh, w, h)
		for c, v := range o.RGB {
			colours[c][v] = true
		}
	}
	assert.InDelta(t, 0.5, float64(got)/n, 0.035) // about 4σ
	for c := range colours {
		assert.Greater(t, len(colours[c]), 200, "channel %d takes few values", c)
	}
}

func TestOccluderPaint(t *testing.T) {
	const w, h = 5, 4
	dst := make([]float32, 3*w*h)
	for i := range dst {
		dst[i] = -9
	}
	o := occluder{X0: 1, Y0: 2, X1: 3, Y1: 4, RGB: [3]uint8{255, 0, 128}}
	o.paint(dst, w, h)
	want := [3]float32{(1 - meanR) / stdR, (0 - meanG) / stdG, (128.0/255 - meanB) / stdB}
	for c := range 3 {
		for y := range h {
			for x := range w {
				v := dst[c*w*h+y*w+x]
				if x >= 1 && x < 3 && y >= 2 {
					assert.InDelta(t, want[c], v, 1e-6, "channel %d (%d,%d)", c, x, y)
				} else {
					assert.Equal(t, float32(-9), v, "channel %d (%d,%d) outside", c, x, y)
				}
			}
		}
	}
}
