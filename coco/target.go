package coco

import (
	"fmt"
	"math"
)

// Geometry is the crop and heatmap layout of a top-down model.
type Geometry struct {
	InputW, InputH     int     // network input, pixels (192×256)
	HeatmapW, HeatmapH int     // heatmap, cells (48×64)
	Sigma              float64 // Gaussian σ in heatmap cells (2)
	// Unbiased centres each Gaussian on the joint's exact sub-cell
	// position (DARK's unbiased encoding, Zhang et al., CVPR 2020) instead
	// of SimpleBaseline's nearest cell. The rounding costs a 128×96 model a
	// sixth of its AP (ground-truth heatmaps decode to AP 0.85 with it, 0.99
	// without, on the synthetic val set); pair it with DARK decoding.
	Unbiased bool
	// BoxPadding enlarges each person box before it is cropped (BoxPadding,
	// 1.25, in SimpleBaseline). A tighter crop gives the person more of the
	// input's pixels and its neighbours fewer.
	BoxPadding float64
}

// DefaultGeometry is SimpleBaseline's COCO 256×192 setting.
func DefaultGeometry() Geometry {
	return Geometry{InputW: 192, InputH: 256, HeatmapW: 48, HeatmapH: 64, Sigma: 2, BoxPadding: BoxPadding}
}

// Validate reports a geometry that cannot be used.
func (g Geometry) Validate() error {
	if g.InputW <= 0 || g.InputH <= 0 || g.HeatmapW <= 0 || g.HeatmapH <= 0 || !(g.Sigma > 0) || !(g.BoxPadding > 0) {
		return fmt.Errorf("coco: geometry %+v: sizes, sigma and box padding must be positive", g)
	}
	return nil
}

// GenerateTarget writes SimpleBaseline's Gaussian heatmaps (K·HeatmapH·HeatmapW)
// and target weights (K) for joints (x, y, v) given in input-crop pixels.
// For each joint: stride = input/heatmap size, μ = int(x/stride + 0.5)
// (truncated toward zero, as Python's int), a window of half-size
// r = int(3σ) from int(μ − r) to int(μ + r + 1) (exclusive); the weight is 0
// when v = 0 or when the window starts at or past the far edge or ends before
// 0, and the window is filled with exp(−(dx² + dy²)/(2σ²)) (peak 1, not
// normalised). With g.Unbiased the window is the same but dx, dy are
// measured from the exact position x/stride, y/stride. The quirk of the
// original is kept: a window whose exclusive end is exactly 0 keeps weight 1
// with an empty heatmap. dst and weights are
// overwritten (zeroed first), so they can be reused.
func GenerateTarget(dst, weights []float32, joints [][3]float32, g Geometry) {
	k := len(joints)
	hw := g.HeatmapW * g.HeatmapH
	if len(dst) != k*hw || len(weights) != k {
		panic(fmt.Sprintf("%s: target %d, weights %d, want %d×%d×%d and %d",
			errShape, len(dst), len(weights), k, g.HeatmapH, g.HeatmapW, k))
	}
	clear(dst)
	strideX := float64(g.InputW) / float64(g.HeatmapW)
	strideY := float64(g.InputH) / float64(g.HeatmapH)
	r := int(3 * g.Sigma)
	twoSigma2 := 2 * g.Sigma * g.Sigma
	for j, p := range joints {
		weights[j] = 0
		if p[2] <= 0 {
			continue
		}
		fx, fy := float64(p[0])/strideX, float64(p[1])/strideY
		mx, my := int(fx+0.5), int(fy+0.5)
		cx, cy := float64(mx), float64(my)
		if g.Unbiased {
			cx, cy = fx, fy
		}
		ulx, uly := mx-r, my-r
		brx, bry := mx+r+1, my+r+1
		if ulx >= g.HeatmapW || uly >= g.HeatmapH || brx < 0 || bry < 0 {
			continue
		}
		weights[j] = 1
		hm := dst[j*hw : (j+1)*hw]
		for y := max(0, uly); y < min(bry, g.HeatmapH); y++ {
			dy := float64(y) - cy
			row := hm[y*g.HeatmapW : (y+1)*g.HeatmapW]
			for x := max(0, ulx); x < min(brx, g.HeatmapW); x++ {
				dx := float64(x) - cx
				row[x] = float32(math.Exp(-(dx*dx + dy*dy) / twoSigma2))
			}
		}
	}
}
