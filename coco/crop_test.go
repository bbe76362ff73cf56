package coco

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"
)

// randomImage returns a BGR image with random pixels (owned by the caller).
func randomImage(t testing.TB, rng *rand.Rand, w, h int) gocv.Mat {
	pix := make([]byte, 3*w*h)
	for i := range pix {
		pix[i] = byte(rng.IntN(256))
	}
	m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, pix)
	require.NoError(t, err)
	defer m.Close()
	return m.Clone()
}

func norm(v byte, ch int) float32 {
	mean := [3]float32{meanR, meanG, meanB}
	std := [3]float32{stdR, stdG, stdB}
	return (float32(v)/255 - mean[ch]) / std[ch]
}

func TestCropTranslation(t *testing.T) {
	// With scale·200 = outW and no rotation the crop is a pure translation:
	// crop(u, v) = img(u + cx − W/2, v + cy − H/2), RGB planes, normalised,
	// and 0 (normalised) outside the image.
	rng := rand.New(rand.NewPCG(1, 2))
	const w, h, ow, oh = 90, 70, 32, 40
	img := randomImage(t, rng, w, h)
	defer img.Close()
	pix, err := img.DataPtrUint8()
	require.NoError(t, err)
	c := NewCropper(ow, oh)
	defer c.Close()
	dst := make([]float32, 3*ow*oh)
	center := [2]float64{70, 30}
	c.Crop(dst, img, center, [2]float64{ow / 200.0, oh / 200.0}, 0)
	dx, dy := int(center[0])-ow/2, int(center[1])-oh/2
	for v := range oh {
		for u := range ow {
			x, y := u+dx, v+dy
			for ch := range 3 {
				want := norm(0, ch)
				if x >= 0 && x < w && y >= 0 && y < h {
					want = norm(pix[3*(y*w+x)+2-ch], ch)
				}
				require.InDelta(t, want, dst[ch*ow*oh+v*ow+u], 1e-5, "pixel (%d, %d) channel %d", u, v, ch)
			}
		}
	}
}

func TestCropFlipMatchesFlippedImage(t *testing.T) {
	// Folding the flip into the matrix must give what SimpleBaseline gets by
	// flipping the image and the centre before warping.
	rng := rand.New(rand.NewPCG(3, 4))
	const w, h = 120, 100
	img := randomImage(t, rng, w, h)
	defer img.Close()
	gocv.GaussianBlur(img, &img, image.Pt(3, 3), 0, 0, gocv.BorderDefault) // smooth, so bilinear rounding stays small
	flipped := gocv.NewMat()
	defer flipped.Close()
	gocv.Flip(img, &flipped, 1)

	view := View{Center: [2]float64{40.3, 55.1}, Scale: [2]float64{0.3, 0.4}, Rot: 23, Flip: true, Width: w}
	view.Center[0] = float64(w) - view.Center[0] - 1
	c := NewCropper(48, 64)
	defer c.Close()
	got := make([]float32, 3*48*64)
	want := make([]float32, 3*48*64)
	c.Warp(got, img, view.Transform(48, 64))
	c.Crop(want, flipped, view.Center, view.Scale, view.Rot)
	var worst float32
	for i := range got {
		worst = max(worst, abs32(got[i]-want[i]))
	}
	assert.Less(t, worst, float32(3.0/255/0.224), "largest difference, in normalised units (3 grey levels)")
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

func TestCropAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	img := randomImage(t, rng, 320, 240)
	defer img.Close()
	c := NewCropper(192, 256)
	defer c.Close()
	dst := make([]float32, 3*192*256)
	center, scale := [2]float64{160, 120}, [2]float64{0.9, 1.2}
	c.Crop(dst, img, center, scale, 10) // warm-up
	assert.Zero(t, testing.AllocsPerRun(10, func() { c.Crop(dst, img, center, scale, 10) }))
}

func BenchmarkCrop(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	img := randomImage(b, rng, 640, 480)
	defer img.Close()
	c := NewCropper(192, 256)
	defer c.Close()
	dst := make([]float32, 3*192*256)
	b.ReportAllocs()
	for b.Loop() {
		c.Crop(dst, img, [2]float64{320, 240}, [2]float64{1.5, 2}, 17)
	}
}
