package eval

// Fuzz targets for the parsers of outside input (ground-truth and results
// JSON) and for the evaluation of whatever they accept. Plain `go test`
// runs the seeds below and the inputs saved under testdata/fuzz; to fuzz,
// run one target at a time, e.g.
//
//	go test ./eval -run '^$' -fuzz '^FuzzParseResults$' -fuzztime 4m -fuzzminimizetime 1s -parallel 1
//
// A short -fuzzminimizetime keeps a single worker fuzzing: by default it
// spends up to a minute minimising every input that adds coverage.

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixture cases whose files seed the targets: the smaller ones, since the
// fuzzer mutates a short input faster, with crowds (crowd), categories
// (multicat), num_keypoints 0 (numkp0), the bbox-area quirk (bbox_results)
// and a 5-keypoint set (custom_k5) among them.
var (
	fuzzGTFixtures      = []string{"small_only", "gt_id0", "bbox_results", "empty_images", "int_coords", "custom_k5", "numkp0", "crowd", "multicat"}
	fuzzResultsFixtures = []string{"empty_results", "small_only", "gt_id0", "int_coords", "custom_k5", "bbox_results"}
)

// fuzzMaxGroup is the largest people group ByPeople is asked for.
const fuzzMaxGroup = 3

// fuzzGTSeeds are hand-made ground truths at the edges of what the parser
// accepts, or just refuses: duplicate ids, extreme numbers, crowds,
// keypoints without labels.
var fuzzGTSeeds = []string{
	twoKpGT,
	crowdingGT,
	diagnoseGT,
	`{}`,
	`null`,
	`{"images": [], "annotations": [], "categories": []}`,
	`{"images": [{"id": 1}, {"id": 1}], "categories": [{"id": 1, "sigmas": [1]}, {"id": 1, "sigmas": [1]}],
	  "annotations": [
	   {"id": 5, "image_id": 1, "category_id": 1, "keypoints": [1, 1, 2], "num_keypoints": 1, "area": 1, "bbox": [0, 0, 1, 1]},
	   {"id": 5, "image_id": 1, "category_id": 1, "keypoints": [1, 1, 2], "num_keypoints": 1, "area": 1, "bbox": [0, 0, 1, 1]}]}`,
	`{"categories": [{"id": 1, "keypoints": ["a", "b"], "sigmas": [1e-300, 1e160]}]}`,
	`{"images": [{"id": 1}], "categories": [{"id": 1, "keypoints": ["a"], "sigmas": [1e-150]}],
	  "annotations": [
	   {"id": 1, "image_id": 1, "category_id": 1, "keypoints": [1e308, -1e308, 2], "num_keypoints": 1, "area": 0, "bbox": [1e308, -1e308, 1e308, 1e308], "iscrowd": 0},
	   {"id": 2, "image_id": 1, "category_id": 1, "keypoints": [0, 0, 0], "num_keypoints": 0, "area": -5, "bbox": [-1e308, 0, -1e308, 0], "iscrowd": true},
	   {"id": 0, "image_id": 1, "category_id": 1, "keypoints": [3, 3, -1], "num_keypoints": -3, "area": 1e10, "bbox": [0, 0, 0, 0], "iscrowd": 0.5}]}`,
	`{"images": [{"id": 1}], "categories": [{"id": 1, "keypoints": ["left_a", "right_a"], "sigmas": [0.1, 0.1]}],
	  "annotations": [
	   {"id": 1, "image_id": 1, "category_id": 1, "keypoints": [0, 0, 0, 0, 0, 0], "num_keypoints": 2, "area": 100, "bbox": [10, 10, 5, 5]},
	   {"id": 2, "image_id": 1, "category_id": 1, "keypoints": [], "num_keypoints": 0, "area": 100, "bbox": [10, 10, 5, 5]}]}`,
}

