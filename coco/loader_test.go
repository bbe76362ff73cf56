package coco_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/synth"
)

const (
	tinyAnn  = "../testdata/coco/person_keypoints_tiny.json"
	tinyImgs = "../testdata/coco/images"
)

func tinySamples(t testing.TB, copies int) ([]coco.Sample, coco.KeypointInfo) {
	ds, err := coco.Load(tinyAnn)
	require.NoError(t, err)
	base := coco.AnnotationSamples(ds, tinyImgs, 192, 256, coco.BoxPadding)
	var out []coco.Sample
	for range copies {
		out = append(out, base...)
	}
	return out, ds.Person.Keypoints
}

// snapshot is a deep copy of a batch, for comparing runs.
type snapshot struct {
	n, epoch, step, skipped int
	images, targets, weight []float32
	meta                    []coco.SampleMeta
}

func drain(t *testing.T, l *coco.Loader) []snapshot {
	t.Helper()
	var out []snapshot
	for {
		b, err := l.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		s := snapshot{n: b.N, epoch: b.Epoch, step: b.Step, skipped: b.Skipped,
			images: append([]float32(nil), b.Images...), targets: append([]float32(nil), b.Targets...),
			weight: append([]float32(nil), b.Weights...)}
		for _, m := range b.Meta[:b.N] {
			m.Joints = append([][3]float32(nil), m.Joints...)
			s.meta = append(s.meta, m)
		}
		out = append(out, s)
		l.Release(b)
	}
}

func TestLoaderDeterministicAcrossWorkers(t *testing.T) {
	samples, kp := tinySamples(t, 4) // 20 samples, each index augmented differently
	aug := coco.DefaultAugmentation()
	opts := coco.LoaderOptions{BatchSize: 6, Seed: 42, Shuffle: true, Epochs: 2, Augment: &aug,
		Geometry: coco.DefaultGeometry(), Keypoints: kp}
	var runs [][]snapshot
	for _, workers := range []int{1, 2, 4} {
		o := opts
		o.Workers, o.Buffers = workers, workers+1
		l, err := coco.NewLoader(samples, o)
		require.NoError(t, err)
		runs = append(runs, drain(t, l))
		require.NoError(t, l.Close())
	}
	require.Len(t, runs[0], 2*4, "2 epochs of ⌈20/6⌉ batches")
	for w := 1; w < len(runs); w++ {
		require.Len(t, runs[w], len(runs[0]))
		for i := range runs[0] {
			a, b := runs[0][i], runs[w][i]
			assert.Equal(t, a.n, b.n)
			assert.Equal(t, a.meta, b.meta, "batch %d", i)
			// Bit-identical, not merely close: the same work in another order.
			assert.True(t, slices.Equal(a.images, b.images), "batch %d images", i)
			assert.True(t, slices.Equal(a.targets, b.targets), "batch %d targets", i)
			assert.True(t, slices.Equal(a.weight, b.weight), "batch %d weights", i)
		}
	}
	// Every sample appears once per epoch, in another order each epoch.
	var order [2][]int
	for _, s := range runs[0] {
		for _, m := range s.meta {
			order[s.epoch] = append(order[s.epoch], m.Index)
		}
	}
	assert.ElementsMatch(t, order[0], order[1])
	assert.NotEqual(t, order[0], order[1])
	assert.Len(t, order[0], 20)
}

