package eval

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// twoKpGT is a ground truth with 2-keypoint persons on images 1 and 2.
const twoKpGT = `{
 "images": [{"id": 1}, {"id": 2}],
 "categories": [{"id": 1, "name": "person", "keypoints": ["a", "b"], "sigmas": [0.5, 0.5]}],
 "annotations": [
  {"id": 1, "image_id": 1, "category_id": 1, "keypoints": [10, 10, 2, 20, 20, 2], "num_keypoints": 2,
   "area": 100, "bbox": [5, 5, 20, 20], "iscrowd": 0}
 ]
}`

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestLoadGroundTruthErrors(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr []string // substrings of the error
	}{
		{name: "malformed", json: "{\n \"images\": [\n  {\"id\": 1},,\n]}", wantErr: []string{"gt.json", "line 3 column"}},
		{name: "wrong type", json: `{"images": [{"id": "one"}]}`, wantErr: []string{"gt.json", "line 1", "string"}},
		{name: "truncated", json: `{"images": [`, wantErr: []string{"gt.json", "unexpected end"}},
		{name: "NaN literal", json: `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "keypoints": [NaN, 1, 2], "num_keypoints": 1, "area": 1, "bbox": [0,0,1,1]}]}`,
			wantErr: []string{"gt.json", "non-finite number NaN"}},
		{name: "no keypoints", json: `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "num_keypoints": 1, "area": 1, "bbox": [0,0,1,1]}]}`,
			wantErr: []string{"annotation id 7", "no keypoints"}},
		{name: "no area", json: `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "keypoints": [1,1,2], "num_keypoints": 1, "bbox": [0,0,1,1]}]}`,
			wantErr: []string{"annotation id 7", "no area"}},
		{name: "short bbox", json: `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "keypoints": [1,1,2], "num_keypoints": 1, "area": 1, "bbox": [0,0,1]}]}`,
			wantErr: []string{"annotation id 7", "bbox has 3 values"}},
		{name: "keypoints not triples", json: `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "keypoints": [1,1], "num_keypoints": 1, "area": 1, "bbox": [0,0,1,1]}]}`,
			wantErr: []string{"annotation id 7", "2 keypoint values"}},
		{name: "overflowing number", json: `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "keypoints": [1,1,2], "num_keypoints": 1, "area": 1e999, "bbox": [0,0,1,1]}]}`,
			wantErr: []string{"gt.json", "1e999"}},
		{name: "sigma squared underflows", json: `{"categories": [{"id": 1, "keypoints": ["a"], "sigmas": [1e-200]}]}`,
			wantErr: []string{"category 1: sigma 0 is 1e-200", "(2·sigma)² finite and non-zero"}},
		{name: "sigma squared overflows", json: `{"categories": [{"id": 2, "sigmas": [0.1, 1e160]}]}`,
			wantErr: []string{"category 2: sigma 1 is 1e+160"}},
		{name: "sigmas disagree with keypoints", json: `{"categories": [{"id": 1, "keypoints": ["a", "b"], "sigmas": [0.1]}]}`,
			wantErr: []string{"1 sigmas for 2 keypoints"}},
		{name: "repeated id", json: `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "keypoints": [1,1,2], "num_keypoints": 1, "area": 1, "bbox": [0,0,1,1]}, {"id": 7, "image_id": 1, "category_id": 1, "keypoints": [3,3,2], "num_keypoints": 1, "area": 1, "bbox": [0,0,3,3]}]}`,
			wantErr: []string{"gt.json", "annotation id 7 repeated", "annotations[0] and annotations[1]"}},
		{name: "bad iscrowd", json: `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "iscrowd": "yes"}]}`,
			wantErr: []string{"iscrowd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadGroundTruth(writeTemp(t, "gt.json", tt.json))
			require.Error(t, err)
			for _, s := range tt.wantErr {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestLoadGroundTruthLenient(t *testing.T) {
	// An annotation on an image or category outside the lists is never
	// evaluated, so it needs no keypoints; a missing iscrowd means 0.
	gt, err := ParseGroundTruth([]byte(`{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [
		{"id": 1, "image_id": 9, "category_id": 1},
		{"id": 2, "image_id": 1, "category_id": 3},
		{"id": 3, "image_id": 1, "category_id": 1, "keypoints": [1,1,2], "num_keypoints": 1, "area": 4, "bbox": [0,0,2,2], "iscrowd": true}]}`))
	require.NoError(t, err)
	require.Len(t, gt.Annotations, 3)
	assert.True(t, gt.Annotations[2].IsCrowd)
	assert.False(t, gt.Annotations[0].IsCrowd)
}

func TestLoadResultsErrors(t *testing.T) {
	gtPath := writeTemp(t, "gt.json", twoKpGT)
	gt, err := LoadGroundTruth(gtPath)
	require.NoError(t, err)
	tests := []struct {
		name    string
		json    string
		wantErr []string
	}{
		{name: "malformed", json: "[\n{\"image_id\": 1,\n \"score\" 0.5}]", wantErr: []string{"res.json", "line 3 column"}},
		{name: "not an array", json: `{"image_id": 1}`, wantErr: []string{"res.json", "JSON array"}},
		{name: "unknown image", json: `[{"image_id": 1, "category_id": 1, "keypoints": [1,1,1,2,2,1], "score": 1},
			{"image_id": 42, "category_id": 1, "keypoints": [1,1,1,2,2,1], "score": 1}]`,
			wantErr: []string{"result 1", "image_id 42 is not in the ground truth"}},
		{name: "keypoints not triples", json: `[{"image_id": 1, "category_id": 1, "keypoints": [1,1,1,2], "score": 1}]`,
			wantErr: []string{"result 0", "4 keypoint values"}},
		{name: "no score", json: `[{"image_id": 1, "category_id": 1, "keypoints": [1,1,1,2,2,1]}]`,
			wantErr: []string{"result 0", "no score"}},
		{name: "no keypoints", json: `[{"image_id": 1, "category_id": 1, "score": 1}]`,
			wantErr: []string{"result 0", "no keypoints"}},
		{name: "Infinity literal", json: `[{"image_id": 1, "category_id": 1, "keypoints": [1,1,1,2,-Infinity,1], "score": 1}]`,
			wantErr: []string{"res.json", "non-finite number -Infinity"}},
		{name: "NaN score", json: `[{"image_id": 1, "category_id": 1, "keypoints": [1,1,1,2,2,1], "score": NaN}]`,
			wantErr: []string{"res.json", "non-finite number NaN"}},
		{name: "bbox quirk needs every bbox", json: `[{"image_id": 1, "category_id": 1, "keypoints": [1,1,1,2,2,1], "score": 1, "bbox": [0,0,1,1]},
			{"image_id": 1, "category_id": 1, "keypoints": [1,1,1,2,2,1], "score": 1}]`,
			wantErr: []string{"result 1", "bbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadResults(writeTemp(t, "res.json", tt.json), gt)
			require.Error(t, err)
			for _, s := range tt.wantErr {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
	_, err = LoadResults(filepath.Join(t.TempDir(), "missing.json"), gt)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestEvaluateErrors(t *testing.T) {
	gt, err := ParseGroundTruth([]byte(twoKpGT))
	require.NoError(t, err)
	sig, err := gt.Sigmas()
	require.NoError(t, err)
	good := func() []Result {
		return []Result{{ImageID: 1, CategoryID: 1, Keypoints: []float64{10, 10, 1, 20, 20, 1}, Score: 0.5}}
	}
	tests := []struct {
		name    string
		mutate  func(p *Params, r []Result) []Result
		wantErr string
	}{
		{name: "wrong keypoint count for sigmas", mutate: func(p *Params, r []Result) []Result {
			r = append(r, Result{ImageID: 2, CategoryID: 1, Keypoints: []float64{1, 1, 1}, Score: 1})
			return r
		}, wantErr: "result 1: 3 keypoint values, want 6"},
		{name: "ground truth of another K", mutate: func(p *Params, r []Result) []Result {
			p.Sigmas = COCOSigmas()
			return r
		}, wantErr: "result 0: 6 keypoint values, want 51"},
		{name: "NaN keypoint", mutate: func(p *Params, r []Result) []Result {
			r[0].Keypoints[3] = nan()
			return r
		}, wantErr: "result 0: keypoints[3] is NaN"},
		{name: "unknown image", mutate: func(p *Params, r []Result) []Result {
			r[0].ImageID = 5
			return r
		}, wantErr: "image_id 5 is not in the ground truth"},
		{name: "no sigmas", mutate: func(p *Params, r []Result) []Result {
			p.Sigmas = nil
			return r
		}, wantErr: "no keypoint sigmas"},
		{name: "sigma squared underflows", mutate: func(p *Params, r []Result) []Result {
			p.Sigmas = []float64{0.5, 1e-170}
			return r
		}, wantErr: "eval: params: sigma 1 is 1e-170"},
		{name: "zero max dets", mutate: func(p *Params, r []Result) []Result {
			p.MaxDets = 0
			return r
		}, wantErr: "MaxDets 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultParams()
			p.Sigmas = sig
			r := tt.mutate(&p, good())
			_, err := Evaluate(gt, r, p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// TestEvaluateNamesGroundTruthFile: ground truth whose keypoints do not
// match the sigmas in use (given with --sigmas) is an error naming the file
// and the annotation.
func TestEvaluateNamesGroundTruthFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gt.json")
	require.NoError(t, os.WriteFile(path, []byte(twoKpGT), 0o644))
	gt, err := LoadGroundTruth(path)
	require.NoError(t, err)
	assert.Equal(t, path, gt.Path)
	p := DefaultParams()
	p.Sigmas = COCOSigmas()
	_, err = Evaluate(gt, nil, p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "eval: ground truth "+path+": annotation id ")
	assert.Contains(t, err.Error(), "6 keypoint values, want 51 (17 sigmas)")
}

func nan() float64 { z := 0.0; return z / z }

func TestEvaluateEmptyAndSkipped(t *testing.T) {
	gt, err := ParseGroundTruth([]byte(twoKpGT))
	require.NoError(t, err)
	sig, err := gt.Sigmas()
	require.NoError(t, err)
	p := DefaultParams()
	p.Sigmas = sig

	s, err := Evaluate(gt, nil, p)
	require.NoError(t, err)
	// The one person has area 100: "all" has ground truth (0), medium and
	// large have none (-1).
	assert.InDeltaSlice(t, []float64{0, 0, 0, -1, -1, 0, 0, 0, -1, -1}, s.Stats[:], 0)

	// A perfect detection scores 1 in "all"; one of category 3 (not in the
	// ground truth) is skipped, not counted as a false positive.
	res := []Result{
		{ImageID: 1, CategoryID: 1, Keypoints: []float64{10, 10, 1, 20, 20, 1}, Score: 0.5},
		{ImageID: 1, CategoryID: 3, Keypoints: []float64{50, 50, 1, 60, 60, 1}, Score: 0.9},
	}
	s, err = Evaluate(gt, res, p)
	require.NoError(t, err)
	// Precision is tp/(tp+fp+ε) = 1/(1+2⁻⁵²), a hair below 1, as in pycocotools.
	assert.InDeltaSlice(t, []float64{1, 1, 1, -1, -1, 1, 1, 1, -1, -1}, s.Stats[:], 1e-15)
	assert.Less(t, s.Stats[0], 1.0)
	assert.Equal(t, 1, s.SkippedResults)
	require.Len(t, s.PerKeypoint, 2)
	assert.Equal(t, KeypointStat{Name: "a", Labelled: 1, MeanSimilarity: 1}, s.PerKeypoint[0])
}

func TestGroundTruthSigmas(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    []float64
		wantErr string
	}{
		{name: "from category", json: twoKpGT, want: []float64{0.5, 0.5}},
		{name: "COCO default for 17", json: `{"categories": [{"id": 1, "keypoints": ["0","1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16"]}]}`, want: COCOSigmas()},
		{name: "other K without sigmas", json: `{"categories": [{"id": 1, "keypoints": ["a","b","c"]}]}`, wantErr: "3 keypoints and no sigmas"},
		{name: "disagreeing categories", json: `{"categories": [{"id": 1, "sigmas": [0.1]}, {"id": 2, "sigmas": [0.2]}]}`, wantErr: "disagree"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gt, err := ParseGroundTruth([]byte(tt.json))
			require.NoError(t, err)
			got, err := gt.Sigmas()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.InDeltaSlice(t, tt.want, got, 0)
		})
	}
}

// TestEvaluateManyEmptyCells: a ground truth listing many images and many
// categories, with few annotations, costs memory in proportion to the file,
// not to images × categories (which pycocotools' layout would suggest: a
// 240 kB file of 10,000 of each once took gigabytes).
func TestEvaluateManyEmptyCells(t *testing.T) {
	const nImg, nCat = 20000, 50
	var b strings.Builder
	b.WriteString(`{"images": [`)
	for i := range nImg {
		fmt.Fprintf(&b, `{"id": %d},`, i)
	}
	b.WriteString(`{"id": -1}], "categories": [`)
	for c := range nCat {
		fmt.Fprintf(&b, `{"id": %d, "keypoints": ["a", "b"], "sigmas": [0.5, 0.5]},`, c)
	}
	b.WriteString(`{"id": -1, "keypoints": ["a", "b"], "sigmas": [0.5, 0.5]}], "annotations": [
	 {"id": 1, "image_id": 7, "category_id": 3, "keypoints": [10, 10, 2, 20, 20, 2], "num_keypoints": 2, "area": 100, "bbox": [5, 5, 20, 20]}]}`)
	gt, err := ParseGroundTruth([]byte(b.String()))
	require.NoError(t, err)
	p := DefaultParams()
	p.Sigmas = []float64{0.5, 0.5}
	res := []Result{{ImageID: 7, CategoryID: 3, Keypoints: []float64{10, 10, 1, 20, 20, 1}, Score: 1}}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s, err := Evaluate(gt, res, p)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.InDelta(t, 1, s.Stats[0], 1e-15)
	// Precision alone is 10×101×51×3 floats, 1.2 MB; one pointer per
	// (category, image) pair would be 8 MB more.
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20), "bytes allocated")
}
