package coco

import (
	"fmt"
	"image"
	"image/color"

	"gocv.io/x/gocv"
)

// ImageNet normalisation the backbone was trained with.
const (
	meanR, meanG, meanB = 0.485, 0.456, 0.406
	stdR, stdG, stdB    = 0.229, 0.224, 0.225
)

// Cropper cuts normalised network inputs out of BGR images. It owns two
// Mats (the affine matrix and the W×H crop) that every call reuses, so a
// warmed-up Crop allocates nothing. Close releases them. A Cropper is not
// safe for concurrent use: give each goroutine its own.
type Cropper struct {
	W, H   int
	m      gocv.Mat // 2×3 CV_64F affine matrix
	warped gocv.Mat // H×W CV_8UC3 crop, BGR
}

// NewCropper returns a Cropper for outW×outH crops.
func NewCropper(outW, outH int) *Cropper {
	if outW <= 0 || outH <= 0 {
		panic(fmt.Sprintf("%s: crop size %d×%d", errShape, outW, outH))
	}
	return &Cropper{
		W: outW, H: outH,
		m:      gocv.NewMatWithSize(2, 3, gocv.MatTypeCV64F),
		warped: gocv.NewMatWithSize(outH, outW, gocv.MatTypeCV8UC3),
	}
}

// Close releases the Cropper's Mats.
func (c *Cropper) Close() error {
	c.m.Close()
	c.warped.Close()
	return nil
}

// Crop cuts the box (center, scale, rot) out of img, a BGR image, and writes
// it into dst (3·H·W, CHW, RGB, ImageNet-normalised): the same pixels as
// SimpleBaseline's warpAffine of get_affine_transform(center, scale, rot).
func (c *Cropper) Crop(dst []float32, img gocv.Mat, center, scale [2]float64, rot float64) {
	c.Warp(dst, img, AffineTransform(center, scale, rot, c.W, c.H, false))
}

// Warp maps img through m into the W×H crop (bilinear, constant border 0, as
// cv2.warpAffine with SimpleBaseline's flags) and writes the normalised CHW
// RGB tensor into dst (3·H·W). The 8-bit BGR crop stays available from
// Image until the next call.
func (c *Cropper) Warp(dst []float32, img gocv.Mat, m Affine) {
	if len(dst) != 3*c.W*c.H {
		panic(fmt.Sprintf("%s: crop dst %d, want 3×%d×%d", errShape, len(dst), c.H, c.W))
	}
	if img.Type() != gocv.MatTypeCV8UC3 {
		panic(fmt.Sprintf("%s: crop image type %v, want CV_8UC3", errShape, img.Type()))
	}
	for i, v := range m {
		c.m.SetDoubleAt(i/3, i%3, v)
	}
	gocv.WarpAffineWithParams(img, &c.warped, c.m, image.Pt(c.W, c.H),
		gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{})
	pix, err := c.warped.DataPtrUint8()
	if err != nil {
		panic("coco: crop Mat is not continuous: " + err.Error())
	}
	normalizeBGR(dst, pix, c.W*c.H)
}

// Image returns the last crop as an 8-bit BGR Mat owned by the Cropper
// (valid until the next Warp; do not Close it).
func (c *Cropper) Image() gocv.Mat { return c.warped }

// normalizeBGR converts n interleaved BGR pixels into planar RGB floats with
// the ImageNet mean and std: dst[ch·n + i] = (pix[3i + 2 − ch]/255 − mean)/std.
// The loop runs over pixels once and writes the three planes side by side,
// so each source byte is read once and each plane is written sequentially.
func normalizeBGR(dst []float32, pix []uint8, n int) {
	r, g, b := dst[:n], dst[n:2*n], dst[2*n:3*n]
	pix = pix[:3*n]
	scale := [3]float32{1 / (255 * stdR), 1 / (255 * stdG), 1 / (255 * stdB)}
	bias := [3]float32{-meanR / stdR, -meanG / stdG, -meanB / stdB}
	for i := range n {
		p := pix[3*i : 3*i+3 : 3*i+3]
		r[i] = float32(p[2])*scale[0] + bias[0]
		g[i] = float32(p[1])*scale[1] + bias[1]
		b[i] = float32(p[0])*scale[2] + bias[2]
	}
}

// errShape starts the panic message of a buffer size mismatch.
const errShape = "coco: shape mismatch"