// fuzzResultSeeds are hand-made result lists for twoKpGT (2 keypoints):
// ties, extreme numbers, an empty list, results on other categories.
var fuzzResultSeeds = []string{
	`[]`,
	`[{"image_id": 1, "category_id": 1, "keypoints": [10, 10, 1, 20, 20, 1], "score": 0.5},
	  {"image_id": 1, "category_id": 1, "keypoints": [10, 10, 1, 20, 20, 1], "score": 0.5},
	  {"image_id": 2, "category_id": 1, "keypoints": [10, 10, 1, 20, 20, 1], "score": 0.5}]`,
	`[{"image_id": 1, "category_id": 1, "keypoints": [1e308, -1e308, 1e308, -1e308, 1e308, -1e308], "score": 1.7976931348623157e308},
	  {"image_id": 1, "category_id": 1, "keypoints": [-1e308, 1e308, -1, 1e308, -1e308, 0], "score": -1.7976931348623157e308},
	  {"image_id": 2, "category_id": 1, "keypoints": [5e-324, -0, 0, 0, 0, 0], "score": -0}]`,
	`[{"image_id": 1, "category_id": 1, "keypoints": [10, 10, 1, 20, 20, 1], "score": 0.5, "bbox": [0, 0, 1e200, 1e200]},
	  {"image_id": 2, "category_id": 7, "keypoints": [10, 10, 1, 20, 20, 1], "score": 0.9, "bbox": [0, 0, -1, 3]}]`,
	`[{"image_id": 1, "category_id": 1, "keypoints": [10, 10, 1, 20, 20, 1], "score": 0.5, "id": 3, "extra": {"a": [1, "b\"", null, true]}}]`,
	`[{"image_id": 1, "category_id": 1, "keypoints": [10, 10, 1, 20, 20, 1], "score": 0.5, "Score": 0.25, "IMAGE_ID": 2}]`,
}

// readFixture returns the named file of a fixture case.
func readFixture(f *testing.F, name, file string) []byte {
	f.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name, file))
	require.NoError(f, err)
	return data
}

// FuzzParseGroundTruth: ParseGroundTruth never panics on any bytes, and what
// it accepts holds what Evaluate relies on; the accepted ground truth is
// then evaluated against detections copied from its own annotations.
func FuzzParseGroundTruth(f *testing.F) {
	for _, name := range fuzzGTFixtures {
		f.Add(readFixture(f, name, "gt.json"))
	}
	for _, s := range fuzzGTSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		gt, err := ParseGroundTruth(data)
		if err != nil {
			assert.Nil(t, gt)
			assert.NotEmpty(t, err.Error())
			return
		}
		checkGroundTruth(t, gt)
		sig, err := gt.Sigmas()
		if err != nil {
			return
		}
		p := DefaultParams()
		p.Sigmas = sig
		evaluateAndCheck(t, gt, selfResults(gt, len(sig)), p)
	})
}

// checkGroundTruth checks what Evaluate takes for granted of a parsed
// ground truth.
func checkGroundTruth(t *testing.T, gt *GroundTruth) {
	t.Helper()
	for _, im := range gt.Images {
		assert.True(t, gt.HasImage(im.ID), "image %d listed but not indexed", im.ID)
	}
	for _, c := range gt.Categories {
		assert.True(t, gt.HasCategory(c.ID), "category %d listed but not indexed", c.ID)
		if len(c.Sigmas) > 0 && len(c.Keypoints) > 0 {
			assert.Len(t, c.Sigmas, len(c.Keypoints), "category %d", c.ID)
		}
		for j, s := range c.Sigmas {
			assert.NoError(t, checkSigma(j, s), "category %d", c.ID)
		}
	}
	for _, a := range gt.Annotations {
		if !gt.HasImage(a.ImageID) || !gt.HasCategory(a.CategoryID) {
			continue // never evaluated
		}
		assert.NotNil(t, a.Keypoints, "annotation %d", a.ID)
		assert.Zero(t, len(a.Keypoints)%3, "annotation %d", a.ID)
		assertFinite(t, a.Keypoints, fmt.Sprintf("annotation %d keypoints", a.ID))
		assertFinite(t, a.Bbox[:], fmt.Sprintf("annotation %d bbox", a.ID))
		assertFinite(t, []float64{a.Area}, fmt.Sprintf("annotation %d area", a.ID))
	}
	k := gt.NumKeypoints()
	assert.GreaterOrEqual(t, k, 0)
	assert.Len(t, gt.KeypointNames(k), k)
	if sig, err := gt.Sigmas(); err == nil {
		assert.NotEmpty(t, sig)
	}
}

func assertFinite(t *testing.T, v []float64, what string) {
	t.Helper()
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Errorf("%s[%d] is %v", what, i, x)
		}
	}
}

// selfResults turns every evaluated annotation with k keypoints into a
// detection at the labelled positions, with scores that tie in threes.
func selfResults(gt *GroundTruth, k int) []Result {
	var res []Result
	for i, a := range gt.Annotations {
		if !gt.HasImage(a.ImageID) || !gt.HasCategory(a.CategoryID) || len(a.Keypoints) != 3*k {
			continue
		}
		kp := append([]float64(nil), a.Keypoints...)
		for j := 2; j < len(kp); j += 3 {
			kp[j] = 1
		}
		res = append(res, Result{ImageID: a.ImageID, CategoryID: a.CategoryID, Keypoints: kp, Score: float64(i/3) / 4})
	}
	return res
}

