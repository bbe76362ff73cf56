package pose

import (
	"fmt"
	"math"
)

// Keypoint is one decoded joint: its position and its score, the peak
// value of its heatmap.
type Keypoint struct {
	X, Y, Score float32
}

// Affine is a 2×3 matrix (a, b, c, d, e, f) that maps (x, y) to
// (a·x + b·y + c, d·x + e·y + f), as OpenCV's getAffineTransform returns it
// (row-major).
type Affine [6]float64

// Apply maps one point.
func (m Affine) Apply(x, y float64) (float64, float64) {
	return m[0]*x + m[1]*y + m[2], m[3]*x + m[4]*y + m[5]
}

// ToImage maps keypoints from heatmap coordinates to image coordinates in
// place: p ← inv·(stride·p). inv is the inverse of the crop affine (image →
// network input); stride is input size / heatmap size (4 for 256×192 →
// 64×48). Scores are unchanged.
func ToImage(kps []Keypoint, inv Affine, stride float64) {
	for i := range kps {
		x, y := inv.Apply(stride*float64(kps[i].X), stride*float64(kps[i].Y))
		kps[i].X, kps[i].Y = float32(x), float32(y)
	}
}

// DefaultDARKSigma is the σ of DARK's smoothing: the σ of the training
// targets (2 for 64×48 heatmaps).
const DefaultDARKSigma = 2

// quarterShift is SimpleBaseline's sub-pixel correction: a quarter pixel
// toward the larger neighbour.
const quarterShift = 0.25

// logFloor keeps DARK's log away from −Inf on zero or negative heatmaps.
const logFloor = 1e-10

// Decoder turns heatmaps into keypoints. The zero value decodes as
// SimpleBaseline does; set DARK for the distribution-aware refinement. A
// Decoder owns scratch buffers: use one per goroutine.
type Decoder struct {
	// DARK refines each peak with a second-order Taylor step on the log
	// of the Gaussian-smoothed heatmap (Zhang et al., "Distribution-Aware
	// Coordinate Representation for Human Pose Estimation", CVPR 2020)
	// instead of the quarter-pixel shift.
	DARK bool
	// Sigma is the σ of DARK's smoothing (DefaultDARKSigma if 0).
	Sigma float64

	smooth, tmp, kernel []float32
}

// Decode decodes one sample's heatmaps hm (K,H,W) into dst (length K), in
// heatmap coordinates (pixel centres at integers).
//
// For each heatmap: the argmax (first in row-major order on ties) gives
// the peak and the score is the peak value. A peak whose value is not
// positive is reported at (0, 0), as SimpleBaseline masks it. Otherwise,
// without DARK, a peak not on the border moves 0.25 px on each axis toward
// its larger neighbour (not at all on a tie). With DARK, a peak at least
// two pixels from every border moves by −H⁻¹∇ of the log of the smoothed
// heatmap (when the Hessian is invertible and the step stays within one
// pixel); peaks nearer the border fall back to the quarter-pixel rule.
func (d *Decoder) Decode(dst []Keypoint, hm []float32, k, h, w int) {
	if len(dst) != k || len(hm) != k*h*w {
		panic(fmt.Sprintf("%s: decode %d keypoints from %d values as (%d,%d,%d)", errShape, len(dst), len(hm), k, h, w))
	}
	plane := h * w
	for j := range k {
		m := hm[j*plane : (j+1)*plane]
		best := 0
		for i, v := range m {
			if v > m[best] {
				best = i
			}
		}
		score := m[best]
		dst[j] = Keypoint{Score: score}
		if !(score > 0) {
			continue
		}
		px, py := best%w, best/w
		x, y := float64(px), float64(py)
		if d.DARK && px >= 2 && px <= w-3 && py >= 2 && py <= h-3 {
			dx, dy, ok := d.darkOffset(m, h, w, px, py)
			if ok {
				dst[j].X, dst[j].Y = float32(x+dx), float32(y+dy)
				continue
			}
		}
		dst[j].X, dst[j].Y = float32(x+quarter(m, w, h, px, py, 1, 0)), float32(y+quarter(m, w, h, px, py, 0, 1))
	}
}

