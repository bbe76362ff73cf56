package train

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/eval"
	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/pose"
)

// Validator evaluates a model on a validation split with ground-truth
// boxes, as SimpleBaseline reports COCO val AP with GT boxes: crop every
// annotated person, predict (with the flip test when Flip), decode with the
// quarter-pixel shift (DARK's refinement when DARK), map back to the image,
// rescore, OKS-NMS per image, and run the COCO keypoint evaluation.
type Validator struct {
	Samples  []coco.Sample
	GT       *eval.GroundTruth
	Geometry coco.Geometry
	Keypoint coco.KeypointInfo
	Batch    int
	Workers  int
	Flip     bool
	DARK     bool // DARK decoding, smoothed with the targets' σ
}

// NewValidator loads sp's annotations for validation.
func NewValidator(sp coco.Split, g coco.Geometry, batch, workers int, flip bool) (*Validator, error) {
	_, samples, err := loadSamples(sp, g)
	if err != nil {
		return nil, err
	}
	gt, err := eval.LoadGroundTruth(sp.Annotations)
	if err != nil {
		return nil, fmt.Errorf("train: validation: %w", err)
	}
	return &Validator{Samples: samples, GT: gt, Geometry: g, Keypoint: coco.COCOKeypoints(),
		Batch: batch, Workers: workers, Flip: flip}, nil
}

// Run evaluates m (switched to inference mode for the run and left there).
func (v *Validator) Run(ctx context.Context, m *pose.Model) (*eval.Summary, error) {
	g := v.Geometry
	if m.Arch.Keypoints != v.Keypoint.K() {
		return nil, fmt.Errorf("train: validation: model has %d keypoints, data %d", m.Arch.Keypoints, v.Keypoint.K())
	}
	m.SetTraining(false)
	return v.evaluate(ctx, func(b *coco.Batch) []float32 {
		return m.Predict(nn.FromData(b.Images, b.N, 3, g.InputH, g.InputW), v.Flip).Data
	})
}

// evaluate crops every sample, asks predict for the batch's heatmaps
// (N,K,HeatmapH,HeatmapW), decodes them to image coordinates and runs the
// COCO evaluation.
func (v *Validator) evaluate(ctx context.Context, predict func(b *coco.Batch) []float32) (*eval.Summary, error) {
	g, k := v.Geometry, v.Keypoint.K()
	ld, err := coco.NewLoader(v.Samples, coco.LoaderOptions{
		BatchSize: v.Batch, Workers: v.Workers, Epochs: 1, Geometry: g, Keypoints: v.Keypoint,
	})
	if err != nil {
		return nil, fmt.Errorf("train: validation: %w", err)
	}
	defer ld.Close()
	stride := float64(g.InputW) / float64(g.HeatmapW)
	hw := g.HeatmapH * g.HeatmapW
	kps := make([]pose.Keypoint, k)
	dec := pose.Decoder{DARK: v.DARK, Sigma: g.Sigma}
	byImage := map[int64][]eval.Person{}
	var order []int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("train: validation: %w", err) // Next may still hand out ready batches
		}
		b, err := ld.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("train: validation: %w", err)
		}
		if b.N > 0 {
			hm := predict(b)
			for i := range b.N {
				meta := &b.Meta[i]
				dec.Decode(kps, hm[i*k*hw:(i+1)*k*hw], k, g.HeatmapH, g.HeatmapW)
				inv := coco.AffineTransform(meta.Center, meta.Scale, 0, g.InputW, g.InputH, true)
				pose.ToImage(kps, pose.Affine(inv), stride)
				p := eval.Person{Keypoints: make([]float64, 3*k),
					Area: meta.Scale[0] * meta.Scale[1] * coco.PixelStd * coco.PixelStd}
				for j, kp := range kps {
					p.Keypoints[3*j], p.Keypoints[3*j+1], p.Keypoints[3*j+2] = float64(kp.X), float64(kp.Y), float64(kp.Score)
				}
				p.Score = eval.Rescore(meta.Score, p.Keypoints, eval.DefaultKeypointThreshold)
				if _, ok := byImage[meta.ImageID]; !ok {
					order = append(order, meta.ImageID)
				}
				byImage[meta.ImageID] = append(byImage[meta.ImageID], p)
			}
		}
		ld.Release(b)
	}
	if n, err := ld.Skipped(); n > 0 {
		return nil, fmt.Errorf("train: validation: %d samples failed to load: %w", n, err)
	}
	sigmas, err := v.GT.Sigmas()
	if err != nil {
		return nil, fmt.Errorf("train: validation: %w", err)
	}
	catID := personCategory(v.GT)
	var results []eval.Result
	for _, id := range order {
		ps := byImage[id]
		for _, i := range eval.OKSNMS(ps, eval.DefaultOKSNMSThreshold, sigmas) {
			results = append(results, eval.Result{ImageID: id, CategoryID: catID, Keypoints: ps[i].Keypoints, Score: ps[i].Score})
		}
	}
	p := eval.DefaultParams()
	p.Sigmas = sigmas
	s, err := eval.Evaluate(v.GT, results, p)
	if err != nil {
		return nil, fmt.Errorf("train: validation: %w", err)
	}
	return s, nil
}

// personCategory returns the id of the "person" category, else of the
// first category (a keypoint file has one).
func personCategory(gt *eval.GroundTruth) int64 {
	for _, c := range gt.Categories {
		if c.Name == "person" {
			return c.ID
		}
	}
	if len(gt.Categories) > 0 {
		return gt.Categories[0].ID
	}
	return 1
}

// EvaluateModel validates the model checkpoint at path on the val split of
// the COCO-layout folder dataDir, at the model's recorded input size and
// decoding, with GT boxes. sigma is DARK's smoothing σ for a checkpoint
// that records none. It also counts the DY-ReLU hyper-function units no
// validation crop activates (pose.Model.DeadHyperUnits).
func EvaluateModel(ctx context.Context, path, dataDir string, batch, workers int, flip bool, sigma float64) (*eval.Summary, pose.HyperUnits, error) {
	m, err := pose.Load(path)
	if err != nil {
		return nil, pose.HyperUnits{}, fmt.Errorf("train: evaluate: %w", err)
	}
	sp, err := coco.FindSplit(dataDir, "val")
	if err != nil {
		return nil, pose.HyperUnits{}, err
	}
	if m.Meta.Sigma > 0 {
		sigma = m.Meta.Sigma // DARK decodes with the training targets' σ
	}
	g := coco.Geometry{InputW: m.Meta.InputW, InputH: m.Meta.InputH,
		HeatmapW: m.Meta.InputW / pose.HeatmapStride, HeatmapH: m.Meta.InputH / pose.HeatmapStride, Sigma: sigma,
		BoxPadding: m.Meta.BoxPadding}
	v, err := NewValidator(sp, g, batch, workers, flip)
	if err != nil {
		return nil, pose.HyperUnits{}, err
	}
	v.DARK = m.Meta.Decode == pose.DecodeDARK
	var s *eval.Summary
	units, err := m.DeadHyperUnits(func() (err error) {
		s, err = v.Run(ctx, m)
		return err
	})
	return s, units, err
}
