package detect

import (
	"fmt"

	"gocv.io/x/gocv"
)

// Detector finds people in a BGR frame. Detect returns boxes in pixels of
// img, best first; the slice may be reused by the next call, so copy what
// must outlive it. A Detector is not safe for concurrent use.
type Detector interface {
	Detect(img gocv.Mat) ([]Box, error)
	Close() error
}

// WholeImage is the trivial detector: one box covering the frame, score 1.
// Use it for crops that already hold one person.
type WholeImage struct {
	boxes [1]Box
}

// Detect returns the frame as one box.
func (d *WholeImage) Detect(img gocv.Mat) ([]Box, error) {
	if img.Empty() {
		return nil, fmt.Errorf("detect: whole image: empty frame")
	}
	d.boxes[0] = Box{W: float32(img.Cols()), H: float32(img.Rows()), Score: 1}
	return d.boxes[:], nil
}

// Close does nothing.
func (d *WholeImage) Close() error { return nil }
