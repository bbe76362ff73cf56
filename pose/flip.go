package pose

import (
	"fmt"
	"math"

	"github.com/dypose/dypose/nn"
)

// FlipHorizontal writes x (N,C,H,W) mirrored left-right into dst (same
// shape): dst[n,c,h,w] = x[n,c,h,W−1−w].
func FlipHorizontal(dst, x *nn.Tensor) {
	if !dst.SameShape(x) {
		panic(fmt.Sprintf("%s: flip %v into %v", errShape, x.Shape, dst.Shape))
	}
	_, _, _, w := x.Dims4()
	for r := 0; r < len(x.Data); r += w {
		src, out := x.Data[r:r+w], dst.Data[r:r+w]
		for i, v := range src {
			out[w-1-i] = v
		}
	}
}

// FlipBack turns heatmaps hm (N,K,H,W) of a mirrored input into heatmaps of
// the original, written to dst (same shape): mirror each heatmap
// left-right, swap the channels of each left/right pair, and move
// everything shift cells right, interpolating linearly between columns for
// a fractional shift and repeating the edge column where the shift runs
// past it:
//
//	dst[n,k,h,w] = m[w−shift],  m[x] = hm[n,perm(k),h,W−1−x]
//
// where perm swaps the members of each pair in pairs. Shift 1 is
// SimpleBaseline's shift_heatmap; AlignedFlipShift gives the shift that
// puts the mirrored pass's peaks exactly on the plain pass's.
func FlipBack(dst, hm *nn.Tensor, pairs [][2]int, shift float64) {
	if !dst.SameShape(hm) {
		panic(fmt.Sprintf("%s: flip back %v into %v", errShape, hm.Shape, dst.Shape))
	}
	n, k, h, w := hm.Dims4()
	for _, p := range pairs {
		if p[0] < 0 || p[0] >= k || p[1] < 0 || p[1] >= k {
			panic(fmt.Sprintf("%s: flip pair %v for %d keypoints", errShape, p, k))
		}
	}
	whole := math.Floor(shift)
	frac := float32(shift - whole)
	i := int(whole)
	// mirrored column x of a source row, the edge repeated outside [0, w).
	col := func(row []float32, x int) float32 { return row[w-1-min(max(x, 0), w-1)] }
	plane := h * w
	for s := range n {
		for j := range k {
			pj := partner(j, pairs)
			src := hm.Data[(s*k+pj)*plane : (s*k+pj+1)*plane]
			out := dst.Data[(s*k+j)*plane : (s*k+j+1)*plane]
			for y := range h {
				srow, orow := src[y*w:(y+1)*w], out[y*w:(y+1)*w]
				for x := range w {
					v := col(srow, x-i)
					if frac != 0 {
						v = (1-frac)*v + frac*col(srow, x-i-1)
					}
					orow[x] = v
				}
			}
		}
	}
}

// AlignedFlipShift returns the shift (in heatmap cells) that FlipBack needs
// for heatmaps of width heatmapW predicted from inputs of width inputW. A
// joint at input column x has its peak at x/stride; in the mirrored input it
// sits at column inputW−1−x, and mirroring that heatmap back puts the peak
// at x/stride − (1 − 1/stride). SimpleBaseline's whole-cell shift overshoots
// by 1/stride of a cell, and averaging the two passes then biases x by half
// of that (⅛ cell, half an input pixel, at stride 4).
func AlignedFlipShift(inputW, heatmapW int) float64 {
	return 1 - float64(heatmapW)/float64(inputW)
}

// partner returns the keypoint paired with j, or j itself.
func partner(j int, pairs [][2]int) int {
	for _, p := range pairs {
		switch j {
		case p[0]:
			return p[1]
		case p[1]:
			return p[0]
		}
	}
	return j
}
