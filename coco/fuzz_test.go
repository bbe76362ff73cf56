package coco

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzName is the file name the fuzz targets give the parsers; every error
// must name it.
const fuzzName = "fuzz.json"

// fuzzGeometry is the crop and heatmap layout the fuzz targets crop with.
var fuzzGeometry = Geometry{InputW: 192, InputH: 128, HeatmapW: 48, HeatmapH: 32, Sigma: 2, BoxPadding: 1.0625}

// fuzzSamples bounds the samples of one input that go through the
// pipeline stages, so that a large input stays fast.
const fuzzSamples = 8

// addSeeds adds the JSON files matching each pattern and the hand-made
// bodies to f's corpus.
func addSeeds(f *testing.F, patterns []string, bodies []string) {
	forSeedFiles(f, patterns, func(data []byte) { f.Add(data) })
	for _, b := range bodies {
		f.Add([]byte(b))
	}
}

// forSeedFiles calls add with the contents of every file matching each
// pattern; a pattern matching nothing fails, so seeds cannot vanish.
func forSeedFiles(f *testing.F, patterns []string, add func(data []byte)) {
	for _, p := range patterns {
		paths, err := filepath.Glob(p)
		require.NoError(f, err)
		require.NotEmpty(f, paths, "seed pattern %s", p)
		for _, path := range paths {
			data, err := os.ReadFile(path)
			require.NoError(f, err)
			add(data)
		}
	}
}

// FuzzLoad feeds arbitrary bytes to Load's parser. It must return an error
// that names the file or a Dataset whose cross references hold; the
// Dataset's samples must have finite centres, positive finite scales and
// the person category's keypoint count, and must go through the loader's
// augmentation, crop transform and target generation (without image I/O)
// without a panic.
func FuzzLoad(f *testing.F) {
	addSeeds(f, []string{tinyAnn, "../testdata/eval/*/gt.json"}, []string{
		``,
		`{}`,
		`[]`,
		`{"images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3}],` +
			` "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "area": 6, "bbox": [0, 0, 3, 2], "num_keypoints": 1,` +
			` "keypoints": [1, 1, 2, 0, 0, 0, 2, 2, 1]}],` +
			` "categories": [{"id": 1, "name": "p", "keypoints": ["nose", "left_eye", "right_eye"], "skeleton": [[1, 2], [1, 3]]}]}`,
		// A 0-based skeleton (the file's is 1-based).
		`{"categories": [{"id": 1, "name": "p", "keypoints": ["a"], "skeleton": [[0, 2]]}]}`,
		// One category id for two keypoint sets.
		`{"categories": [{"id": 1, "name": "p", "keypoints": ["a"]}, {"id": 1, "name": "q", "keypoints": ["a", "b"]}]}`,
		`{"images": [{"id": 1, "width": 0, "height": -5}], "annotations": [], "categories": [{"id": 1, "keypoints": ["a"]}]}`,
		// A box whose crop has no extent in float64 (its width is lost in
		// the rounding of x = 1000, its height a few ulps of 0.5).
		`{"images": [{"id": 1, "width": 2000, "height": 100}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1,` +
			` "area": 1, "bbox": [1000, 0.5, 1.0000000000000002, 1.0000000000000002], "num_keypoints": 1, "keypoints": [0, 0, 1]}],` +
			` "categories": [{"id": 1, "keypoints": ["a"]}]}`,
		// Nine labelled joints at one point: a half-body box of scale 0.
		`{"images": [{"id": 1, "width": 100, "height": 100}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1,` +
			` "area": 1, "bbox": [0, 0, 50, 50], "num_keypoints": 9,` +
			` "keypoints": [7, 7, 1, 7, 7, 1, 7, 7, 1, 7, 7, 1, 7, 7, 1, 7, 7, 1, 7, 7, 1, 7, 7, 1, 7, 7, 1]}],` +
			` "categories": [{"id": 1, "keypoints": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}]}`,
	})
	g := fuzzGeometry
	aug := DefaultAugmentation()
	aug.HalfBodyProb, aug.RotProb, aug.FlipProb = 1, 1, 1 // every branch of Augment
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := load(bytes.NewReader(data), int64(len(data)), fuzzName)
		if err != nil {
			require.Contains(t, err.Error(), fuzzName, "the error must name the file")
			return
		}
		checkDataset(t, ds)
		kp := ds.Person.Keypoints
		samples := AnnotationSamples(ds, "images", g.InputW, g.InputH, g.BoxPadding)
		for i, s := range samples[:min(len(samples), fuzzSamples)] {
			checkSample(t, s, g)
			require.Len(t, s.Joints, kp.K(), "sample %d (annotation %d)", i, s.AnnID)
			im, ok := ds.Image(s.ImageID)
			require.True(t, ok)
			targetStage(t, s, i, im.Width, kp, aug, g)
		}
	})
}

