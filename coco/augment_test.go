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
