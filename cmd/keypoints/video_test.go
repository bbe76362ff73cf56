package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"

	"github.com/dypose/dypose/nn/nntest"
)

// writeClip writes frames copies of a bundled image as an MJPG AVI.
func writeClip(t *testing.T, path string, frames int) {
	t.Helper()
	img := gocv.IMRead(nntest.Testdata("coco/images/000000000001.jpg"), gocv.IMReadColor)
	defer img.Close()
	require.False(t, img.Empty())
	vw, err := gocv.VideoWriterFile(path, "MJPG", 10, img.Cols(), img.Rows(), true)
	require.NoError(t, err)
	require.True(t, vw.IsOpened())
	for range frames {
		require.NoError(t, vw.Write(img))
	}
	require.NoError(t, vw.Close())
}

func countFrames(t *testing.T, path string) int {
	t.Helper()
	vc, err := gocv.VideoCaptureFile(path)
	require.NoError(t, err)
	defer vc.Close()
	m := gocv.NewMat()
	defer m.Close()
	n := 0
	for vc.Read(&m) && !m.Empty() {
		n++
	}
	return n
}

func TestVideoCmd(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.avi")
	const frames = 7
	writeClip(t, in, frames)
	out, jsonl := filepath.Join(dir, "out.avi"), filepath.Join(dir, "frames.jsonl")

	var stderr bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &bytes.Buffer{}, &stderr
	// The README's order: the input first, then the flags.
	args := []string{"keypoints", "video", in, "--model", model, "--whole-image",
		"--det-interval", "3", "--smooth", "--out", out, "--jsonl", jsonl}
	require.NoError(t, app.Run(interspersed(app, args)), stderr.String())
	assert.Equal(t, frames, countFrames(t, out))
	assert.Contains(t, stderr.String(), "decode")

	f, err := os.Open(jsonl)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	lines := 0
	for sc.Scan() {
		var rec frameRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		assert.Equal(t, lines, rec.Frame)
		require.NotEmpty(t, rec.People, "frame %d", lines)
		assert.Len(t, rec.People[0].Keypoints, 51)
		assert.Positive(t, rec.People[0].TrackID)
		lines++
	}
	assert.Equal(t, frames, lines, "one JSON line per frame read")
}

// TestVideoInterrupted cancels before the first frame: the decoding and
// encoding goroutines must stop without a deadlock and leave no output, not
// even a temporary file.
func TestVideoInterrupted(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.avi")
	writeClip(t, in, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	app := newApp()
	app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
	err := app.RunContext(ctx, []string{"keypoints", "video", "--model", model, "--whole-image",
		"--out", filepath.Join(dir, "out.avi"), "--jsonl", filepath.Join(dir, "out.jsonl"), in})
	require.ErrorIs(t, err, context.Canceled)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the input is left")
	assert.Equal(t, "in.avi", entries[0].Name())
}

func TestVideoBadInput(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()
	notVideo := filepath.Join(dir, "x.mp4")
	require.NoError(t, os.WriteFile(notVideo, []byte("garbage"), 0o644))
	for _, args := range [][]string{
		{"keypoints", "video", "--model", model, "--out", filepath.Join(dir, "o.mp4"), filepath.Join(dir, "missing.mp4")},
		{"keypoints", "video", "--model", model, "--out", filepath.Join(dir, "o.mp4"), notVideo},
		{"keypoints", "video", "--model", model, notVideo},
	} {
		app := newApp()
		app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
		assert.Error(t, app.Run(args), "%v", args)
	}
	_, err := os.Stat(filepath.Join(dir, "o.mp4"))
	assert.True(t, os.IsNotExist(err), "nothing half-written")

	// A file named like an image opens as a one-image sequence of 0×0
	// frames: the error is about the input, not the output.
	notImage := filepath.Join(dir, "x.jpg")
	require.NoError(t, os.WriteFile(notImage, []byte("garbage"), 0o644))
	app := newApp()
	app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
	err = app.Run([]string{"keypoints", "video", "--model", model, "--out", filepath.Join(dir, "o.mp4"), notImage})
	require.Error(t, err)
	assert.Contains(t, err.Error(), notImage+": cannot open as a video")
}
