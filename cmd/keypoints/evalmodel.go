package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"gocv.io/x/gocv"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/eval"
	"github.com/dypose/dypose/internal/atomicfile"
	"github.com/dypose/dypose/pose"
)

// modelEvalOptions are the settings of `keypoints eval --model --data`.
type modelEvalOptions struct {
	modelOptions
	Data, Boxes, Out string
	BoxThr           float64
}

// evalResult is one person in COCO keypoint results format.
type evalResult struct {
	ImageID    int64     `json:"image_id"`
	CategoryID int64     `json:"category_id"`
	Keypoints  []float64 `json:"keypoints"`
	Score      float64   `json:"score"`
}

// runModelEval runs the top-down protocol on the val split of o.Data: person
// boxes from the ground truth (or o.Boxes), crops, inference, rescoring and
// OKS-NMS; it writes the results to o.Out with their RunInfo sidecar and
// returns the annotation file to evaluate them against.
func runModelEval(ctx context.Context, stderr io.Writer, o modelEvalOptions) (gtPath string, err error) {
	if err := o.check(); err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	sp, err := coco.FindSplit(o.Data, "val")
	if err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	ds, err := coco.Load(sp.Annotations)
	if err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	m, est, err := o.open()
	if err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	defer est.Close()
	boxesOf := map[int64][]detect.Box{}
	source := "gt"
	if o.Boxes != "" {
		dets, err := detect.LoadBoxes(o.Boxes, float32(o.BoxThr))
		if err != nil {
			return "", fmt.Errorf("eval: %w", err)
		}
		for _, im := range ds.Images {
			boxesOf[im.ID] = dets.ByID(im.ID)
		}
		source = filepath.Base(o.Boxes)
	} else {
		for _, s := range coco.AnnotationSamples(ds, sp.Images, m.Meta.InputW, m.Meta.InputH, m.Meta.BoxPadding) {
			boxesOf[s.ImageID] = append(boxesOf[s.ImageID], detect.Box{X: float32(s.Box[0]), Y: float32(s.Box[1]),
				W: float32(s.Box[2]), H: float32(s.Box[3]), Score: float32(s.Score)})
		}
	}
	results := []evalResult{}
	img := gocv.NewMat()
	defer img.Close()
	inPlace := isTerminal(stderr)
	for i, im := range ds.Images {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("eval: interrupted: %w", err)
		}
		boxes := boxesOf[im.ID]
		if len(boxes) == 0 {
			continue
		}
		path := filepath.Join(sp.Images, im.FileName)
		img.Close()
		img = gocv.IMRead(path, gocv.IMReadColor)
		if img.Empty() {
			return "", fmt.Errorf("eval: image %d: cannot read %s", im.ID, path)
		}
		people, err := est.Estimate(img, boxes)
		if err != nil {
			return "", fmt.Errorf("eval: %s: %w", path, err)
		}
		for _, p := range people {
			r := evalResult{ImageID: im.ID, CategoryID: int64(ds.Person.ID), Score: float64(p.Score), Keypoints: make([]float64, len(p.Keypoints))}
			for j, v := range p.Keypoints {
				r.Keypoints[j] = float64(v)
			}
			results = append(results, r)
		}
		if (i+1)%100 == 0 || i+1 == len(ds.Images) {
			// In place on a terminal; a line each in a log, as synth and train do.
			if inPlace {
				fmt.Fprintf(stderr, "\reval: %d/%d images, %d people", i+1, len(ds.Images), len(results))
			} else {
				fmt.Fprintf(stderr, "eval: %d/%d images, %d people\n", i+1, len(ds.Images), len(results))
			}
		}
	}
	if inPlace {
		fmt.Fprintln(stderr)
	}
	if err := atomicfile.Write(o.Out, func(w io.Writer) error { return json.NewEncoder(w).Encode(results) }); err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	decode := "argmax+quarter-offset"
	if est.Decode() == pose.DecodeDARK {
		decode = "dark"
	}
	info := eval.RunInfo{BoxSource: source, FlipTest: o.Flip, Decode: decode, InputSize: [2]int{m.Meta.InputW, m.Meta.InputH},
		Model: o.Model, BoxPadding: est.BoxPadding(), Rescore: "box*mean(kpt>0.2)", OKSNMSThr: eval.DefaultOKSNMSThreshold}
	if err := eval.WriteRunInfo(o.Out, info); err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	return sp.Annotations, nil
}
