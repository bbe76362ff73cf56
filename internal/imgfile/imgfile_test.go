package imgfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"

	"github.com/dypose/dypose/internal/imgfile"
)

func testImage(t *testing.T) gocv.Mat {
	img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(40, 90, 200, 0), 24, 32, gocv.MatTypeCV8UC3)
	t.Cleanup(func() { img.Close() })
	img.SetUCharAt(5, 7*3+1, 255) // one pixel apart, so a lossless round trip is checked
	return img
}

func TestWriteFormats(t *testing.T) {
	img := testImage(t)
	dir := t.TempDir()
	for _, name := range []string{"a.jpg", "a.JPEG", "a.jpe", "a.png", "a.bmp", "a.tif", "a.TIFF"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.True(t, imgfile.Writable(path))
			require.NoError(t, imgfile.Write(path, img))
			back := gocv.IMRead(path, gocv.IMReadColor)
			defer back.Close()
			require.False(t, back.Empty(), "readable")
			assert.Equal(t, []int{24, 32}, []int{back.Rows(), back.Cols()})
			if name == "a.png" || name == "a.bmp" || name == "a.tif" {
				diff := gocv.NewMat()
				defer diff.Close()
				gocv.AbsDiff(img, back, &diff)
				flat := diff.Reshape(1, 0)
				defer flat.Close()
				assert.Equal(t, 0, gocv.CountNonZero(flat), "lossless")
			}
		})
	}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, ents, 7, "no temporary file left")
}

func TestWriteParams(t *testing.T) {
	img := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
	defer img.Close()
	gocv.RandU(&img, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
	dir := t.TempDir()
	size := func(q int) int64 {
		path := filepath.Join(dir, "q.jpg")
		require.NoError(t, imgfile.Write(path, img, gocv.IMWriteJpegQuality, q))
		st, err := os.Stat(path)
		require.NoError(t, err)
		return st.Size()
	}
	assert.Less(t, size(20), size(95), "the quality param reaches the encoder")
}

func TestWriteErrors(t *testing.T) {
	img := testImage(t)
	dir := t.TempDir()
	old := filepath.Join(dir, "keep.png")
	require.NoError(t, imgfile.Write(old, img))
	before, err := os.ReadFile(old)
	require.NoError(t, err)

	empty := gocv.NewMat()
	defer empty.Close()
	for _, tc := range []struct {
		name, path string
		img        gocv.Mat
		want       string
	}{
		// gocv.IMWrite aborts the process on these two.
		{"no extension", filepath.Join(dir, "frame"), img, `no image format for the extension ""`},
		{"unknown extension", filepath.Join(dir, "a.jfif"), img, `no image format for the extension ".jfif"`},
		{"empty image", old, empty, "empty image"},
		{"missing folder", filepath.Join(dir, "missing", "a.png"), img, filepath.Join(dir, "missing", "a.png")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := imgfile.Write(tc.path, tc.img)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	after, err := os.ReadFile(old)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a failed write leaves the file as it was")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, ents, 1, "nothing else written")
}