// FuzzParseResults: ParseResults never panics on any bytes; whenever the
// fast scanner answers, encoding/json gives the same results, bit for bit;
// and results that pass CheckResults against twoKpGT evaluate cleanly.
func FuzzParseResults(f *testing.F) {
	for _, name := range fuzzResultsFixtures {
		f.Add(readFixture(f, name, "results.json"))
	}
	for _, s := range fuzzResultSeeds {
		f.Add([]byte(s))
	}
	gt, err := ParseGroundTruth([]byte(twoKpGT))
	require.NoError(f, err)
	p := DefaultParams()
	p.Sigmas, err = gt.Sigmas()
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseResults(data)
		if fast, ok := fastResults(data); ok {
			slow, err := slowResults(data)
			require.NoError(t, err, "the fast scanner took what encoding/json refuses")
			assertSameResults(t, slow, fast)
		}
		if err != nil {
			assert.Nil(t, res)
			assert.NotEmpty(t, err.Error())
			return
		}
		for i, r := range res {
			assert.NotNil(t, r.Keypoints, "result %d", i)
		}
		if CheckResults(gt, res, len(p.Sigmas)) != nil {
			return
		}
		evaluateAndCheck(t, gt, res, p)
	})
}

// assertSameResults compares two result lists, floats by their bits.
func assertSameResults(t *testing.T, want, got []Result) {
	t.Helper()
	require.Len(t, got, len(want))
	bits := func(v []float64) []uint64 {
		if v == nil {
			return nil
		}
		b := make([]uint64, len(v))
		for i, x := range v {
			b[i] = math.Float64bits(x)
		}
		return b
	}
	for i := range want {
		w, g := want[i], got[i]
		assert.Equal(t, w.ImageID, g.ImageID, "result %d image_id", i)
		assert.Equal(t, w.CategoryID, g.CategoryID, "result %d category_id", i)
		assert.Equal(t, math.Float64bits(w.Score), math.Float64bits(g.Score), "result %d score %v, %v", i, w.Score, g.Score)
		assert.Equal(t, bits(w.Keypoints), bits(g.Keypoints), "result %d keypoints", i)
		assert.Equal(t, bits(w.Bbox), bits(g.Bbox), "result %d bbox", i)
	}
}

// FuzzEvaluate parses a ground truth and a results list (both fuzzed,
// seeded with the fixture pairs), then, when both parse and CheckResults
// passes, runs Evaluate, ByPeople and the error diagnosis, checking that
// every number is -1 or in [0, 1]. v and at put one arbitrary float64 (NaN
// and ±Inf included) into one number of the parsed results, as a Go caller
// could: results holding a non-finite number must be refused with an error
// naming the result.
func FuzzEvaluate(f *testing.F) {
	for _, name := range fuzzResultsFixtures {
		f.Add(readFixture(f, name, "gt.json"), readFixture(f, name, "results.json"), 0.5, uint16(0))
	}
	for i, s := range fuzzResultSeeds {
		f.Add([]byte(twoKpGT), []byte(s), math.NaN(), uint16(i))
		f.Add([]byte(twoKpGT), []byte(s), math.Inf(-1), uint16(7*i+3))
		f.Add([]byte(twoKpGT), []byte(s), 1e300, uint16(5*i+1))
	}
	f.Add([]byte(crowdingGT), []byte(fuzzResultSeeds[1]), math.NaN(), uint16(1))
	// Only a later result has a bbox: areas come from keypoints throughout,
	// in ByPeople's groups too.
	f.Add([]byte(crowdingGT), []byte(`[{"image_id": 1, "category_id": 1, "keypoints": [100, 100, 1, 100, 300, 1], "score": 0.9},
	  {"image_id": 2, "category_id": 1, "keypoints": [100, 100, 1, 100, 300, 1], "score": 0.8, "bbox": [0, 0, 1, 1]},
	  {"image_id": 2, "category_id": 1, "keypoints": [300, 100, 1, 300, 300, 1], "score": 0.7}]`), 0.0, uint16(0))
	f.Fuzz(func(t *testing.T, gtData, resData []byte, v float64, at uint16) {
		gt, err := ParseGroundTruth(gtData)
		if err != nil {
			return
		}
		sig, err := gt.Sigmas()
		if err != nil {
			return
		}
		p := DefaultParams()
		p.Sigmas = sig
		res, err := ParseResults(resData)
		if err != nil {
			return
		}
		if len(res) > 0 && at != 0 {
			r := &res[int(at)%len(res)]
			nums := len(r.Keypoints) + 1 + len(r.Bbox) // keypoints, score, bbox
			switch j := int(at) / len(res) % nums; {
			case j < len(r.Keypoints):
				r.Keypoints[j] = v
			case j == len(r.Keypoints):
				r.Score = v
			default:
				r.Bbox[j-len(r.Keypoints)-1] = v
			}
		}
		if err := CheckResults(gt, res, len(sig)); err != nil {
			_, eerr := Evaluate(gt, res, p)
			require.Error(t, eerr, "Evaluate took results CheckResults refuses: %v", err)
			assert.Contains(t, eerr.Error(), "eval: result ")
			return
		}
		evaluateAndCheck(t, gt, res, p)
	})
}

