package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDataShowCommand(t *testing.T) {
	out := t.TempDir()
	msg, err := runDataApp(t, "data", "show", "--ann", "../../testdata/coco/person_keypoints_tiny.json",
		"--images", "../../testdata/coco/images", "--out", out, "-n", "3", "--augment", "--seed", "2")
	require.NoError(t, err)
	assert.Contains(t, msg, "wrote 3 samples")
	files, err := filepath.Glob(filepath.Join(out, "*.jpg"))
	require.NoError(t, err)
	assert.Len(t, files, 3)
	st, err := os.Stat(files[0])
	require.NoError(t, err)
	assert.Greater(t, st.Size(), int64(1000))

	_, err = runDataApp(t, "data", "show", "--ann", "missing.json", "--images", ".", "--out", out)
	assert.ErrorContains(t, err, "missing.json")
}

// TestDataShowFromDataDir: --data takes the layout train and eval take, and
// --input the crop size as they write it.
func TestDataShowFromDataDir(t *testing.T) {
	data := t.TempDir()
	_, err := runDataApp(t, "synth", "--out", data, "--train", "2", "--val", "2", "--width", "96", "--height", "80")
	require.NoError(t, err)
	out := t.TempDir()
	msg, err := runDataApp(t, "data", "show", "--data", data, "--split", "train", "--input", "64x48", "--out", out, "-n", "2")
	require.NoError(t, err)
	assert.Contains(t, msg, "wrote 2 samples")
	files, err := filepath.Glob(filepath.Join(out, "*.jpg"))
	require.NoError(t, err)
	require.NotEmpty(t, files)

	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no data", nil, "give --data DIR"},
		{"both", []string{"--data", data, "--ann", "a.json"}, "not both"},
		{"ann without images", []string{"--ann", "a.json"}, "give --data DIR"},
		{"missing split", []string{"--data", data, "--split", "test"}, "no test annotations"},
		{"bad input", []string{"--data", data, "--input", "64"}, "--input"},
		{"zero box padding", []string{"--data", data, "--box-padding", "0"}, "--box-padding 0: want a positive number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runDataApp(t, append([]string{"data", "show", "--out", out}, tt.args...)...)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