// quarter returns ±0.25 toward the larger neighbour of (px, py) along
// (ox, oy), or 0 on the border or on a tie.
func quarter(m []float32, w, h, px, py, ox, oy int) float64 {
	if px-ox < 0 || px+ox >= w || py-oy < 0 || py+oy >= h {
		return 0
	}
	next, prev := m[(py+oy)*w+px+ox], m[(py-oy)*w+px-ox]
	switch {
	case next > prev:
		return quarterShift
	case next < prev:
		return -quarterShift
	default:
		return 0
	}
}

// darkOffset smooths heatmap m, takes its log and returns the Newton step
// −H⁻¹∇ at (px, py) from central differences.
func (d *Decoder) darkOffset(m []float32, h, w, px, py int) (dx, dy float64, ok bool) {
	sigma := d.Sigma
	if sigma == 0 {
		sigma = DefaultDARKSigma
	}
	d.gaussianBlur(m, h, w, sigma)
	s := d.smooth
	// Rescale so the smoothed peak keeps the original maximum, as DARK does,
	// then take the log (the Taylor expansion is of log-likelihood).
	var sMax, mMax float32 = s[0], m[0]
	for i := range s {
		sMax = max(sMax, s[i])
		mMax = max(mMax, m[i])
	}
	if !(sMax > 0) {
		return 0, 0, false
	}
	at := func(x, y int) float64 {
		return math.Log(max(float64(s[y*w+x]*(mMax/sMax)), logFloor))
	}
	c := at(px, py)
	gx := 0.5 * (at(px+1, py) - at(px-1, py))
	gy := 0.5 * (at(px, py+1) - at(px, py-1))
	hxx := 0.25 * (at(px+2, py) - 2*c + at(px-2, py))
	hyy := 0.25 * (at(px, py+2) - 2*c + at(px, py-2))
	hxy := 0.25 * (at(px+1, py+1) - at(px+1, py-1) - at(px-1, py+1) + at(px-1, py-1))
	det := hxx*hyy - hxy*hxy
	if det == 0 || math.IsNaN(det) {
		return 0, 0, false
	}
	// −H⁻¹g with H⁻¹ = [hyy −hxy; −hxy hxx]/det.
	dx = -(hyy*gx - hxy*gy) / det
	dy = -(-hxy*gx + hxx*gy) / det
	if math.Abs(dx) > 1 || math.Abs(dy) > 1 || math.IsNaN(dx) || math.IsNaN(dy) {
		return 0, 0, false // not a maximum of a smooth bump: keep the argmax rule
	}
	return dx, dy, true
}

// gaussianBlur writes m convolved with a normalised Gaussian of σ (radius
// ⌊2.5σ⌋, 11 taps for σ = 2 as DARK's kernel) into d.smooth, treating
// pixels outside the heatmap as zero. Separable: rows then columns.
func (d *Decoder) gaussianBlur(m []float32, h, w int, sigma float64) {
	r := int(2.5 * sigma)
	if len(d.kernel) != 2*r+1 {
		d.kernel = make([]float32, 2*r+1)
		sum := 0.0
		for i := -r; i <= r; i++ {
			sum += math.Exp(-float64(i*i) / (2 * sigma * sigma))
		}
		for i := -r; i <= r; i++ {
			d.kernel[i+r] = float32(math.Exp(-float64(i*i)/(2*sigma*sigma)) / sum)
		}
	}
	if len(d.smooth) != h*w {
		d.smooth = make([]float32, h*w)
		d.tmp = make([]float32, h*w)
	}
	kern := d.kernel
	for y := range h {
		src, out := m[y*w:(y+1)*w], d.tmp[y*w:(y+1)*w]
		for x := range w {
			var acc float32
			for i := max(-r, -x); i <= r && x+i < w; i++ {
				acc += kern[i+r] * src[x+i]
			}
			out[x] = acc
		}
	}
	for y := range h {
		out := d.smooth[y*w : (y+1)*w]
		for x := range w {
			var acc float32
			for i := max(-r, -y); i <= r && y+i < h; i++ {
				acc += kern[i+r] * d.tmp[(y+i)*w+x]
			}
			out[x] = acc
		}
	}
}