// evaluateAndCheck runs Evaluate, ByPeople and every report on gt and res.
// Evaluate may refuse a ground truth whose keypoint count is not the
// sigmas'; whatever it accepts must give numbers that are -1 or in [0, 1].
func evaluateAndCheck(t *testing.T, gt *GroundTruth, res []Result, p Params) {
	t.Helper()
	s, err := Evaluate(gt, res, p)
	if err != nil {
		assert.NotEmpty(t, err.Error())
		return
	}
	checkSummary(t, s, len(res))
	groups, err := ByPeople(gt, res, p, fuzzMaxGroup)
	require.NoError(t, err, "ByPeople refused what Evaluate took")
	for _, g := range groups {
		assert.Positive(t, g.Images, "group %s", g.Label())
		assert.LessOrEqual(t, g.People, fuzzMaxGroup)
		checkSummary(t, g.Summary, g.Summary.NumResults)
	}
	assert.NoError(t, WritePeopleGroups(io.Discard, groups))
}

// checkSummary checks every number of s and writes every report of it.
func checkSummary(t *testing.T, s *Summary, numResults int) {
	t.Helper()
	valid := func(x float64) bool { return x == -1 || (x >= 0 && x <= 1) }
	for i, x := range s.Stats {
		assert.True(t, valid(x), "%s = %v", StatNames[i], x)
	}
	for i, x := range s.Precision {
		if !valid(x) {
			t.Errorf("precision[%d] = %v", i, x)
			break
		}
	}
	for i, x := range s.Recall {
		if !valid(x) {
			t.Errorf("recall[%d] = %v", i, x)
			break
		}
	}
	for _, st := range s.ByThreshold() {
		assert.True(t, valid(st.AP) && valid(st.AR), "OKS %v: AP %v, AR %v", st.OKS, st.AP, st.AR)
	}
	assert.Equal(t, numResults, s.NumResults)
	assert.True(t, s.SkippedResults >= 0 && s.SkippedResults <= s.NumResults, "skipped %d of %d", s.SkippedResults, s.NumResults)
	require.Len(t, s.PerKeypoint, len(s.Params.Sigmas))
	for _, k := range s.PerKeypoint {
		assert.True(t, valid(k.MeanSimilarity), "%s: mean similarity %v", k.Name, k.MeanSimilarity)
		assert.Equal(t, k.Labelled == 0, k.MeanSimilarity == -1, "%s: %d labelled, mean %v", k.Name, k.Labelled, k.MeanSimilarity)
	}
	d := s.Errors
	require.NotNil(t, d)
	assert.True(t, d.Unmatched >= 0 && d.Unmatched <= d.People, "%d unmatched of %d people", d.Unmatched, d.People)
	paired := d.People - d.Unmatched
	for _, k := range d.Keypoints {
		for c := range NumErrorKinds {
			assert.True(t, k.Hidden[c] >= 0 && k.Visible[c] >= 0, "%s %s", k.Name, c)
		}
		assert.LessOrEqual(t, k.Labelled(), paired, "%s labelled in more pairs than there are", k.Name)
	}
	// WriteThresholds is left out: it prints ByThreshold, checked above,
	// and each costs as much as Evaluate's own summary.
	for _, w := range []func(io.Writer) error{s.WriteText, s.WriteErrors, s.WritePerKeypoint} {
		assert.NoError(t, w(io.Discard))
	}
	assert.NotEmpty(t, s.JSON())
}

