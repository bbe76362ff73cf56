package detect

/*
#cgo pkg-config: opencv4
#cgo CXXFLAGS: -std=c++11
#include <stdlib.h>
#include "hog.h"
#include "onnxprobe.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strings"
	"unsafe"

	"gocv.io/x/gocv"
)

// hogWinHeight is the height in pixels of OpenCV's people window (64×128):
// people shorter than this at the detection resolution are not found.
const hogWinHeight = 128

// HOGOptions tunes NewHOG. Start from DefaultHOGOptions; NewHOG rejects
// out-of-range values instead of replacing them.
type HOGOptions struct {
	// SVM holds linear SVM coefficients for the 64×128 window (3780
	// weights and a bias); nil selects DefaultPeopleSVM.
	SVM []float32
	// Width resizes each frame to this width (aspect kept) before
	// detection; 0 runs at the frame's own size. Smaller is faster but
	// misses people shorter than 128·frameWidth/Width pixels; larger finds
	// smaller people.
	Width int
	// WinStride is the window step in pixels, a multiple of 8 (the HOG
	// block stride). 8 is OpenCV's default; 16 is about 4× faster.
	WinStride int
	// Padding pads the image by this many pixels on each side, so people
	// touching the border are still found. Multiple of 8; 0 is fastest.
	Padding int
	// Scale is the ratio between pyramid levels, > 1 (OpenCV: 1.05).
	Scale float64
	// HitThreshold is the minimum SVM margin of a window (OpenCV: 0).
	HitThreshold float64
	// GroupThreshold is OpenCV's finalThreshold: a detection needs more
	// than this many overlapping windows to survive grouping (OpenCV: 2).
	GroupThreshold int
	// NMSThreshold suppresses a box overlapping a better one with IoU above
	// it (OpenCV's grouping leaves nested boxes); 1 disables.
	NMSThreshold float32
	// MinScore drops boxes whose Score is below it.
	MinScore float32
}

// DefaultHOGOptions returns options tuned for 640×480 frames at a few tens
// of milliseconds per frame (see notes/infer-parts.md for the measurements).
func DefaultHOGOptions() HOGOptions {
	return HOGOptions{
		Width:          640,
		WinStride:      8,
		Padding:        8,
		Scale:          1.1,
		HitThreshold:   0,
		GroupThreshold: 2,
		NMSThreshold:   0.5,
		MinScore:       0,
	}
}

func (o HOGOptions) validate() error {
	switch {
	case o.Width < 0:
		return fmt.Errorf("width %d < 0", o.Width)
	case o.WinStride <= 0 || o.WinStride%8 != 0:
		return fmt.Errorf("win stride %d is not a positive multiple of 8", o.WinStride)
	case o.Padding < 0 || o.Padding%8 != 0:
		return fmt.Errorf("padding %d is not a non-negative multiple of 8", o.Padding)
	case !(o.Scale > 1):
		return fmt.Errorf("scale %g is not > 1", o.Scale)
	case o.GroupThreshold < 0:
		return fmt.Errorf("group threshold %d < 0", o.GroupThreshold)
	case !(o.NMSThreshold > 0 && o.NMSThreshold <= 1):
		return fmt.Errorf("nms threshold %g is not in (0, 1]", o.NMSThreshold)
	}
	return nil
}

// DefaultPeopleSVM returns a Go-owned copy of OpenCV's default people
// detector coefficients (cv::HOGDescriptor::getDefaultPeopleDetector,
// trained on INRIA). gocv's HOGDefaultPeopleDetector cannot be used: it
// returns a Mat over memory that is already freed.
func DefaultPeopleSVM() []float32 {
	n := int(C.dypose_hog_people_len())
	svm := make([]float32, n)
	if n > 0 {
		C.dypose_hog_people_copy((*C.float)(unsafe.Pointer(&svm[0])), C.int(n))
	}
	return svm
}

// HOG is OpenCV's HOG + linear SVM people detector (Dalal & Triggs, CVPR
// 2005). Box.Score is the logistic of the SVM margin of the strongest window
// in each group: 0.5 on the decision boundary, → 1 for clear people. Boxes
// are the 64×128 detection windows mapped back to the frame, so they carry
// about 1/8 of margin above and below the person.
type HOG struct {
	opts  HOGOptions
	h     C.DyposeHOG
	small gocv.Mat // frame resized to opts.Width, reused
	bgr   gocv.Mat // 4-channel frames converted to BGR, reused
	hits  []C.DyposeHit
	boxes []Box
}

// NewHOG builds a HOG people detector.
func NewHOG(opts HOGOptions) (*HOG, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("detect: hog: %w", err)
	}
	svm := opts.SVM
	if svm == nil {
		svm = DefaultPeopleSVM()
	}
	if len(svm) == 0 {
		return nil, errors.New("detect: hog: empty SVM")
	}
	var cerr *C.char
	h := C.dypose_hog_new((*C.float)(unsafe.Pointer(&svm[0])), C.int(len(svm)), &cerr)
	if h == nil {
		return nil, fmt.Errorf("detect: hog: set SVM of %d coefficients: %s", len(svm), takeCString(cerr))
	}
	return &HOG{opts: opts, h: h, small: gocv.NewMat(), bgr: gocv.NewMat()}, nil
}

// Detect finds people in img (BGR 8UC3, gray 8UC1 or BGRA 8UC4).
func (d *HOG) Detect(img gocv.Mat) ([]Box, error) {
	if d.h == nil {
		return nil, errors.New("detect: hog: detector is closed")
	}
	if img.Empty() {
		return nil, errors.New("detect: hog: empty frame")
	}
	src := img
	switch img.Type() {
	case gocv.MatTypeCV8UC1, gocv.MatTypeCV8UC3:
	case gocv.MatTypeCV8UC4:
		gocv.CvtColor(img, &d.bgr, gocv.ColorBGRAToBGR)
		src = d.bgr
	default:
		return nil, fmt.Errorf("detect: hog: unsupported Mat type %v (want 8UC1, 8UC3 or 8UC4)", img.Type())
	}
	f := float32(1) // frame pixels per detection pixel
	if w := d.opts.Width; w > 0 && w != src.Cols() {
		f = float32(src.Cols()) / float32(w)
		h := int(math.Round(float64(src.Rows()) / float64(f)))
		if h < hogWinHeight { // nobody fits; and a zero height would abort Resize
			return d.boxes[:0], nil
		}
		gocv.Resize(src, &d.small, image.Pt(w, h), 0, 0, gocv.InterpolationLinear)
		src = d.small
	}
	d.boxes = d.boxes[:0]
	if src.Rows() < hogWinHeight || src.Cols() < hogWinHeight/2 {
		return d.boxes, nil // smaller than one window: nobody fits
	}
	var cerr *C.char
	o := d.opts
	n := int(C.dypose_hog_detect(d.h, unsafe.Pointer(src.Ptr()), C.double(o.HitThreshold),
		C.int(o.WinStride), C.int(o.WinStride), C.int(o.Padding), C.int(o.Padding),
		C.double(o.Scale), C.double(o.GroupThreshold), &cerr))
	if n < 0 {
		return nil, fmt.Errorf("detect: hog: %s", takeCString(cerr))
	}
	if n == 0 {
		return d.boxes, nil
	}
	if cap(d.hits) < n {
		d.hits = make([]C.DyposeHit, n)
	}
	d.hits = d.hits[:n]
	C.dypose_hog_hits(d.h, &d.hits[0], C.int(n))
	fw, fh := float32(img.Cols()), float32(img.Rows())
	for _, hit := range d.hits {
		b := Box{
			X: float32(hit.x) * f, Y: float32(hit.y) * f,
			W: float32(hit.w) * f, H: float32(hit.h) * f,
			Score: float32(1 / (1 + math.Exp(-float64(hit.weight)))),
		}.clip(fw, fh)
		if b.Score >= o.MinScore && b.Area() > 0 {
			d.boxes = append(d.boxes, b)
		}
	}
	return NMS(d.boxes, o.NMSThreshold), nil
}

// Close frees the detector; it is safe to call twice.
func (d *HOG) Close() error {
	if d.h == nil {
		return nil
	}
	C.dypose_hog_free(d.h)
	d.h = nil
	d.small.Close()
	d.bgr.Close()
	return nil
}

// takeCString converts a malloc'd C error string and frees it.
func takeCString(s *C.char) string {
	if s == nil {
		return "unknown error"
	}
	defer C.free(unsafe.Pointer(s))
	return strings.TrimSpace(C.GoString(s))
}
