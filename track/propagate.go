package track

import (
	"fmt"

	"github.com/dypose/dypose/detect"
)

// BoxFromKeypoints returns the box to run the pose model in on the next
// frame when the detector is skipped (--det-interval N): the bounds of the
// keypoints scoring at least thr, enlarged about their centre by enlarge
// (e.g. 1.25) on each axis and clipped to the frameW×frameH frame. Its
// score is the mean score of those keypoints. ok is false when fewer than
// two keypoints are confident or the box is empty, so the caller should run
// the detector instead. It panics if len(kps) is not a multiple of 3.
func BoxFromKeypoints(kps []float32, thr, enlarge float32, frameW, frameH int) (b detect.Box, ok bool) {
	if len(kps)%3 != 0 {
		panic(fmt.Sprintf("%s: %d keypoint values, not a multiple of 3", errShape, len(kps)))
	}
	var x0, y0, x1, y1, sum float32
	n := 0
	for j := 0; j < len(kps); j += 3 {
		x, y, s := kps[j], kps[j+1], kps[j+2]
		if !(s >= thr) {
			continue
		}
		if n == 0 {
			x0, y0, x1, y1 = x, y, x, y
		} else {
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
		}
		sum += s
		n++
	}
	if n < 2 {
		return detect.Box{}, false
	}
	cx, cy := (x0+x1)/2, (y0+y1)/2
	hw, hh := (x1-x0)/2*enlarge, (y1-y0)/2*enlarge
	bx0, by0 := max(cx-hw, 0), max(cy-hh, 0)
	bx1, by1 := min(cx+hw, float32(frameW)), min(cy+hh, float32(frameH))
	if bx1 <= bx0 || by1 <= by0 {
		return detect.Box{}, false
	}
	return detect.Box{X: bx0, Y: by0, W: bx1 - bx0, H: by1 - by0, Score: sum / float32(n)}, true
}
