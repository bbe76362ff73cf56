package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/eval"
	"github.com/dypose/dypose/nn/nntest"
)

// tinyDataDir lays testdata/coco out as a `keypoints synth` folder.
func tinyDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "annotations"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images", "val"), 0o755))
	copyFile := func(src, dst string) {
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst, b, 0o644))
	}
	copyFile(nntest.Testdata("coco/person_keypoints_tiny.json"), filepath.Join(dir, "annotations", "person_keypoints_val.json"))
	for _, f := range []string{"000000000001.jpg", "000000000002.jpg", "000000000003.jpg"} {
		copyFile(nntest.Testdata("coco/images/"+f), filepath.Join(dir, "images", "val", f))
	}
	return dir
}

func TestEvalModelCmd(t *testing.T) {
	model := tinyModel(t)
	data := tinyDataDir(t)
	out := filepath.Join(t.TempDir(), "res.json")
	var stdout, stderr bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &stdout, &stderr
	require.NoError(t, app.Run([]string{"keypoints", "eval", "--model", model, "--data", data, "--out", out, "--json"}), stderr.String())

	var stats map[string]float64
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &stats), "stdout is one JSON object: %q", stdout.String())
	assert.Len(t, stats, 10)
	// Progress into a log (not a terminal): whole lines, no carriage returns.
	assert.Regexp(t, `^eval: 3/3 images, \d+ people\nresults from dypose: `, stderr.String())
	assert.NotContains(t, stderr.String(), "\r")
	raw, err := os.ReadFile(out)
	require.NoError(t, err)
	var res []evalResult
	require.NoError(t, json.Unmarshal(raw, &res))
	assert.NotEmpty(t, res)
	for _, r := range res {
		assert.Len(t, r.Keypoints, 51)
	}
	info, ok, err := eval.ReadRunInfo(out)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "gt", info.BoxSource)
	assert.True(t, info.FlipTest)
	assert.InDelta(t, 1.25, info.BoxPadding, 0, "the model's padding (SimpleBaseline's)")

	app = newApp()
	app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
	require.NoError(t, app.Run([]string{"keypoints", "eval", "--model", model, "--data", data, "--out", out, "--box-padding", "1.0625"}))
	info, _, err = eval.ReadRunInfo(out)
	require.NoError(t, err)
	assert.InDelta(t, 1.0625, info.BoxPadding, 0, "--box-padding overrides the model's")

	for _, args := range [][]string{
		{"--data", t.TempDir()}, // a folder without annotations
		{"--data", data, "--box-padding", "-1"},
	} {
		app = newApp()
		app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
		assert.Error(t, app.Run(append([]string{"keypoints", "eval", "--model", model, "--out", out}, args...)), "%v", args)
	}
}
