package pose

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func TestFlipHorizontal(t *testing.T) {
	x := nn.FromData([]float32{1, 2, 3, 4, 5, 6}, 1, 1, 2, 3)
	dst := nn.New(1, 1, 2, 3)
	FlipHorizontal(dst, x)
	assert.Equal(t, []float32{3, 2, 1, 6, 5, 4}, dst.Data)
}

func TestFlipBack(t *testing.T) {
	// K=3 heatmaps of 1×4 with keypoints 1 and 2 a left/right pair.
	hm := nn.FromData([]float32{
		1, 2, 3, 4, // k0 (no partner)
		10, 20, 30, 40, // k1 (left)
		50, 60, 70, 80, // k2 (right)
	}, 1, 3, 1, 4)
	tests := []struct {
		name  string
		shift bool
		want  []float32
	}{
		// Mirror: k0 → 4 3 2 1; k1 gets mirrored k2, k2 gets mirrored k1.
		{"no shift", false, []float32{4, 3, 2, 1, 80, 70, 60, 50, 40, 30, 20, 10}},
		// Shift right by one; column 0 keeps the mirrored column 0.
		{"shift", true, []float32{4, 4, 3, 2, 80, 80, 70, 60, 40, 40, 30, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := nn.New(1, 3, 1, 4)
			FlipBack(dst, hm, [][2]int{{1, 2}}, tt.shift)
			assert.Equal(t, tt.want, dst.Data)
		})
	}
}

func TestFlipBackIsInverseOfMirroredNetwork(t *testing.T) {
	// Without the shift, flipping an input twice is the identity, and
	// FlipBack of a mirrored per-pixel "network" recovers the original.
	rng := nntest.Rand(3)
	hm := nntest.RandTensor(rng, 2, 4, 3, 5)
	mirrored := nn.New(2, 4, 3, 5)
	FlipHorizontal(mirrored, hm)
	// Swap the pair channels as a mirrored person would.
	pairs := [][2]int{{0, 3}}
	for n := range 2 {
		a := mirrored.Data[(n*4+0)*15 : (n*4+1)*15]
		b := mirrored.Data[(n*4+3)*15 : (n*4+4)*15]
		for i := range a {
			a[i], b[i] = b[i], a[i]
		}
	}
	back := nn.New(2, 4, 3, 5)
	FlipBack(back, mirrored, pairs, false)
	assert.InDeltaSlice(t, hm.Data, back.Data, 0)
}

func TestFlipBackBadPairPanics(t *testing.T) {
	hm := nn.New(1, 2, 2, 2)
	require.Panics(t, func() { FlipBack(nn.New(1, 2, 2, 2), hm, [][2]int{{1, 2}}, true) })
}
