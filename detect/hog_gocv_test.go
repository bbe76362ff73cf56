package detect

import (
	"image"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"
)

// gocvHOG is the peer: gocv's own HOGDescriptor fed our copy of the
// default coefficients (its HOGDefaultPeopleDetector is unusable). It
// returns rectangles only, no scores.
func gocvHOG(t testing.TB) (gocv.HOGDescriptor, func()) {
	svm := DefaultPeopleSVM()
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&svm[0])), 4*len(svm))
	m, err := gocv.NewMatFromBytes(1, len(svm), gocv.MatTypeCV32F, raw)
	require.NoError(t, err)
	h := gocv.NewHOGDescriptor()
	require.NoError(t, h.SetSVMDetector(m))
	return h, func() { h.Close(); m.Close() }
}

// With resizing and NMS off, our helper and gocv's wrapper run the same
// OpenCV call, so they must find the same rectangles.
func TestHOGMatchesGocv(t *testing.T) {
	img := readImage(t, vtestFrame)
	defer img.Close()
	big := gocv.NewMat()
	defer big.Close()
	gocv.Resize(img, &big, image.Pt(960, 720), 0, 0, gocv.InterpolationLinear)

	o := DefaultHOGOptions()
	o.Width, o.NMSThreshold = 0, 1
	d, err := NewHOG(o)
	require.NoError(t, err)
	defer d.Close()
	ours, err := d.Detect(big)
	require.NoError(t, err)

	h, done := gocvHOG(t)
	defer done()
	theirs := h.DetectMultiScaleWithParams(big, o.HitThreshold, image.Pt(o.WinStride, o.WinStride),
		image.Pt(o.Padding, o.Padding), o.Scale, float64(o.GroupThreshold), false)
	require.NotEmpty(t, theirs)
	require.Len(t, ours, len(theirs))
	for _, r := range theirs {
		want := Box{X: float32(r.Min.X), Y: float32(r.Min.Y), W: float32(r.Dx()), H: float32(r.Dy())}.clip(960, 720)
		found := false
		for _, b := range ours {
			if b.X == want.X && b.Y == want.Y && b.W == want.W && b.H == want.H {
				found = true
			}
		}
		assert.True(t, found, "gocv rectangle %v missing from ours %v", r, ours)
	}
}

// BenchmarkHOGPeer compares our helper with gocv's wrapper on the same
// 960×720 frame and settings (resize and NMS off on both).
func BenchmarkHOGPeer(b *testing.B) {
	img := readImage(b, vtestFrame)
	defer img.Close()
	big := gocv.NewMat()
	defer big.Close()
	gocv.Resize(img, &big, image.Pt(960, 720), 0, 0, gocv.InterpolationLinear)
	o := DefaultHOGOptions()
	o.Width, o.NMSThreshold = 0, 1
	b.Run("impl=dypose", func(b *testing.B) {
		d, err := NewHOG(o)
		require.NoError(b, err)
		defer d.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.Detect(big); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=gocv", func(b *testing.B) {
		h, done := gocvHOG(b)
		defer done()
		b.ReportAllocs()
		for b.Loop() {
			h.DetectMultiScaleWithParams(big, o.HitThreshold, image.Pt(o.WinStride, o.WinStride),
				image.Pt(o.Padding, o.Padding), o.Scale, float64(o.GroupThreshold), false)
		}
	})
}