// fuzzEvalGT is FuzzEvaluateDetections' ground truth: 3 keypoints with a
// left/right pair, two categories, and the cases matching treats apart: a
// crowd, a person without labelled keypoints, id 0, areas
// on the range bounds, zero and below zero, an annotation of an unlisted
// category and an image nobody is on.
const fuzzEvalGT = `{
 "images": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, {"id": 5}],
 "categories": [{"id": 1, "keypoints": ["nose", "left_eye", "right_eye"], "sigmas": [0.026, 0.025, 0.025]},
                {"id": 2, "keypoints": ["nose", "left_eye", "right_eye"], "sigmas": [0.026, 0.025, 0.025]}],
 "annotations": [
  {"id": 1, "image_id": 1, "category_id": 1, "keypoints": [100, 100, 2, 90, 90, 2, 110, 90, 1], "num_keypoints": 3, "area": 10000, "bbox": [50, 50, 100, 100]},
  {"id": 2, "image_id": 1, "category_id": 1, "keypoints": [104, 100, 2, 0, 0, 0, 114, 90, 2], "num_keypoints": 2, "area": 2000, "bbox": [60, 60, 50, 40]},
  {"id": 0, "image_id": 2, "category_id": 1, "keypoints": [300, 300, 2, 290, 290, 2, 310, 290, 2], "num_keypoints": 3, "area": 5000, "bbox": [250, 250, 100, 50]},
  {"id": 3, "image_id": 2, "category_id": 1, "keypoints": [0, 0, 0, 0, 0, 0, 0, 0, 0], "num_keypoints": 0, "area": 50000, "bbox": [0, 0, 500, 100], "iscrowd": 1},
  {"id": 4, "image_id": 2, "category_id": 1, "keypoints": [0, 0, 0, 0, 0, 0, 0, 0, 0], "num_keypoints": 0, "area": 500, "bbox": [400, 400, 20, 25]},
  {"id": 5, "image_id": 3, "category_id": 2, "keypoints": [50, 50, 2, 45, 45, 2, 55, 45, 2], "num_keypoints": 3, "area": 0, "bbox": [40, 40, 20, 20]},
  {"id": 6, "image_id": 3, "category_id": 1, "keypoints": [500, 500, 2, 480, 480, 1, 520, 480, 2], "num_keypoints": 3, "area": 1e10, "bbox": [0, 0, 1e5, 1e5]},
  {"id": 7, "image_id": 3, "category_id": 1, "keypoints": [700, 700, 1, 690, 690, 2, 710, 690, 2], "num_keypoints": 3, "area": 9216, "bbox": [650, 650, 96, 96]},
  {"id": 8, "image_id": 4, "category_id": 3},
  {"id": 11, "image_id": 4, "category_id": 1, "keypoints": [10, 10, 2, 5, 5, 2, 15, 5, 2], "num_keypoints": 3, "area": 1024, "bbox": [0, 0, 32, 32]},
  {"id": 9, "image_id": 4, "category_id": 1, "keypoints": [10, 10, 2, 5, 5, 2, 15, 5, 2], "num_keypoints": 3, "area": -2.220446049250313e-16, "bbox": [0, 0, 1, 1]},
  {"id": 10, "image_id": 4, "category_id": 2, "keypoints": [10, 10, 2, 5, 5, 2, 15, 5, 2], "num_keypoints": 3, "area": -1, "bbox": [0, 0, 1, 1]}
 ]}`

// Tables the fuzzer's bytes index into (see detectionsFromBytes).
var (
	fuzzImages     = []int64{1, 2, 3, 4, 5}
	fuzzCategories = []int64{1, 2, 9} // 9 is not in the ground truth: skipped
	fuzzScores     = []float64{0, math.Copysign(0, -1), 1, 0.5, 5e-324, -1e-300, 1e308, -math.MaxFloat64, math.MaxFloat64,
		math.NaN(), math.Inf(1), math.Inf(-1)}
	fuzzOffsets = []float64{0, 1, -3, 8, -30, 200, 1e154, -1e308}
	fuzzSizes   = []float64{10, 0, -5, 1e200}
	fuzzMirror  = []int{0, 2, 1} // nose; left_eye ↔ right_eye
)

