package infer_test

import (
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/infer"
	"github.com/dypose/dypose/nn/nntest"
	"github.com/dypose/dypose/pose"
	"github.com/dypose/dypose/track"
)

// Whatever the weights, every decoded keypoint must map back inside the
// region its box was cropped from (box widened to the input aspect, then
// enlarged by the model's padding or the one asked for).
func TestEstimateMapsIntoCropRegion(t *testing.T) {
	m := pose.New(pose.MustParseArch("mnv3-small-dyrelu-c-w0.25-hc16"), nntest.Rand(3))
	m.Meta.InputH, m.Meta.InputW = 64, 48
	img := gocv.IMRead(nntest.Testdata("coco/images/000000000001.jpg"), gocv.IMReadColor)
	defer img.Close()
	require.False(t, img.Empty())
	boxes := []detect.Box{{X: 10, Y: 5, W: 40, H: 80, Score: 0.9}, {X: 90, Y: 30, W: 50, H: 60, Score: 0.8}}

	for _, tc := range []struct {
		flip                bool
		meta, asked, padded float64 // the model's padding, Options.BoxPadding, the one expected
	}{
		{false, coco.BoxPadding, 0, coco.BoxPadding},
		{true, coco.BoxPadding, 0, coco.BoxPadding},
		{false, 0.7, 0, 0.7},
		{true, coco.BoxPadding, 0.6, 0.6},
	} {
		m.Meta.BoxPadding = tc.meta
		est, err := infer.NewEstimator(m, infer.Options{Flip: tc.flip, NoNMS: true, BoxPadding: tc.asked})
		require.NoError(t, err)
		assert.InDelta(t, tc.padded, est.BoxPadding(), 0)
		people, err := est.Estimate(img, boxes)
		require.NoError(t, err)
		require.Len(t, people, len(boxes))
		for i, p := range people {
			b := boxes[i]
			c, s := coco.BoxToCenterScale([4]float64{float64(b.X), float64(b.Y), float64(b.W), float64(b.H)}, 48.0/64.0, tc.padded)
			halfW, halfH := s[0]*coco.PixelStd/2, s[1]*coco.PixelStd/2
			require.Len(t, p.Keypoints, 51)
			for j := 0; j < 17; j++ {
				x, y := float64(p.Keypoints[3*j]), float64(p.Keypoints[3*j+1])
				assert.InDelta(t, c[0], x, halfW+1e-3, "person %d keypoint %d x", i, j)
				assert.InDelta(t, c[1], y, halfH+1e-3, "person %d keypoint %d y", i, j)
			}
			assert.Equal(t, b, p.Box)
		}
		require.NoError(t, est.Close())
	}
	est, err := infer.NewEstimator(m, infer.Options{NoNMS: true})
	require.NoError(t, err)
	defer est.Close()
	people, err := est.Estimate(img, nil)
	require.NoError(t, err)
	assert.Empty(t, people)

	// Boxes with nothing to crop are skipped (a zero scale panicked in
	// the crop's affine transform).
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	degenerate := []detect.Box{{X: 10, Y: 5, W: 0, H: 0}, {X: 10, Y: 5, W: 40, H: -1}, {X: nan, Y: 5, W: 40, H: 80},
		{X: 10, Y: 5, W: inf, H: 80}, {X: 1e7, Y: 5, W: 1e-12, H: 1e-12}, boxes[1]}
	people, err = est.Estimate(img, degenerate)
	require.NoError(t, err)
	require.Len(t, people, 1)
	assert.Equal(t, boxes[1], people[0].Box)
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(img, &gray, gocv.ColorBGRToGray)
	_, err = est.Estimate(gray, boxes)
	require.Error(t, err, "a gray frame is an error, not a panic in the crop")
	assert.Contains(t, err.Error(), "want 8-bit BGR")
}

// The decoding follows the model's training unless Options ask otherwise:
// DARK on a model trained for argmax (or the reverse) costs accuracy, so
// the default must not be a fixed one.
func TestEstimatorDecode(t *testing.T) {
	m := pose.New(pose.MustParseArch("mnv3-small-dyrelu-c-w0.25-hc16"), nntest.Rand(4))
	for _, tc := range []struct{ meta, asked, want string }{
		{pose.DecodeDARK, "", pose.DecodeDARK},
		{pose.DecodeArgmax, "", pose.DecodeArgmax},
		{pose.DecodeDARK, pose.DecodeArgmax, pose.DecodeArgmax},
		{pose.DecodeArgmax, pose.DecodeDARK, pose.DecodeDARK},
	} {
		m.Meta.Decode = tc.meta
		est, err := infer.NewEstimator(m, infer.Options{Decode: tc.asked})
		require.NoError(t, err)
		assert.Equal(t, tc.want, est.Decode(), "model %s, asked %q", tc.meta, tc.asked)
		require.NoError(t, est.Close())
	}
	_, err := infer.NewEstimator(m, infer.Options{Decode: "soft-argmax"})
	assert.EqualError(t, err, `infer: decode "soft-argmax": want argmax or dark`)
}

// Estimators over models of their own run at once without sharing state:
// each goroutine's people equal a lone run's to the bit (run with -race).
func TestEstimatorsConcurrent(t *testing.T) {
	img := gocv.IMRead(nntest.Testdata("coco/images/000000000001.jpg"), gocv.IMReadColor)
	defer img.Close()
	require.False(t, img.Empty())
	boxes := []detect.Box{{X: 10, Y: 5, W: 40, H: 80, Score: 0.9}, {X: 90, Y: 30, W: 50, H: 60, Score: 0.8}}
	newEstimator := func() *infer.Estimator {
		m := pose.New(pose.MustParseArch("mnv3-small-dyrelu-c-w0.25-hc16"), nntest.Rand(5))
		m.Meta.InputH, m.Meta.InputW = 64, 48
		est, err := infer.NewEstimator(m, infer.Options{Flip: true})
		require.NoError(t, err)
		return est
	}
	lone := newEstimator()
	defer lone.Close()
	want, err := lone.Estimate(img, boxes)
	require.NoError(t, err)
	require.NotEmpty(t, want)

	const goroutines, rounds = 3, 4
	got := make([][][]track.Person, goroutines)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		est := newEstimator()
		defer est.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				people, err := est.Estimate(img, boxes)
				if err != nil {
					errs[g] = err
					return
				}
				got[g] = append(got[g], people)
			}
		}()
	}
	wg.Wait()
	for g := range goroutines {
		require.NoError(t, errs[g])
		for r, people := range got[g] {
			assert.Equal(t, want, people, "goroutine %d round %d", g, r)
		}
	}
}
