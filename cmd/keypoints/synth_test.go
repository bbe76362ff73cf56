package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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
	assert.Contains(t, out, "synth: train 3/3\nsynth: val 1/2\nsynth: val 2/2\n")
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

func TestSynthProgress(t *testing.T) {
	var log bytes.Buffer
	p := synthProgress(&log, false)
	for i := range 25 {
		p("train", i+1, 25)
	}
	assert.Equal(t, "synth: train 2/25\nsynth: train 4/25\nsynth: train 6/25\nsynth: train 8/25\n"+
		"synth: train 10/25\nsynth: train 12/25\nsynth: train 14/25\nsynth: train 16/25\n"+
		"synth: train 18/25\nsynth: train 20/25\nsynth: train 22/25\nsynth: train 24/25\nsynth: train 25/25\n", log.String())

	log.Reset()
	p = synthProgress(&log, true)
	for i := range 3 {
		p("val", i+1, 3)
	}
	// In place: the first call, then at most every 200 ms, and the end.
	assert.True(t, strings.HasPrefix(log.String(), "\rsynth: val 1/3\r"), log.String())
	assert.True(t, strings.HasSuffix(log.String(), "\rsynth: val 3/3\n"), log.String())
}
