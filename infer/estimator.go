package infer

import (
	"fmt"

	"gocv.io/x/gocv"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/eval"
	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/pose"
	"github.com/dypose/dypose/track"
)

// Options tune an Estimator.
type Options struct {
	Flip bool // flip test: average with the mirrored crop's heatmaps
	// Decode is the heatmap decoding, pose.DecodeArgmax (the quarter-pixel
	// shift) or pose.DecodeDARK; "": the one the model's targets were made
	// for (pose.Meta.Decode), since the other costs accuracy.
	Decode string
	// NoNMS keeps every person instead of applying OKS-NMS (useful when
	// boxes are known to be distinct, e.g. tracked people in video).
	NoNMS bool
	// BoxPadding enlarges each box before cropping; 0: the padding the
	// model was trained with (pose.Meta.BoxPadding).
	BoxPadding float64
}

// Estimator turns boxes on an image into people with keypoints.
type Estimator struct {
	model   *pose.Model
	opt     Options
	sigmas  []float64
	cropper *coco.Cropper
	dec     pose.Decoder
	k       int
	in      *nn.Tensor // crops (N,3,H,W), grown as needed
	kps     []pose.Keypoint
	persons []eval.Person
	centers [][2]float64
	scales  [][2]float64
	keep    []int
	boxes   []detect.Box // the croppable ones of the last call
}

// NewEstimator prepares m for inference (BN folded) and returns an
// Estimator using it.
func NewEstimator(m *pose.Model, opt Options) (*Estimator, error) {
	if opt.Decode == "" {
		opt.Decode = m.Meta.Decode
	}
	if !pose.KnownDecode(opt.Decode) {
		return nil, fmt.Errorf("infer: decode %q: want %s or %s", opt.Decode, pose.DecodeArgmax, pose.DecodeDARK)
	}
	m.SetTraining(false)
	if !m.Fused() {
		m.Fuse()
	}
	k := m.Arch.Keypoints
	sigmas := eval.COCOSigmas()
	if len(sigmas) != k {
		// Unknown keypoint set: equal sigmas keep OKS-NMS meaningful.
		sigmas = make([]float64, k)
		for i := range sigmas {
			sigmas[i] = 0.079
		}
	}
	if !(opt.BoxPadding > 0) {
		opt.BoxPadding = m.Meta.BoxPadding
	}
	return &Estimator{
		model:   m,
		opt:     opt,
		sigmas:  sigmas,
		cropper: coco.NewCropper(m.Meta.InputW, m.Meta.InputH),
		dec:     pose.Decoder{DARK: opt.Decode == pose.DecodeDARK, Sigma: m.Meta.Sigma},
		k:       k,
		kps:     make([]pose.Keypoint, k),
	}, nil
}

// SetFlip turns the flip test on or off for later calls.
func (e *Estimator) SetFlip(on bool) { e.opt.Flip = on }

// Flip reports whether the flip test is on.
func (e *Estimator) Flip() bool { return e.opt.Flip }

// Close releases the OpenCV buffers.
func (e *Estimator) Close() error { return e.cropper.Close() }

// Decode is the heatmap decoding in use: the one asked for in Options, else
// the model's.
func (e *Estimator) Decode() string { return e.opt.Decode }

// BoxPadding is the factor each box is enlarged by before cropping: the one
// asked for in Options, else the model's.
func (e *Estimator) BoxPadding() float64 { return e.opt.BoxPadding }

// Estimate returns one person per kept box, best score first. img is a BGR
// (8UC3) frame; boxes are in its pixels, and a box without an area, not
// finite or too small to crop in float64 (coco.Croppable) is skipped. The
// keypoint slices of the returned people are freshly allocated and belong
// to the caller.
func (e *Estimator) Estimate(img gocv.Mat, boxes []detect.Box) ([]track.Person, error) {
	if img.Empty() {
		return nil, fmt.Errorf("infer: empty image")
	}
	if img.Type() != gocv.MatTypeCV8UC3 {
		return nil, fmt.Errorf("infer: image of type %v, want 8-bit BGR (%v)", img.Type(), gocv.MatTypeCV8UC3)
	}
	h, w := e.model.Meta.InputH, e.model.Meta.InputW
	e.boxes, e.centers, e.scales = e.boxes[:0], e.centers[:0], e.scales[:0]
	for _, b := range boxes {
		c, s := coco.BoxToCenterScale([4]float64{float64(b.X), float64(b.Y), float64(b.W), float64(b.H)}, float64(w)/float64(h), e.opt.BoxPadding)
		if b.Area() > 0 && coco.Croppable(c, s, w, h) {
			e.boxes = append(e.boxes, b)
			e.centers = append(e.centers, c)
			e.scales = append(e.scales, s)
		}
	}
	boxes = e.boxes
	if len(boxes) == 0 {
		return nil, nil
	}
	n := len(boxes)
	e.in = nn.Ensure(e.in, n, 3, h, w)
	plane := 3 * h * w
	for i := range boxes {
		e.cropper.Crop(e.in.Data[i*plane:(i+1)*plane], img, e.centers[i], e.scales[i], 0)
	}
	hm := e.model.Predict(e.in, e.opt.Flip)
	_, k, hh, hw := hm.Dims4()
	stride := float64(w) / float64(hw)
	// e.persons keeps its keypoint buffers from frame to frame: only the
	// people handed to the caller are allocated.
	for len(e.persons) < n {
		e.persons = append(e.persons, eval.Person{Keypoints: make([]float64, 3*k)})
	}
	e.persons = e.persons[:n]
	for i := range n {
		e.dec.Decode(e.kps, hm.Data[i*k*hh*hw:(i+1)*k*hh*hw], k, hh, hw)
		inv := coco.AffineTransform(e.centers[i], e.scales[i], 0, w, h, true)
		pose.ToImage(e.kps, pose.Affine(inv), stride)
		p := &e.persons[i]
		p.Area = e.scales[i][0] * e.scales[i][1] * coco.PixelStd * coco.PixelStd
		for j, kp := range e.kps {
			p.Keypoints[3*j], p.Keypoints[3*j+1], p.Keypoints[3*j+2] = float64(kp.X), float64(kp.Y), float64(kp.Score)
		}
		p.Score = eval.Rescore(float64(boxes[i].Score), p.Keypoints, eval.DefaultKeypointThreshold)
	}
	keep := e.keep[:0]
	if e.opt.NoNMS {
		for i := range n {
			keep = append(keep, i)
		}
		e.keep = keep
	} else {
		keep = eval.OKSNMS(e.persons, eval.DefaultOKSNMSThreshold, e.sigmas)
	}
	out := make([]track.Person, 0, len(keep))
	for _, i := range keep {
		p := e.persons[i]
		kp := make([]float32, len(p.Keypoints))
		for j, v := range p.Keypoints {
			kp[j] = float32(v)
		}
		out = append(out, track.Person{Keypoints: kp, Score: float32(p.Score), Box: boxes[i]})
	}
	return out, nil
}
