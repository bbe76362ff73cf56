package pose

import (
	"math"
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
		shift float64
		want  []float32
	}{
		// Mirror: k0 → 4 3 2 1; k1 gets mirrored k2, k2 gets mirrored k1.
		{"no shift", 0, []float32{4, 3, 2, 1, 80, 70, 60, 50, 40, 30, 20, 10}},
		// Shift right by one (SimpleBaseline); column 0 repeats the mirrored column 0.
		{"shift 1", 1, []float32{4, 4, 3, 2, 80, 80, 70, 60, 40, 40, 30, 20}},
		// ¾ of a cell: ¼ of each mirrored column plus ¾ of its left neighbour.
		{"shift 0.75", 0.75, []float32{4, 3.75, 2.75, 1.75, 80, 77.5, 67.5, 57.5, 40, 37.5, 27.5, 17.5}},
		// Left by ½: the edge repeats on the right.
		{"shift -0.5", -0.5, []float32{3.5, 2.5, 1.5, 1, 75, 65, 55, 50, 35, 25, 15, 10}},
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
	FlipBack(back, mirrored, pairs, 0)
	assert.InDeltaSlice(t, hm.Data, back.Data, 0)
}

func TestFlipBackBadPairPanics(t *testing.T) {
	hm := nn.New(1, 2, 2, 2)
	require.Panics(t, func() { FlipBack(nn.New(1, 2, 2, 2), hm, [][2]int{{1, 2}}, 1) })
}

// TestAlignedFlipShift renders the heatmap a perfect network would give for a
// joint at input column x and for the same joint in the mirrored input, flips
// the second back with AlignedFlipShift and checks that the peaks agree:
// SimpleBaseline's whole-cell shift misses by 1/stride of a cell.
func TestAlignedFlipShift(t *testing.T) {
	const inputW, heatmapW = 96, 24
	stride := float64(inputW) / heatmapW
	peak := func(hm []float32) float64 { // centroid of the 1×W row
		var s, sw float64
		for i, v := range hm {
			s += float64(v)
			sw += float64(i) * float64(v)
		}
		return sw / s
	}
	render := func(cx float64) *nn.Tensor {
		hm := nn.New(1, 1, 1, heatmapW)
		for i := range hm.Data {
			d := float64(i) - cx
			hm.Data[i] = float32(math.Exp(-d * d / 8))
		}
		return hm
	}
	for _, x := range []float64{30, 41.3, 57.8} {
		plain := render(x / stride)
		mirrored := render((inputW - 1 - x) / stride)
		back := nn.New(1, 1, 1, heatmapW)
		FlipBack(back, mirrored, nil, AlignedFlipShift(inputW, heatmapW))
		assert.InDelta(t, peak(plain.Data), peak(back.Data), 0.02, "aligned, x=%v", x)
		FlipBack(back, mirrored, nil, 1)
		assert.InDelta(t, peak(plain.Data)+1/stride, peak(back.Data), 0.02, "SimpleBaseline's shift, x=%v", x)
	}
}
