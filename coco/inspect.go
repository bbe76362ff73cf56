package coco

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"

	"gocv.io/x/gocv"

	"github.com/dypose/dypose/internal/imgfile"
)

// InspectOptions configure Inspect.
type InspectOptions struct {
	Annotations string // person_keypoints_*.json
	Images      string // image directory
	Out         string // output directory
	N           int    // number of samples
	Seed        uint64
	Augment     bool // apply the training augmentation
	// Occlusion is the training augmentation's OcclusionProb (with its
	// default size) when Augment is set.
	Occlusion float64
	Geometry  Geometry
}

// Inspect writes N random training samples as they leave the pipeline: for
// each, the crop with its target keypoints and skeleton drawn, next to the
// crop blended with its heatmaps (maximum over keypoints, jet colour map).
// It returns the written paths.
func Inspect(ctx context.Context, opt InspectOptions) ([]string, error) {
	if opt.N <= 0 {
		return nil, fmt.Errorf("coco: inspect: n = %d", opt.N)
	}
	ds, err := Load(opt.Annotations)
	if err != nil {
		return nil, err
	}
	g := opt.Geometry
	samples := AnnotationSamples(ds, opt.Images, g.InputW, g.InputH, g.BoxPadding)
	if len(samples) == 0 {
		return nil, fmt.Errorf("coco: inspect: %s has no person with keypoints", opt.Annotations)
	}
	lo := LoaderOptions{BatchSize: min(opt.N, len(samples)), Workers: 1, Seed: opt.Seed, Shuffle: true,
		Epochs: 1, Geometry: g, Keypoints: ds.Person.Keypoints}
	if opt.Augment {
		aug := DefaultAugmentation()
		aug.OcclusionProb = opt.Occlusion
		lo.Augment = &aug
	}
	l, err := NewLoader(samples, lo)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	b, err := l.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Release(b)
	if b.N == 0 {
		_, first := l.Skipped()
		return nil, fmt.Errorf("coco: inspect: no sample could be loaded: %w", first)
	}
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return nil, fmt.Errorf("coco: inspect: %w", err)
	}
	k := ds.Person.Keypoints.K()
	imgSize, tgtSize := 3*g.InputW*g.InputH, k*g.HeatmapW*g.HeatmapH
	var paths []string
	for i := range b.N {
		m := b.Meta[i]
		path := filepath.Join(opt.Out, fmt.Sprintf("%03d_image%d_ann%d.jpg", i, m.ImageID, m.AnnID))
		err := writeInspection(path, b.Images[i*imgSize:(i+1)*imgSize], b.Targets[i*tgtSize:(i+1)*tgtSize],
			b.Weights[i*k:(i+1)*k], m.Joints, ds.Person.Keypoints, g)
		if err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// writeInspection draws one sample and writes it as a JPEG.
func writeInspection(path string, img, target, weight []float32, joints [][3]float32, kp KeypointInfo, g Geometry) error {
	crop := denormalize(img, g.InputW, g.InputH)
	defer crop.Close()
	heat := heatmapOverlay(crop, target, kp.K(), g)
	defer heat.Close()

	for _, l := range kp.Skeleton {
		a, b := joints[l[0]], joints[l[1]]
		if weight[l[0]] > 0 && weight[l[1]] > 0 {
			gocv.Line(&crop, image.Pt(int(a[0]), int(a[1])), image.Pt(int(b[0]), int(b[1])), color.RGBA{255, 255, 255, 255}, 1)
		}
	}
	for j, p := range joints {
		if weight[j] == 0 {
			continue
		}
		c := color.RGBA{0, 255, 0, 255} // centre and left side: green; right side: red
		if isRight(kp.Names[j]) {
			c = color.RGBA{255, 64, 64, 255}
		}
		gocv.Circle(&crop, image.Pt(int(p[0]), int(p[1])), 3, c, -1)
	}
	out := gocv.NewMat()
	defer out.Close()
	gocv.Hconcat(crop, heat, &out)
	if err := imgfile.Write(path, out); err != nil {
		return fmt.Errorf("coco: inspect: %w", err)
	}
	return nil
}

func isRight(name string) bool { return len(name) > 6 && name[:6] == "right_" }

// denormalize turns a normalised CHW RGB crop back into an 8-bit BGR Mat.
func denormalize(img []float32, w, h int) gocv.Mat {
	n := w * h
	pix := make([]byte, 3*n)
	mean := [3]float32{meanR, meanG, meanB}
	std := [3]float32{stdR, stdG, stdB}
	for ch := range 3 {
		plane := img[ch*n : (ch+1)*n]
		for i, v := range plane {
			pix[3*i+2-ch] = uint8(min(max((v*std[ch]+mean[ch])*255+0.5, 0), 255))
		}
	}
	m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, pix)
	if err != nil {
		panic("coco: denormalize: " + err.Error())
	}
	out := m.Clone() // NewMatFromBytes shares pix; keep an owned copy
	m.Close()
	return out
}

// heatmapOverlay blends the crop with the per-pixel maximum of the K
// heatmaps, upsampled to the crop and coloured with the jet colour map.
func heatmapOverlay(crop gocv.Mat, target []float32, k int, g Geometry) gocv.Mat {
	hw := g.HeatmapW * g.HeatmapH
	peak := make([]byte, hw)
	for j := range k {
		for i, v := range target[j*hw : (j+1)*hw] {
			peak[i] = max(peak[i], uint8(min(max(v, 0), 1)*255))
		}
	}
	small, err := gocv.NewMatFromBytes(g.HeatmapH, g.HeatmapW, gocv.MatTypeCV8U, peak)
	if err != nil {
		panic("coco: heatmap overlay: " + err.Error())
	}
	defer small.Close()
	big := gocv.NewMat()
	defer big.Close()
	gocv.Resize(small, &big, image.Pt(g.InputW, g.InputH), 0, 0, gocv.InterpolationLinear)
	colored := gocv.NewMat()
	defer colored.Close()
	gocv.ApplyColorMap(big, &colored, gocv.ColormapJet)
	out := gocv.NewMat()
	gocv.AddWeighted(crop, 0.5, colored, 0.5, 0, &out)
	return out
}
