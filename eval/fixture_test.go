package eval

import (
	"cmp"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureDir holds the GT/results pairs and pycocotools' answers written by
// scripts/fixtures_eval.py.
const fixtureDir = "../testdata/eval"

// tolerance is the agreement issue 6 asks for on every summary number.
const tolerance = 1e-12

type expected struct {
	Stats   []float64 `json:"stats"`
	Lines   []string  `json:"lines"`
	Sigmas  []float64 `json:"sigmas"`
	IouThrs []float64 `json:"iouThrs"`
	RecThrs []float64 `json:"recThrs"`
	OKS     []struct {
		ImageID    int64       `json:"image_id"`
		CategoryID int64       `json:"category_id"`
		Matrix     [][]float64 `json:"matrix"`
	} `json:"oks"`
	Precision []float64 `json:"precision"`
	Recall    []float64 `json:"recall"`
}

func loadCase(t *testing.T, name string) (*GroundTruth, []Result, expected) {
	t.Helper()
	dir := filepath.Join(fixtureDir, name)
	gt, err := LoadGroundTruth(filepath.Join(dir, "gt.json"))
	require.NoError(t, err)
	res, err := LoadResults(filepath.Join(dir, "results.json"), gt)
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	require.NoError(t, err)
	var exp expected
	require.NoError(t, json.Unmarshal(data, &exp))
	require.Len(t, exp.Stats, NumStats)
	return gt, res, exp
}

func fixtureCases(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(fixtureDir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	require.GreaterOrEqual(t, len(names), 10, "fixtures missing: run scripts/fixtures_eval.py")
	return names
}

// TestEvaluateMatchesPycocotools compares the ten numbers of every fixture
// case with pycocotools' within 1e-12, and logs how many agree bit for bit.
func TestEvaluateMatchesPycocotools(t *testing.T) {
	for _, name := range fixtureCases(t) {
		t.Run(name, func(t *testing.T) {
			gt, res, exp := loadCase(t, name)
			p := DefaultParams()
			sig, err := gt.Sigmas()
			require.NoError(t, err)
			require.Equal(t, exp.Sigmas, sig, "sigmas from the ground truth")
			p.Sigmas = sig
			emptyBefore := emptyKeypoints(gt)
			s, err := Evaluate(gt, res, p)
			require.NoError(t, err)
			exact := 0
			for i, want := range exp.Stats {
				assert.InDelta(t, want, s.Stats[i], tolerance, "%s", StatNames[i])
				if want == s.Stats[i] {
					exact++
				}
			}
			assert.Equal(t, exp.Lines, s.Lines(), "summary text as pycocotools prints it")
			assert.Equal(t, emptyBefore, emptyKeypoints(gt), "the caller's ground truth is left as it was")
			t.Logf("%d/%d stats bit-identical; AP %.6f AR %.6f", exact, NumStats, s.Stats[0], s.Stats[5])
		})
	}
}

// emptyKeypoints counts the annotations written as "keypoints": [].
func emptyKeypoints(gt *GroundTruth) int {
	n := 0
	for _, a := range gt.Annotations {
		if len(a.Keypoints) == 0 {
			n++
		}
	}
	return n
}

// TestEvaluateTinyIntermediates checks numpy's thresholds, the per-image
// OKS matrices and the accumulated precision/recall arrays of one case.
func TestEvaluateTinyIntermediates(t *testing.T) {
	gt, res, exp := loadCase(t, "tiny")
	p := DefaultParams()
	assert.Equal(t, exp.IouThrs, p.OKSThresholds, "linspace(.5, .95, 10) bit for bit")
	assert.Equal(t, exp.RecThrs, p.RecallThresholds, "linspace(0, 1, 101) bit for bit")

	e := &evaluator{gt: gt, res: res, p: p, vars: oksVars(p.Sigmas)}
	require.NoError(t, e.index())
	require.NotEmpty(t, exp.OKS)
	var w workspace
	exact, total := 0, 0
	for _, m := range exp.OKS {
		i, ok := slices.BinarySearch(e.imgIDs, m.ImageID)
		require.True(t, ok)
		c, ok := slices.BinarySearch(e.catIDs, m.CategoryID)
		require.True(t, ok)
		n, ok := slices.BinarySearchFunc(e.cells, [2]int{c, i}, func(x cell, ci [2]int) int {
			return cmp.Or(cmp.Compare(x.cat, ci[0]), cmp.Compare(x.img, ci[1]))
		})
		require.True(t, ok, "image %d has a cell", m.ImageID)
		dts := e.sortedDets(&w, e.cells[n].dts)
		gts := e.cells[n].gts
		got := e.oksMatrix(&w, dts, gts)
		require.Len(t, m.Matrix, len(dts))
		for r, row := range m.Matrix {
			require.Len(t, row, len(gts))
			assert.InDeltaSlice(t, row, got[r*len(gts):(r+1)*len(gts)], 1e-15, "image %d row %d", m.ImageID, r)
			for c, v := range row {
				if v == got[r*len(gts)+c] {
					exact++
				}
				total++
			}
		}
	}

	t.Logf("OKS: %d/%d values bit-identical to numpy's (exp may differ by an ulp)", exact, total)

	s, err := Evaluate(gt, res, p)
	require.NoError(t, err)
	assert.InDeltaSlice(t, exp.Precision, s.Precision, tolerance)
	assert.InDeltaSlice(t, exp.Recall, s.Recall, tolerance)
}

// TestEvaluateDetectsPerturbation guards the fixture test against passing
// trivially: moving one detection changes the numbers.
func TestEvaluateDetectsPerturbation(t *testing.T) {
	gt, res, exp := loadCase(t, "tiny")
	res[0].Keypoints[0] += 25
	s, err := Evaluate(gt, res, DefaultParams())
	require.NoError(t, err)
	diff := 0.0
	for i := range exp.Stats {
		diff = math.Max(diff, math.Abs(exp.Stats[i]-s.Stats[i]))
	}
	assert.Greater(t, diff, 1e-6)
}