func TestLoaderEvalMatchesTransform(t *testing.T) {
	// Without augmentation the batch joints are the annotated joints mapped
	// by AffineTransform, and the weights follow the labels.
	samples, kp := tinySamples(t, 1)
	g := coco.DefaultGeometry()
	l, err := coco.NewLoader(samples, coco.LoaderOptions{BatchSize: 8, Workers: 2, Epochs: 1, Geometry: g, Keypoints: kp})
	require.NoError(t, err)
	defer l.Close()
	b, err := l.Next(context.Background())
	require.NoError(t, err)
	require.Equal(t, len(samples), b.N)
	for i, m := range b.Meta[:b.N] {
		s := samples[i]
		assert.Equal(t, i, m.Index)
		assert.Equal(t, s.Center, m.Center)
		tr := coco.AffineTransform(s.Center, s.Scale, 0, g.InputW, g.InputH, false)
		for j, p := range s.Joints {
			if p[2] == 0 {
				assert.Zero(t, b.Weights[i*kp.K()+j])
				continue
			}
			x, y := coco.TransformPoint(tr, float64(p[0]), float64(p[1]))
			assert.InDelta(t, x, float64(m.Joints[j][0]), 1e-3)
			assert.InDelta(t, y, float64(m.Joints[j][1]), 1e-3)
		}
	}
	l.Release(b)
	_, err = l.Next(context.Background())
	assert.ErrorIs(t, err, io.EOF)
}

func TestLoaderSkipsBadSamples(t *testing.T) {
	samples, kp := tinySamples(t, 1)
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.jpg")
	require.NoError(t, os.WriteFile(corrupt, []byte("this is not a JPEG"), 0o644))
	empty := filepath.Join(dir, "empty.jpg")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	bad := []string{filepath.Join(dir, "missing.jpg"), corrupt, empty}
	for i, p := range bad {
		s := samples[i]
		s.ImagePath, s.AnnID = p, int64(100+i)
		samples = append(samples, s)
	}
	l, err := coco.NewLoader(samples, coco.LoaderOptions{BatchSize: 4, Workers: 2, Epochs: 1,
		Geometry: coco.DefaultGeometry(), Keypoints: kp})
	require.NoError(t, err)
	defer l.Close()
	var n, skipped int
	for {
		b, err := l.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		n += b.N
		skipped += b.Skipped
		l.Release(b)
	}
	assert.Equal(t, 5, n)
	assert.Equal(t, 3, skipped)
	count, first := l.Skipped()
	assert.Equal(t, int64(3), count)
	require.Error(t, first)
	assert.Contains(t, first.Error(), "annotation 10", "the error names the annotation")
}

// A box too small to crop (here a scale below the precision of its
// centre) is skipped with an error that names it, not a panic in a worker.
func TestLoaderSkipsUncroppableBox(t *testing.T) {
	samples, kp := tinySamples(t, 1)
	s := samples[0]
	s.Scale, s.AnnID = [2]float64{1e-300, 1e-300}, 100
	samples = append(samples[:1], s)
	l, err := coco.NewLoader(samples, coco.LoaderOptions{BatchSize: 2, Workers: 1, Epochs: 1,
		Geometry: coco.DefaultGeometry(), Keypoints: kp})
	require.NoError(t, err)
	defer l.Close()
	b, err := l.Next(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, b.N)
	assert.Equal(t, 1, b.Skipped)
	l.Release(b)
	_, first := l.Skipped()
	require.Error(t, first)
	assert.Contains(t, first.Error(), "annotation 100")
	assert.Contains(t, first.Error(), "no crop")
}

func TestLoaderCancel(t *testing.T) {
	samples, kp := tinySamples(t, 2)
	l, err := coco.NewLoader(samples, coco.LoaderOptions{BatchSize: 2, Workers: 1, Buffers: 1,
		Geometry: coco.DefaultGeometry(), Keypoints: kp}) // Epochs 0: endless
	require.NoError(t, err)
	b, err := l.Next(context.Background())
	require.NoError(t, err)
	// The only buffer is held, so the next batch can never come: Next must
	// return when its context ends.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = l.Next(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	l.Release(b)
	require.NoError(t, l.Close())
}

