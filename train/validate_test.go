package train

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/coco"
)

// TestValidatorGeometry feeds the validator the ground-truth target
// heatmaps as predictions: if the crop → heatmap → image mapping is right,
// AP is near 1 (the targets' peaks sit on the nearest cell, so it is not
// exactly 1); shifting the heatmaps by a few cells must ruin it.
func TestValidatorGeometry(t *testing.T) {
	data := tinyData(t, 1, 6)
	sp, err := coco.FindSplit(data, "val")
	require.NoError(t, err)
	g := coco.Geometry{InputW: 96, InputH: 128, HeatmapW: 24, HeatmapH: 32, Sigma: 2, BoxPadding: coco.BoxPadding}
	v, err := NewValidator(sp, g, 4, 2, false)
	require.NoError(t, err)
	targets := func(shift int) func(b *coco.Batch) []float32 {
		return func(b *coco.Batch) []float32 {
			hm := make([]float32, len(b.Targets))
			w := g.HeatmapW
			for row := range len(b.Targets) / w {
				src := b.Targets[row*w : (row+1)*w]
				copy(hm[row*w+shift:(row+1)*w], src[:w-shift])
			}
			return hm
		}
	}
	s, err := v.evaluate(context.Background(), targets(0))
	require.NoError(t, err)
	assert.Greater(t, s.Stats[0], 0.85, "AP of the GT heatmaps")
	shifted, err := v.evaluate(context.Background(), targets(3))
	require.NoError(t, err)
	assert.Less(t, shifted.Stats[0], s.Stats[0]-0.3, "AP of heatmaps shifted by 3 cells")
	t.Logf("GT heatmaps AP %.3f, shifted %.3f", s.Stats[0], shifted.Stats[0])

	// Unbiased targets decoded with DARK lose nothing to the heatmap grid.
	g.Unbiased = true
	v.Geometry, v.DARK = g, true
	unbiased, err := v.evaluate(context.Background(), targets(0))
	require.NoError(t, err)
	assert.Greater(t, unbiased.Stats[0], 0.995, "AP of unbiased GT heatmaps with DARK")
	assert.Greater(t, unbiased.Stats[0], s.Stats[0]+0.05)
	t.Logf("unbiased GT heatmaps + DARK: AP %.3f", unbiased.Stats[0])
}
