package coco

import "math"

// Affine is a 2×3 affine matrix in row-major order: a point (x, y) maps to
// (A[0]x + A[1]y + A[2], A[3]x + A[4]y + A[5]), as OpenCV's WarpAffine reads
// its matrix.
type Affine [6]float64

// AffineTransform returns the matrix that maps the box given by center and
// scale (in PixelStd units), rotated by rot degrees, onto an outW×outH
// output, as SimpleBaseline's get_affine_transform; with inv it returns the
// matrix from the output back to the image (use it to map heatmap or crop
// coordinates to image pixels). Only scale[0] sets the zoom: the box is
// assumed to have the output's aspect ratio already (BoxToCenterScale).
func AffineTransform(center, scale [2]float64, rot float64, outW, outH int, inv bool) Affine {
	return AffineTransformShift(center, scale, rot, [2]float64{}, outW, outH, inv)
}

// AffineTransformShift is AffineTransform with SimpleBaseline's shift: the
// source centre moves by shift × scale × PixelStd.
//
// It builds the same three point pairs — the centre, the centre plus the
// rotated vector (0, −srcW/2), and a third point at 90° from the second —
// and solves for the matrix that maps one triangle onto the other, which is
// what cv::getAffineTransform computes (here in float64 without the
// float32 rounding of the points). It panics when the box has no extent in
// float64, a zero scale for one.
func AffineTransformShift(center, scale [2]float64, rot float64, shift [2]float64, outW, outH int, inv bool) Affine {
	m, ok := affineTransform(center, scale, rot, shift, outW, outH, inv)
	if !ok {
		panic("coco: degenerate affine triangle (zero scale)")
	}
	return m
}

// Croppable reports whether a box given as its center and scale
// (BoxToCenterScale) can be cropped to outW×outH: whether it is finite and
// has an extent left in float64. Boxes from outside (files, detectors,
// trackers) need the check before Cropper.Crop or AffineTransform, which
// panic on a box that has none.
func Croppable(center, scale [2]float64, outW, outH int) bool {
	_, ok := cropTransform(center, scale, 0, outW, outH)
	return ok
}

// cropTransform is AffineTransform(center, scale, rot, outW, outH, false)
// for a box from outside: ok is false where there is no finite matrix, for
// a box that is not finite or that has no extent left in float64 (a zero
// or subnormal scale, or one below the precision of a far larger centre).
// Where ok is true the inverse matrix is finite too.
func cropTransform(center, scale [2]float64, rot float64, outW, outH int) (m Affine, ok bool) {
	m, ok = affineTransform(center, scale, rot, [2]float64{}, outW, outH, false)
	for _, v := range m {
		ok = ok && !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	return m, ok
}

// affineTransform is AffineTransformShift; ok is false, and m undefined,
// where the source triangle is degenerate.
func affineTransform(center, scale [2]float64, rot float64, shift [2]float64, outW, outH int, inv bool) (m Affine, ok bool) {
	srcW := scale[0] * PixelStd
	dstW, dstH := float64(outW), float64(outH)
	sn, cs := math.Sincos(rot * math.Pi / 180)
	// get_dir rotates (0, −srcW/2) by rot: (0·cs + srcW/2·sn, 0·sn − srcW/2·cs).
	srcDir := [2]float64{srcW * 0.5 * sn, -srcW * 0.5 * cs}
	var src, dst [3][2]float64
	src[0] = [2]float64{center[0] + scale[0]*PixelStd*shift[0], center[1] + scale[1]*PixelStd*shift[1]}
	src[1] = [2]float64{src[0][0] + srcDir[0], src[0][1] + srcDir[1]}
	dst[0] = [2]float64{dstW * 0.5, dstH * 0.5}
	dst[1] = [2]float64{dstW * 0.5, dstH*0.5 - dstW*0.5}
	src[2] = thirdPoint(src[0], src[1])
	dst[2] = thirdPoint(dst[0], dst[1])
	if inv {
		return solveAffine(dst, src)
	}
	return solveAffine(src, dst)
}

// thirdPoint is SimpleBaseline's get_3rd_point: b plus (a − b) turned by 90°.
func thirdPoint(a, b [2]float64) [2]float64 {
	d := [2]float64{a[0] - b[0], a[1] - b[1]}
	return [2]float64{b[0] - d[1], b[1] + d[0]}
}

// solveAffine returns the affine map that takes the three points of from to
// those of to: M = D · S⁻¹ with S the 3×3 matrix of the source points in
// homogeneous columns and D the 2×3 matrix of the destination points. ok is
// false when S is singular (det(S) = 0).
func solveAffine(from, to [3][2]float64) (m Affine, ok bool) {
	// S = [x0 x1 x2; y0 y1 y2; 1 1 1]; S⁻¹ = adj(S)/det(S).
	x0, y0 := from[0][0], from[0][1]
	x1, y1 := from[1][0], from[1][1]
	x2, y2 := from[2][0], from[2][1]
	det := x0*(y1-y2) - x1*(y0-y2) + x2*(y0-y1)
	if det == 0 {
		return m, false
	}
	inv := [3][3]float64{
		{(y1 - y2) / det, (x2 - x1) / det, (x1*y2 - x2*y1) / det},
		{(y2 - y0) / det, (x0 - x2) / det, (x2*y0 - x0*y2) / det},
		{(y0 - y1) / det, (x1 - x0) / det, (x0*y1 - x1*y0) / det},
	}
	for r := range 2 {
		for c := range 3 {
			m[3*r+c] = to[0][r]*inv[0][c] + to[1][r]*inv[1][c] + to[2][r]*inv[2][c]
		}
	}
	return m, true
}

// TransformPoint applies m to (x, y) (SimpleBaseline's affine_transform).
func TransformPoint(m Affine, x, y float64) (float64, float64) {
	return m[0]*x + m[1]*y + m[2], m[3]*x + m[4]*y + m[5]
}

// Invert returns the inverse map of m.
func (m Affine) Invert() Affine {
	det := m[0]*m[4] - m[1]*m[3]
	if det == 0 {
		panic("coco: singular affine matrix")
	}
	a, b, d, e := m[4]/det, -m[1]/det, -m[3]/det, m[0]/det
	return Affine{a, b, -(a*m[2] + b*m[5]), d, e, -(d*m[2] + e*m[5])}
}

// Mul returns the composition m∘n: first n, then m.
func (m Affine) Mul(n Affine) Affine {
	return Affine{
		m[0]*n[0] + m[1]*n[3], m[0]*n[1] + m[1]*n[4], m[0]*n[2] + m[1]*n[5] + m[2],
		m[3]*n[0] + m[4]*n[3], m[3]*n[1] + m[4]*n[4], m[3]*n[2] + m[4]*n[5] + m[5],
	}
}

// FlipX is the horizontal flip of an image width pixels wide, x ← width − 1 − x
// (numpy's img[:, ::-1]).
func FlipX(width int) Affine {
	return Affine{-1, 0, float64(width - 1), 0, 1, 0}
}
