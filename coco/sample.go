package coco

import (
	"fmt"
	"path/filepath"
)

// Top-down box conventions of SimpleBaseline and mmpose.
const (
	// PixelStd is the unit of Scale: a scale of 1 spans 200 pixels.
	PixelStd = 200
	// BoxPadding is SimpleBaseline's factor for enlarging every box before
	// cropping (Geometry.BoxPadding's default).
	BoxPadding = 1.25
	// HalfBodyPadding enlarges the half-body box.
	HalfBodyPadding = 1.5
)

// Sample is one person instance to crop: a ground-truth annotation (for
// training, or evaluation with GT boxes) or a detector box.
type Sample struct {
	ImageID   int64
	ImagePath string
	AnnID     int64      // annotation id; 0 for a detector box
	Box       [4]float64 // x, y, w, h in image pixels
	Center    [2]float64 // box centre in image pixels
	Scale     [2]float64 // box size, aspect-fixed and padded, in units of PixelStd
	Score     float64    // detector score; 1 for annotation boxes
	Area      float64    // annotation area; box area for detections
	// Joints are the annotated keypoints (x, y, v) in image pixels, v as in
	// COCO; nil for detector boxes.
	Joints [][3]float32
}

// BoxToCenterScale turns a box (x, y, w, h) into SimpleBaseline's centre and
// scale: the box is widened or heightened to the input aspect ratio
// aspect = inputW/inputH, divided by PixelStd and enlarged by padding
// (SimpleBaseline: BoxPadding).
func BoxToCenterScale(box [4]float64, aspect, padding float64) (center, scale [2]float64) {
	x, y, w, h := box[0], box[1], box[2], box[3]
	center = [2]float64{x + w*0.5, y + h*0.5}
	if w > aspect*h {
		h = w / aspect
	} else if w < aspect*h {
		w = h * aspect
	}
	scale = [2]float64{w / PixelStd * padding, h / PixelStd * padding}
	return center, scale
}

// cleanBox clips an annotation box to the image as SimpleBaseline's COCO
// loader does (x2 = min(W−1, x1 + max(0, w−1)), …); ok is false when nothing
// is left, or a single point (width and height 0), which has no scale to
// crop at. NaN coordinates leave nothing either.
func cleanBox(b [4]float64, width, height int) (box [4]float64, ok bool) {
	x1, y1 := max(0, b[0]), max(0, b[1])
	x2 := min(float64(width-1), x1+max(0, b[2]-1))
	y2 := min(float64(height-1), y1+max(0, b[3]-1))
	if !(x2 >= x1 && y2 >= y1) || (x2 == x1 && y2 == y1) {
		return box, false
	}
	return [4]float64{x1, y1, x2 - x1, y2 - y1}, true
}

// AnnotationSamples returns the person instances to train on (or to evaluate
// with ground-truth boxes), in file order: annotations of ds.Person with
// iscrowd = 0, num_keypoints > 0, area > 0 and a box left after clipping to
// the image, as SimpleBaseline and mmpose select them, and big enough to
// crop in float64 (AffineTransform panics on a box below the precision of
// its centre). imageDir is joined with each image's file_name;
// inputW/inputH fix the aspect ratio and padding enlarges the boxes
// (BoxToCenterScale).
func AnnotationSamples(ds *Dataset, imageDir string, inputW, inputH int, padding float64) []Sample {
	aspect := float64(inputW) / float64(inputH)
	var out []Sample
	for _, a := range ds.Annotations {
		if a.CategoryID != ds.Person.ID || a.IsCrowd || a.NumKeypoints <= 0 || a.Area <= 0 {
			continue
		}
		im, _ := ds.Image(a.ImageID) // Load checked that it exists
		box, ok := cleanBox(a.BBox, im.Width, im.Height)
		if !ok {
			continue
		}
		c, s := BoxToCenterScale(box, aspect, padding)
		if !Croppable(c, s, inputW, inputH) {
			continue
		}
		out = append(out, Sample{
			ImageID: a.ImageID, ImagePath: filepath.Join(imageDir, im.FileName), AnnID: a.ID,
			Box: box, Center: c, Scale: s, Score: 1, Area: a.Area,
			Joints: append([][3]float32(nil), a.Keypoints...),
		})
	}
	return out
}

// DetectionSamples returns one sample per detector box of the person
// category, in the order of dets; a box without an area, or one that is not
// finite or too small to crop in float64 (as in AnnotationSamples), is
// skipped (there is nothing to crop). A box on an image that ds does not
// list is an error (the detections belong to another split).
func DetectionSamples(ds *Dataset, dets []Detection, imageDir string, inputW, inputH int, padding float64) ([]Sample, error) {
	aspect := float64(inputW) / float64(inputH)
	var out []Sample
	for i, d := range dets {
		if d.CategoryID != ds.Person.ID || !(d.BBox[2] > 0 && d.BBox[3] > 0) {
			continue
		}
		im, ok := ds.Image(d.ImageID)
		if !ok {
			return nil, fmt.Errorf("coco: detection %d: image id %d is not in %s", i, d.ImageID, ds.Path)
		}
		c, s := BoxToCenterScale(d.BBox, aspect, padding)
		if !Croppable(c, s, inputW, inputH) {
			continue
		}
		out = append(out, Sample{
			ImageID: d.ImageID, ImagePath: filepath.Join(imageDir, im.FileName),
			Box: d.BBox, Center: c, Scale: s, Score: d.Score, Area: d.BBox[2] * d.BBox[3],
		})
	}
	return out, nil
}
