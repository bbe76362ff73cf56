package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runDataApp(t *testing.T, args ...string) (string, error) {
	t.Helper()
	app := newApp()
	var out bytes.Buffer
	app.Writer, app.ErrWriter = &out, &out
	err := app.Run(append([]string{"keypoints"}, args...))
	return out.String(), err
}

func TestSynthCommand(t *testing.T) {
	dir := t.TempDir()
	out, err := runDataApp(t, "synth", "--out", dir, "--train", "3", "--val", "2", "--seed", "4", "--width", "96", "--height", "80")
	require.NoError(t, err)
	assert.Contains(t, out, "wrote 5 images")
	for _, p := range []string{
		"annotations/person_keypoints_train.json", "annotations/person_keypoints_val.json",
		"images/train/000000000003.jpg", "images/val/000000000002.jpg",
	} {
		_, err := os.Stat(filepath.Join(dir, p))
		assert.NoError(t, err, p)
	}
	_, err = runDataApp(t, "synth", "--out", dir, "--width", "8", "--height", "8")
	assert.ErrorContains(t, err, "below 32×32")
	_, err = runDataApp(t, "synth")
	assert.ErrorContains(t, err, "out")
}
