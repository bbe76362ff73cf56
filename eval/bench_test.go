package eval

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// benchSizes are shared small/medium/large cases; large is COCO val2017's
// size (5,000 images, ~6,000 persons, ~100,000 detections).
var benchSizes = []struct {
	name   string
	images int
}{
	{"small", 50},
	{"medium", 500},
	{"large", 5000},
}

// genCase draws a seeded COCO-like case: about 1.2 persons and 20
// detections per image, 60% of detections near a person.
func genCase(rng *rand.Rand, images int) (*GroundTruth, []Result) {
	const k = 17
	gt := &GroundTruth{imageSet: map[int64]struct{}{}, catSet: map[int64]struct{}{1: {}}}
	gt.Categories = []Category{{ID: 1, Name: "person"}}
	var res []Result
	id := int64(1)
	for img := int64(1); img <= int64(images); img++ {
		gt.Images = append(gt.Images, Image{ID: img})
		gt.imageSet[img] = struct{}{}
		var persons []int
		for range int(rng.ExpFloat64() * 1.2) {
			size := []float64{25, 50, 90, 150, 250}[rng.IntN(5)] * (0.8 + 0.4*rng.Float64())
			cx, cy := 40+560*rng.Float64(), 40+400*rng.Float64()
			a := Annotation{ID: id, ImageID: img, CategoryID: 1, Keypoints: make([]float64, 3*k),
				Area: 0.5 * size * size * (0.4 + 0.5*rng.Float64()), Bbox: [4]float64{cx - size/4, cy - size/2, size / 2, size}}
			id++
			for j := range k {
				if rng.Float64() < 0.75 {
					a.Keypoints[3*j] = cx + (rng.Float64()-0.5)*0.6*size
					a.Keypoints[3*j+1] = cy + (float64(j)/k-0.5)*size
					a.Keypoints[3*j+2] = 2
					a.NumKeypoints++
				}
			}
			a.IsCrowd = rng.Float64() < 0.01
			persons = append(persons, len(gt.Annotations))
			gt.Annotations = append(gt.Annotations, a)
		}
		for range int(rng.ExpFloat64() * 20) {
			r := Result{ImageID: img, CategoryID: 1, Keypoints: make([]float64, 3*k), Score: rng.Float64()}
			if len(persons) > 0 && rng.Float64() < 0.6 {
				g := &gt.Annotations[persons[rng.IntN(len(persons))]]
				noise := 0.05 * g.Bbox[3] * rng.Float64()
				for j := range k {
					// Unlabelled joints: somewhere in the box.
					r.Keypoints[3*j] = g.Bbox[0] + g.Bbox[2]*rng.Float64()
					r.Keypoints[3*j+1] = g.Bbox[1] + g.Bbox[3]*rng.Float64()
					if g.Keypoints[3*j+2] > 0 {
						r.Keypoints[3*j] = g.Keypoints[3*j] + rng.NormFloat64()*noise
						r.Keypoints[3*j+1] = g.Keypoints[3*j+1] + rng.NormFloat64()*noise
					}
					r.Keypoints[3*j+2] = rng.Float64()
				}
			} else {
				cx, cy, size := 40+560*rng.Float64(), 40+400*rng.Float64(), 25+225*rng.Float64()
				for j := range k {
					r.Keypoints[3*j] = cx + (rng.Float64()-0.5)*0.6*size
					r.Keypoints[3*j+1] = cy + (float64(j)/k-0.5)*size
					r.Keypoints[3*j+2] = rng.Float64()
				}
			}
			res = append(res, r)
		}
	}
	return gt, res
}

func BenchmarkEvaluate(b *testing.B) {
	for _, sz := range benchSizes {
		gt, res := genCase(rand.New(rand.NewPCG(1, 2)), sz.images)
		b.Run(fmt.Sprintf("%s_%dimg_%dgt_%ddet", sz.name, sz.images, len(gt.Annotations), len(res)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Evaluate(gt, res, DefaultParams()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseResults(b *testing.B) {
	for _, sz := range benchSizes {
		_, res := genCase(rand.New(rand.NewPCG(1, 2)), sz.images)
		data, err := json.Marshal(res)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%s_%.1fMB", sz.name, float64(len(data))/1e6), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := ParseResults(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		if sz.name == "medium" {
			b.Run("medium_encoding_json", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := slowResults(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLoadEvaluateFiles times load + evaluate + accumulate on the
// COCO-val-sized files scripts/bench_eval_pycocotools.py writes:
//
//	DYPOSE_EVAL_BENCH=/tmp/evalbench go test -run '^$' -bench LoadEvaluateFiles ./eval
func BenchmarkLoadEvaluateFiles(b *testing.B) {
	dir := os.Getenv("DYPOSE_EVAL_BENCH")
	if dir == "" {
		b.Skip("DYPOSE_EVAL_BENCH not set")
	}
	b.ReportAllocs()
	for b.Loop() {
		gt, err := LoadGroundTruth(filepath.Join(dir, "gt.json"))
		if err != nil {
			b.Fatal(err)
		}
		res, err := LoadResults(filepath.Join(dir, "results.json"), gt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Evaluate(gt, res, DefaultParams()); err != nil {
			b.Fatal(err)
		}
	}
}