// checkDataset checks what Load promises about a Dataset it returns.
func checkDataset(t *testing.T, ds *Dataset) {
	kp := ds.Person.Keypoints
	require.Positive(t, kp.K(), "the person category has keypoints")
	catK := map[int]int{}
	for _, c := range ds.Categories {
		_, dup := catK[c.ID]
		require.False(t, dup, "category id %d appears twice", c.ID)
		catK[c.ID] = c.Keypoints.K()
		k := c.Keypoints.K()
		require.Len(t, c.Keypoints.Upper, k)
		for _, l := range slices.Concat(c.Keypoints.Skeleton, c.Keypoints.FlipPairs) {
			require.True(t, l[0] >= 0 && l[0] < k && l[1] >= 0 && l[1] < k, "limb or flip pair %v of %d keypoints", l, k)
		}
	}
	for _, im := range ds.Images {
		require.Positive(t, im.Width, "image %d", im.ID)
		require.Positive(t, im.Height, "image %d", im.ID)
	}
	for _, a := range ds.Annotations {
		_, ok := ds.Image(a.ImageID)
		require.True(t, ok, "annotation %d: image %d", a.ID, a.ImageID)
		k, ok := catK[a.CategoryID]
		require.True(t, ok, "annotation %d: category %d", a.ID, a.CategoryID)
		require.Len(t, a.Keypoints, k, "annotation %d", a.ID)
		for _, p := range a.Keypoints {
			require.True(t, p[2] == 0 || p[2] == 1 || p[2] == 2, "annotation %d: visibility %v", a.ID, p[2])
		}
	}
}

// checkSample checks a sample's box and that the crop of it, and the map
// from the crop back to the image, have finite matrices (AffineTransform
// panics on a degenerate one).
func checkSample(t *testing.T, s Sample, g Geometry) {
	for _, v := range append(s.Center[:], s.Scale[:]...) {
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "sample of annotation %d: centre %v, scale %v", s.AnnID, s.Center, s.Scale)
	}
	require.True(t, s.Scale[0] > 0 && s.Scale[1] > 0, "sample of annotation %d: scale %v", s.AnnID, s.Scale)
	fwd := AffineTransform(s.Center, s.Scale, 0, g.InputW, g.InputH, false)
	inv := AffineTransform(s.Center, s.Scale, 0, g.InputW, g.InputH, true)
	for _, v := range append(fwd[:], inv[:]...) {
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "sample of annotation %d: crop %v, inverse %v", s.AnnID, fwd, inv)
	}
}

// targetStage runs what Loader.loadSample does to sample s of an image
// width pixels wide, short of reading the image: augment, find the crop,
// map the joints into the crop and generate the targets.
func targetStage(t *testing.T, s Sample, idx, width int, kp KeypointInfo, aug Augmentation, g Geometry) {
	joints := make([][3]float32, kp.K())
	view := Augment(SampleRand(1, 0, idx), s, width, kp, aug, float64(g.InputW)/float64(g.InputH), joints)
	tr, ok := cropTransform(view.Center, view.Scale, view.Rot, g.InputW, g.InputH)
	require.True(t, ok, "sample %d (annotation %d): view %+v", idx, s.AnnID, view)
	view.Transform(g.InputW, g.InputH)
	for j := range joints {
		if joints[j][2] > 0 {
			x, y := TransformPoint(tr, float64(joints[j][0]), float64(joints[j][1]))
			joints[j][0], joints[j][1] = float32(x), float32(y)
		}
	}
	target := make([]float32, kp.K()*g.HeatmapH*g.HeatmapW)
	weights := make([]float32, kp.K())
	GenerateTarget(target, weights, joints, g)
	for _, w := range weights {
		require.True(t, w == 0 || w == 1, "target weight %v", w)
	}
}