// detectionsFromBytes builds results on fuzzEvalGT from data. data[0]&1
// gives every result a bbox, then data[0]&2 drops the first one's (areas
// then come from keypoints) and data[0]&4 the last one's (refused when the
// first has one); then
// each result takes 3+k bytes: image and category; score (one of
// fuzzScores, else a multiple of 1/16, so that scores tie); the annotation
// whose keypoints it starts from, and its bbox size; and per keypoint a
// byte whose top two bits pick the point it lands near (the same keypoint,
// its mirror, the same keypoint of the next annotation in the file, or the
// origin) and whose other six bits its x and y offsets.
func detectionsFromBytes(gt *GroundTruth, k int, data []byte) []Result {
	if len(data) == 0 {
		return nil
	}
	header, data := data[0], data[1:]
	anns := gt.Annotations
	var res []Result
	for ; len(data) >= 3+k; data = data[3+k:] {
		b := data[:3+k]
		r := Result{ImageID: fuzzImages[int(b[0])%len(fuzzImages)], CategoryID: fuzzCategories[int(b[0])/len(fuzzImages)%len(fuzzCategories)]}
		if int(b[1]) < len(fuzzScores) {
			r.Score = fuzzScores[b[1]]
		} else {
			r.Score = float64(b[1]) / 16
		}
		src := int(b[2]) % len(anns)
		r.Keypoints = make([]float64, 3*k)
		for j := range k {
			c := b[3+j]
			var near []float64 // the keypoints it lands near, m-th of them
			m := j
			switch c >> 6 {
			case 0:
				near = anns[src].Keypoints
			case 1:
				near, m = anns[src].Keypoints, fuzzMirror[j]
			case 2:
				near = anns[(src+1)%len(anns)].Keypoints
			}
			var x, y float64 // the origin, or a keypoint when near has one
			if len(near) == 3*k {
				x, y = near[3*m], near[3*m+1]
			}
			r.Keypoints[3*j] = x + fuzzOffsets[c&7]
			r.Keypoints[3*j+1] = y + fuzzOffsets[c>>3&7]
			r.Keypoints[3*j+2] = float64(c) / 255
		}
		if header&1 != 0 {
			size := fuzzSizes[int(b[2])>>4%len(fuzzSizes)]
			r.Bbox = []float64{r.Keypoints[0], r.Keypoints[1], size, size * 2}
		}
		res = append(res, r)
	}
	if header&2 != 0 && len(res) > 0 {
		res[0].Bbox = nil
	}
	if header&4 != 0 && len(res) > 0 {
		res[len(res)-1].Bbox = nil
	}
	return res
}

// FuzzEvaluateDetections evaluates detections built from the fuzzer's bytes
// (detectionsFromBytes) against fuzzEvalGT, so that nearly every input
// reaches matching: ties, more than MaxDets results on an image, extreme,
// NaN and infinite scores and coordinates, crowds, id 0, empty lists.
// Results with a non-finite number must be refused with an error naming
// the result; everything else must evaluate to numbers that are -1 or in
// [0, 1].
func FuzzEvaluateDetections(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 20, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 20, 0, 0, 0, 0, 0, 20, 1, 0, 0, 0, 1, 20, 2, 0, 0, 0, 6, 20, 5, 9, 9, 9})
	f.Add([]byte{1, 0, 9, 0, 0, 0, 0, 0, 10, 1, 0x40, 0x40, 0x40})
	f.Add([]byte{5, 0, 30, 0, 0, 0, 0, 0, 30, 1, 0x80, 0x80, 0x80})
	f.Add([]byte{3, 0, 30, 0, 0, 0, 0, 3, 30, 1, 0x80, 0x80, 0x80})
	many := []byte{0}
	for i := range 30 { // 30 detections on image 1, all tying at one score
		many = append(many, 0, 40, byte(i), byte(i), byte(i*7), byte(i*13))
	}
	f.Add(many)
	gt, err := ParseGroundTruth([]byte(fuzzEvalGT))
	require.NoError(f, err)
	p := DefaultParams()
	p.Sigmas, err = gt.Sigmas()
	require.NoError(f, err)
	k := len(p.Sigmas)
	f.Fuzz(func(t *testing.T, data []byte) {
		res := detectionsFromBytes(gt, k, data)
		nonFinite := false
		for _, r := range res {
			for _, v := range append(append([]float64{r.Score}, r.Keypoints...), r.Bbox...) {
				nonFinite = nonFinite || math.IsNaN(v) || math.IsInf(v, 0)
			}
		}
		if err := CheckResults(gt, res, k); err != nil || nonFinite {
			require.Error(t, err, "CheckResults took a non-finite number")
			_, eerr := Evaluate(gt, res, p)
			require.Error(t, eerr)
			assert.Contains(t, eerr.Error(), "eval: result ")
			return
		}
		evaluateAndCheck(t, gt, res, p)
	})
}
