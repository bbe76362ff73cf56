package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/eval"
)

const evalFixtures = "../../testdata/eval"

// runEvalApp runs the keypoints app with args and returns stdout and stderr.
func runEvalApp(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &errOut
	err = app.Run(append([]string{"keypoints"}, args...))
	return out.String(), errOut.String(), err
}

type evalExpected struct {
	Stats []float64 `json:"stats"`
	Lines []string  `json:"lines"`
}

func loadEvalExpected(t *testing.T, name string) evalExpected {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(evalFixtures, name, "expected.json"))
	require.NoError(t, err)
	var exp evalExpected
	require.NoError(t, json.Unmarshal(data, &exp))
	return exp
}

func TestEvalCommandText(t *testing.T) {
	for _, name := range []string{"tiny", "custom_k5", "multicat"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(evalFixtures, name)
			out, _, err := runEvalApp(t, "eval", "--gt", filepath.Join(dir, "gt.json"), "--results", filepath.Join(dir, "results.json"))
			require.NoError(t, err)
			exp := loadEvalExpected(t, name)
			require.Len(t, exp.Lines, eval.NumStats)
			assert.Contains(t, out, strings.Join(exp.Lines, "\n")+"\n", "pycocotools' summary, verbatim")
			assert.Contains(t, out, "box source and flip test unknown")
		})
	}
}

func TestEvalCommandJSON(t *testing.T) {
	dir := filepath.Join(evalFixtures, "random_mix")
	out, errOut, err := runEvalApp(t, "eval", "--json", "--thresholds", "--per-keypoint", "--errors", "--gt", filepath.Join(dir, "gt.json"), "--results", filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(out, "\n"), "exactly one line on stdout")
	var got map[string]float64
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	exp := loadEvalExpected(t, "random_mix")
	for i, n := range eval.StatNames {
		assert.InDelta(t, exp.Stats[i], got[n], 1e-12, n)
	}
	assert.Contains(t, errOut, "left_ankle", "per-keypoint table goes to stderr with --json")
	assert.Regexp(t, `(?m)^ hidden \(v=1\) +\d+ `, errOut, "error diagnosis goes to stderr with --json")
	assert.Regexp(t, `(?m)^ 0\.95 +\d\.\d{3} +\d\.\d{3}$`, errOut, "the table by OKS threshold goes to stderr with --json")
}

// The tiny fixture's two one-person images and one two-person image, each
// group as evaluated on its own; with --json the table goes to stderr.
func TestEvalCommandByPeople(t *testing.T) {
	dir := filepath.Join(evalFixtures, "tiny")
	out, errOut, err := runEvalApp(t, "eval", "--json", "--by-people", "2", "--gt", filepath.Join(dir, "gt.json"), "--results", filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(out, "\n"), "stdout keeps the one JSON line")
	assert.Contains(t, errOut, "  group  images  people      AP    AP50    AP75\n"+
		"      1       2       2   0.126   0.252   0.000\n"+
		"     2+       1       2   0.584   0.667   0.667\n")
}

func TestEvalCommandRunInfoAndEmpty(t *testing.T) {
	gt := filepath.Join(evalFixtures, "tiny", "gt.json")
	res := filepath.Join(t.TempDir(), "results.json")
	require.NoError(t, os.WriteFile(res, []byte("[]"), 0o644))
	require.NoError(t, eval.WriteRunInfo(res, eval.RunInfo{BoxSource: "gt", FlipTest: true, Decode: "argmax", InputSize: [2]int{192, 256}, Model: "x.safetensors"}))
	out, errOut, err := runEvalApp(t, "eval", "--gt", gt, "--results", res)
	require.NoError(t, err)
	assert.Contains(t, out, "results from dypose: boxes gt, flip test on, decode argmax, input 192x256, model x.safetensors")
	assert.Contains(t, out, "area=   all | maxDets= 20 ] = 0.000")
	assert.Contains(t, errOut, "has no results")
}

func TestEvalCommandErrors(t *testing.T) {
	dir := t.TempDir()
	gt := filepath.Join(evalFixtures, "tiny", "gt.json")
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	tests := []struct {
		name    string
		args    []string
		wantErr []string
	}{
		{name: "no gt", args: []string{"--results", "x.json"}, wantErr: []string{"--gt is required"}},
		{name: "no results", args: []string{"--gt", gt}, wantErr: []string{"--results is required"}},
		{name: "missing file", args: []string{"--gt", gt, "--results", filepath.Join(dir, "nope.json")}, wantErr: []string{"nope.json"}},
		{name: "malformed results", args: []string{"--gt", gt, "--results", write("bad.json", "[\n{]")}, wantErr: []string{"bad.json", "line 2 column 2"}},
		{name: "unknown image", args: []string{"--gt", gt, "--results", write("img.json", `[{"image_id": 99, "category_id": 1, "keypoints": [1,1,1], "score": 1}]`)},
			wantErr: []string{"img.json", "image_id 99"}},
		{name: "wrong keypoint length", args: []string{"--gt", gt, "--results", write("len.json", `[{"image_id": 7, "category_id": 1, "keypoints": [1,1,1], "score": 1}]`)},
			wantErr: []string{"result 0", "3 keypoint values, want 51"}},
		{name: "negative by-people", args: []string{"--gt", gt, "--results", "x.json", "--by-people", "-1"}, wantErr: []string{"--by-people -1"}},
		{name: "bad sigmas", args: []string{"--gt", gt, "--results", "x.json", "--sigmas", "0.1,zero"}, wantErr: []string{"--sigmas", "sigma 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runEvalApp(t, append([]string{"eval"}, tt.args...)...)
			require.Error(t, err)
			for _, s := range tt.wantErr {
				assert.Contains(t, err.Error(), s)
			}
			assert.Empty(t, out)
		})
	}
}