// FuzzLoadDetections feeds arbitrary bytes and score thresholds to
// LoadDetections' parser: it must return an error that names the file or
// detections at or above the threshold, which DetectionSamples turns into
// samples with finite centres and positive scales, or refuses with an error
// that names the detection.
func FuzzLoadDetections(f *testing.F) {
	ds, err := Load(tinyAnn)
	require.NoError(f, err)
	forSeedFiles(f, []string{tinyDets, "../testdata/eval/*/results.json"}, func(data []byte) {
		f.Add(data, 0.0)
		f.Add(data, 0.5)
	})
	for _, b := range []string{``, `[]`, `{}`, `[] []`, `[{"image_id": 1, "score": 1, "bbox": [0, 0, 1]}]`,
		`[{"image_id": 1, "category_id": 1, "score": 1, "bbox": [-5, -5, 1e308, 1e-300]}]`,
		`[{"image_id": 1, "category_id": 1, "score": 1, "bbox": [1.7e308, 1.7e308, 1.7e308, 1.7e308]}]`,
	} {
		f.Add([]byte(b), 0.0)
	}
	g := fuzzGeometry
	f.Fuzz(func(t *testing.T, data []byte, scoreThr float64) {
		dets, err := loadDetections(bytes.NewReader(data), int64(len(data)), fuzzName, scoreThr)
		if err != nil {
			require.Contains(t, err.Error(), fuzzName, "the error must name the file")
			return
		}
		for _, d := range dets {
			require.GreaterOrEqual(t, d.Score, scoreThr)
		}
		checkDetectionSamples(t, ds, dets, g)
	})
}

// FuzzDetectionSamples gives DetectionSamples one box of arbitrary
// float64s (which a file cannot hold: NaN, ±Inf), next to a valid one: a
// box that is not finite or has no area must be skipped.
func FuzzDetectionSamples(f *testing.F) {
	ds, err := Load(tinyAnn)
	require.NoError(f, err)
	f.Add(10.0, 20.0, 30.0, 40.0, 0.9)
	f.Add(math.NaN(), 0.0, 10.0, 10.0, 1.0)
	f.Add(0.0, 0.0, math.Inf(1), 10.0, 1.0)
	f.Add(-5.0, -5.0, -1.0, 10.0, 1.0)
	f.Add(1e300, 1e300, 1e-300, 1e-300, 1.0)
	f.Add(0.0, 0.0, 1e-320, 1e-320, math.NaN())
	g := fuzzGeometry
	f.Fuzz(func(t *testing.T, x, y, w, h, score float64) {
		dets := []Detection{
			{ImageID: 1, CategoryID: 1, BBox: [4]float64{66.5, 43.2, 50.1, 72.8}, Score: 0.98},
			{ImageID: 2, CategoryID: 1, BBox: [4]float64{x, y, w, h}, Score: score},
		}
		samples := checkDetectionSamples(t, ds, dets, g)
		skip := !(w > 0 && h > 0)
		for _, v := range dets[1].BBox {
			skip = skip || math.IsNaN(v) || math.IsInf(v, 0)
		}
		if skip {
			require.Len(t, samples, 1, "box %v is skipped", dets[1].BBox)
		}
	})
}

// checkDetectionSamples checks DetectionSamples on dets, and returns its
// samples: either an error that names a detection, or samples that can be
// cropped.
func checkDetectionSamples(t *testing.T, ds *Dataset, dets []Detection, g Geometry) []Sample {
	samples, err := DetectionSamples(ds, dets, "images", g.InputW, g.InputH, g.BoxPadding)
	if err != nil {
		assert.True(t, strings.HasPrefix(err.Error(), "coco: detection "), "error %q", err)
		return nil
	}
	for _, s := range samples {
		checkSample(t, s, g)
		assert.Nil(t, s.Joints)
	}
	return samples
}
