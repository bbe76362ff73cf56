package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"

	"github.com/dypose/dypose/nn/nntest"
	"github.com/dypose/dypose/pose"
)

// tinyModel saves an untrained small model with a 64×48 input.
func tinyModel(t *testing.T) string {
	t.Helper()
	m := pose.New(pose.MustParseArch("mnv3-small-dyrelu-c-w0.25-hc16"), nntest.Rand(1))
	m.Meta.InputH, m.Meta.InputW = 64, 48
	path := filepath.Join(t.TempDir(), "tiny.safetensors")
	require.NoError(t, m.Save(path, nil))
	return path
}

func TestPredictCmd(t *testing.T) {
	model := tinyModel(t)
	images := nntest.Testdata("coco/images")
	dets := nntest.Testdata("coco/detections_tiny.json")
	out := t.TempDir()
	jsonPath := filepath.Join(out, "results.json")

	tests := []struct {
		name        string
		args        []string
		inputsFirst bool // the README's order: predict photos/ --json …
		people      int  // people expected in the JSON
	}{
		// detections_tiny.json: image 1 has two person boxes, image 2 one
		// (score 0.05), image 3 one person box (the other is category 2).
		{"boxes file", []string{"--boxes", dets}, false, 4},
		{"whole image", []string{"--whole-image", "--flip=false"}, false, 3},
		{"flags after the inputs", []string{"--boxes", dets, "--flip=false"}, true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			app := newApp()
			app.Writer, app.ErrWriter = &bytes.Buffer{}, &stderr
			flags := append([]string{"--model", model, "--out-dir", filepath.Join(out, "drawn"), "--json", jsonPath}, tt.args...)
			args := append(append([]string{"keypoints", "predict"}, flags...), images)
			if tt.inputsFirst {
				args = append([]string{"keypoints", "predict", images}, flags...)
			}
			require.NoError(t, app.Run(interspersed(app, args)), stderr.String())
			raw, err := os.ReadFile(jsonPath)
			require.NoError(t, err)
			var res []predictResult
			require.NoError(t, json.Unmarshal(raw, &res))
			require.Len(t, res, tt.people)
			for _, r := range res {
				assert.Equal(t, 1, r.CategoryID)
				assert.Len(t, r.Keypoints, 51)
				assert.Len(t, r.BBox, 4)
				assert.NotEmpty(t, r.FileName)
			}
			for _, f := range []string{"000000000001.jpg", "000000000002.jpg", "000000000003.jpg"} {
				assert.FileExists(t, filepath.Join(out, "drawn", f))
			}
		})
	}
}

func TestPredictBadInput(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.jpg")
	require.NoError(t, os.WriteFile(bad, []byte("not a jpeg"), 0o644))
	good := nntest.Testdata("coco/images/000000000001.jpg")

	var stderr bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &bytes.Buffer{}, &stderr
	err := app.Run([]string{"keypoints", "predict", "--model", model, "--whole-image", "--json", filepath.Join(dir, "r.json"), bad, good})
	require.Error(t, err, "a corrupt image makes the run fail at the end")
	assert.Contains(t, err.Error(), "broken.jpg")
	assert.Contains(t, stderr.String(), "skipping")
	assert.FileExists(t, filepath.Join(dir, "r.json"), "the good image is still processed")

	// Drawn copies: a name OpenCV cannot write (gocv.IMWrite aborted the
	// process on these) gets .jpg added; two inputs drawn under one name
	// are refused before any work; a drawn image that cannot be written stops
	// the run there, naming the file.
	for _, name := range []string{"frame", "frame.jfif"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), mustRead(t, good), 0o644))
	}
	drawn := filepath.Join(dir, "drawn")
	app = newApp()
	app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
	require.NoError(t, app.Run([]string{"keypoints", "predict", "--model", model, "--whole-image", "--out-dir", drawn,
		filepath.Join(dir, "frame"), filepath.Join(dir, "frame.jfif"), good}))
	for _, name := range []string{"frame.jpg", "frame.jfif.jpg", "000000000001.jpg"} {
		img := gocv.IMRead(filepath.Join(drawn, name), gocv.IMReadColor)
		assert.False(t, img.Empty(), "%s drawn", name)
		img.Close()
	}
	other := filepath.Join(dir, "other")
	require.NoError(t, os.Mkdir(other, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(other, "frame.jpg"), mustRead(t, good), 0o644))
	app = newApp()
	app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
	err = app.Run([]string{"keypoints", "predict", "--model", model, "--whole-image", "--out-dir", filepath.Join(dir, "clash"),
		filepath.Join(dir, "frame"), filepath.Join(other, "frame.jpg")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "would both be drawn as frame.jpg")
	assert.NoDirExists(t, filepath.Join(dir, "clash"), "refused before anything is written")
	// A folder where the drawn image should go: the rename fails, for
	// root too.
	blocked := filepath.Join(dir, "blocked")
	require.NoError(t, os.MkdirAll(filepath.Join(blocked, "000000000001.jpg"), 0o755))
	app = newApp()
	app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
	err = app.Run([]string{"keypoints", "predict", "--model", model, "--whole-image", "--out-dir", blocked, good, filepath.Join(dir, "frame")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--out-dir: imgfile: "+filepath.Join(blocked, "000000000001.jpg"))
	assert.NoFileExists(t, filepath.Join(blocked, "frame.jpg"), "the run stops at the first failed write")

	for _, args := range [][]string{
		{"keypoints", "predict", "--model", model, filepath.Join(dir, "nothing*.png")},
		{"keypoints", "predict", "--model", filepath.Join(dir, "missing.safetensors"), good},
		{"keypoints", "predict", "--model", model, "--detector", "yolo", good},
		{"keypoints", "predict", "--model", model},
		{"keypoints", "predict", "--model", model, "--decode", "softargmax", good},
		{"keypoints", "predict", "--model", model, "--box-padding", "-1", good},
	} {
		app := newApp()
		app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
		assert.Error(t, app.Run(args), "%v", args)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func TestExpandInputs(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.jpg", "a.PNG", "notes.txt", "c.webp"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
	}
	a, b, c := filepath.Join(dir, "a.PNG"), filepath.Join(dir, "b.jpg"), filepath.Join(dir, "c.webp")
	for _, tc := range []struct {
		name   string
		inputs []string
		want   []string
	}{
		{"folder: images only, sorted", []string{dir}, []string{a, b, c}},
		{"a file given as it is", []string{filepath.Join(dir, "notes.txt")}, []string{filepath.Join(dir, "notes.txt")}},
		{"glob", []string{filepath.Join(dir, "*.jpg")}, []string{b}},
		{"each file once: folder and glob", []string{dir, filepath.Join(dir, "*.jpg")}, []string{a, b, c}},
		{"each file once: two spellings", []string{b, dir + "/./b.jpg"}, []string{b}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := expandInputs(tc.inputs)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
