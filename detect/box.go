package detect

import (
	"cmp"
	"slices"
)

// Box is one detected person in COCO xywh pixels of the frame it was found
// in: (X, Y) is the top-left corner, W and H the size, Score a confidence in
// [0, 1] (higher is surer; see each detector for what it means).
type Box struct {
	X, Y, W, H, Score float32
}

// Area returns W·H, or 0 for an empty box.
func (b Box) Area() float32 {
	if b.W <= 0 || b.H <= 0 {
		return 0
	}
	return b.W * b.H
}

// IoU returns the intersection over union of a and b, 0 when either is
// empty.
func IoU(a, b Box) float32 {
	iw := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	ih := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	union := a.Area() + b.Area() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// NMS applies greedy non-maximum suppression in place: it sorts boxes by
// descending score, keeps a box unless it overlaps an already kept one with
// IoU above iouThr, and returns the kept boxes as a prefix of boxes (the
// rest of the slice is left in an unspecified order). It does not allocate.
func NMS(boxes []Box, iouThr float32) []Box {
	slices.SortStableFunc(boxes, func(a, b Box) int { return cmp.Compare(b.Score, a.Score) })
	kept := 0
	for i := range boxes {
		b := boxes[i]
		suppressed := false
		for _, k := range boxes[:kept] {
			if IoU(k, b) > iouThr {
				suppressed = true
				break
			}
		}
		if !suppressed {
			boxes[kept], boxes[i] = boxes[i], boxes[kept]
			kept++
		}
	}
	return boxes[:kept]
}

// clip returns b clipped to a w×h frame; the result may be empty.
func (b Box) clip(w, h float32) Box {
	x0, y0 := max(b.X, 0), max(b.Y, 0)
	x1, y1 := min(b.X+b.W, w), min(b.Y+b.H, h)
	return Box{X: x0, Y: y0, W: max(x1-x0, 0), H: max(y1-y0, 0), Score: b.Score}
}
