package pose

import (
	"fmt"

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
// left-right, swap the channels of each left/right pair, and, with shift,
// move everything one pixel right (SimpleBaseline's shift_heatmap: column
// 0 keeps its own value). Then
//
//	dst[n,k,h,w] = hm[n,perm(k),h,W−1−(w−1)]   for w ≥ 1 (shift)
//	dst[n,k,h,0] = hm[n,perm(k),h,W−1]
//
// where perm swaps the members of each pair in pairs.
func FlipBack(dst, hm *nn.Tensor, pairs [][2]int, shift bool) {
	if !dst.SameShape(hm) {
		panic(fmt.Sprintf("%s: flip back %v into %v", errShape, hm.Shape, dst.Shape))
	}
	n, k, h, w := hm.Dims4()
	for _, p := range pairs {
		if p[0] < 0 || p[0] >= k || p[1] < 0 || p[1] >= k {
			panic(fmt.Sprintf("%s: flip pair %v for %d keypoints", errShape, p, k))
		}
	}
	plane := h * w
	for s := range n {
		for j := range k {
			pj := partner(j, pairs)
			src := hm.Data[(s*k+pj)*plane : (s*k+pj+1)*plane]
			out := dst.Data[(s*k+j)*plane : (s*k+j+1)*plane]
			for y := range h {
				srow, orow := src[y*w:(y+1)*w], out[y*w:(y+1)*w]
				if shift {
					orow[0] = srow[w-1]
					for x := 1; x < w; x++ {
						orow[x] = srow[w-x]
					}
				} else {
					for x := range w {
						orow[x] = srow[w-1-x]
					}
				}
			}
		}
	}
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