func TestLoaderOptionErrors(t *testing.T) {
	samples, kp := tinySamples(t, 1)
	g := coco.DefaultGeometry()
	tests := []struct {
		name string
		opt  coco.LoaderOptions
		want string
	}{
		{"batch size", coco.LoaderOptions{Geometry: g, Keypoints: kp}, "batch size 0"},
		{"geometry", coco.LoaderOptions{BatchSize: 1, Keypoints: kp}, "geometry"},
		{"keypoints", coco.LoaderOptions{BatchSize: 1, Geometry: g}, "no keypoints"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := coco.NewLoader(samples, tc.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	bad := append([]coco.Sample(nil), samples...)
	bad[2].Joints = bad[2].Joints[:5]
	_, err := coco.NewLoader(bad, coco.LoaderOptions{BatchSize: 1, Geometry: g, Keypoints: kp})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "annotation 3")
}

// BenchmarkLoader reports training samples per second (decode + augment +
// 256×192 crop + targets) from synthetic 320×240 JPEGs with GOMAXPROCS
// workers.
func BenchmarkLoader(b *testing.B) {
	dir := b.TempDir()
	_, err := synth.Generate(context.Background(), synth.Options{Out: dir, Train: 64, Seed: 1})
	require.NoError(b, err)
	ds, err := coco.Load(filepath.Join(dir, "annotations", "person_keypoints_train.json"))
	require.NoError(b, err)
	samples := coco.AnnotationSamples(ds, filepath.Join(dir, "images", "train"), 192, 256, coco.BoxPadding)
	aug := coco.DefaultAugmentation()
	l, err := coco.NewLoader(samples, coco.LoaderOptions{BatchSize: 32, Seed: 1, Shuffle: true, DropLast: true,
		Augment: &aug, Geometry: coco.DefaultGeometry(), Keypoints: ds.Person.Keypoints})
	require.NoError(b, err)
	defer l.Close()
	ctx := context.Background()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		batch, err := l.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		n += batch.N
		l.Release(batch)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "samples/s")
}

// TestLoaderOcclusion compares a loader that occludes every crop with one
// that occludes none, on the same seed: the views, targets and weights are
// the same (the occluder is drawn after them), and each crop differs only
// inside one rectangle, painted in one colour per channel.
func TestLoaderOcclusion(t *testing.T) {
	samples, kp := tinySamples(t, 2)
	g := coco.DefaultGeometry()
	load := func(prob float64) []snapshot {
		aug := coco.DefaultAugmentation()
		aug.OcclusionProb = prob
		l, err := coco.NewLoader(samples, coco.LoaderOptions{BatchSize: 4, Seed: 7, Epochs: 1, Augment: &aug,
			Geometry: g, Keypoints: kp, Workers: 2, Buffers: 3})
		require.NoError(t, err)
		defer l.Close()
		return drain(t, l)
	}
	plain, occluded := load(0), load(1)
	require.Len(t, occluded, len(plain))
	n := g.InputW * g.InputH
	for i := range plain {
		a, b := plain[i], occluded[i]
		assert.Equal(t, a.meta, b.meta, "batch %d", i)
		assert.True(t, slices.Equal(a.targets, b.targets), "batch %d targets", i)
		assert.True(t, slices.Equal(a.weight, b.weight), "batch %d weights", i)
		for s := range a.n {
			x0, y0, x1, y1 := g.InputW, g.InputH, -1, -1
			for p := range n {
				for c := range 3 {
					if a.images[(s*3+c)*n+p] != b.images[(s*3+c)*n+p] {
						x, y := p%g.InputW, p/g.InputW
						x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
					}
				}
			}
			require.GreaterOrEqual(t, x1, 0, "batch %d sample %d: no occluder", i, s)
			w, h := x1-x0+1, y1-y0+1
			assert.True(t, w <= g.InputW*2/5+1 && h <= g.InputH*2/5+1, "batch %d sample %d: changed %dx%d", i, s, w, h)
			for c := range 3 {
				v := b.images[(s*3+c)*n+y0*g.InputW+x0]
				for y := y0; y <= y1; y++ {
					for x := x0; x <= x1; x++ {
						require.Equal(t, v, b.images[(s*3+c)*n+y*g.InputW+x], "batch %d sample %d channel %d (%d,%d)", i, s, c, x, y)
					}
				}
			}
		}
	}
}
