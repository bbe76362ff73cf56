package train

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/pose"
)

// finishedRun trains a tiny model for one epoch on data and returns its
// config and its last.safetensors' path and bytes, for tests that check a
// failed run leaves the checkpoint as it was.
func finishedRun(t *testing.T, data string) (cfg Config, last string, lastBytes []byte) {
	t.Helper()
	cfg = tinyConfig(data, t.TempDir())
	cfg.Epochs = 1
	_, err := Train(context.Background(), cfg, Options{})
	require.NoError(t, err)
	last = filepath.Join(cfg.Out, LastCheckpoint)
	lastBytes, err = os.ReadFile(last)
	require.NoError(t, err)
	return cfg, last, lastBytes
}

func TestTrainBadInput(t *testing.T) {
	data := tinyData(t, 2, 1)
	// A finished run whose checkpoint the bad resumes must leave intact.
	prev, last, lastBytes := finishedRun(t, data)

	noImages := t.TempDir()
	require.NoError(t, os.CopyFS(noImages, os.DirFS(data)))
	require.NoError(t, os.RemoveAll(filepath.Join(noImages, "images", "train")))
	require.NoError(t, os.MkdirAll(filepath.Join(noImages, "images", "train"), 0o755))
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))

	for _, tc := range []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"no annotations", func(c *Config) { c.Data = t.TempDir() }, "no train annotations"},
		{"image folder missing", func(c *Config) {
			c.Data = t.TempDir()
			require.NoError(t, os.CopyFS(c.Data, os.DirFS(data)))
			require.NoError(t, os.RemoveAll(filepath.Join(c.Data, "images")))
		}, "image folder"},
		{"images missing", func(c *Config) { c.Data = noImages }, "missing"},
		{"resume other arch", func(c *Config) {
			c.Arch, c.Resume = "mnv3-small-baseline-w0.25-hc16", last
		}, pose.ErrArchMismatch.Error()},
		{"resume other seed", func(c *Config) { c.Seed, c.Resume = 9, last }, "seed"},
		{"resume without the average asked for", func(c *Config) { c.EMADecay, c.Resume = 0.9, last }, "no weight average"},
		{"resume model-only checkpoint", func(c *Config) { c.Resume = filepath.Join(prev.Out, BestCheckpoint) }, "model-only"},
		{"resume missing file", func(c *Config) { c.Resume = filepath.Join(prev.Out, "nope.safetensors") }, "resume"},
		{"out is a file", func(c *Config) { c.Out = filepath.Join(file, "run") }, "run directory"},
		{"ohkm above the keypoints", func(c *Config) { c.OHKMTopK = 18 }, "ohkm_topk 18"},
		{"joint weights not one per keypoint", func(c *Config) { c.JointWeights = []float64{1, 2} }, "joint_weights has 2 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(data, t.TempDir())
			cfg.Epochs = 1
			tc.edit(&cfg)
			_, err := Train(context.Background(), cfg, Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			after, err := os.ReadFile(last)
			require.NoError(t, err)
			assert.Equal(t, lastBytes, after, "previous checkpoint intact")
		})
	}
}

func TestTrainNonFiniteLoss(t *testing.T) {
	data := tinyData(t, 2, 1)
	cfg := tinyConfig(data, t.TempDir())
	cfg.LR = 1e38 // the first Adam step sends the weights to ±1e38
	_, err := Train(context.Background(), cfg, Options{})
	require.ErrorIs(t, err, ErrNonFinite)
	assert.Contains(t, err.Error(), "epoch 2 iteration 1 (global 2)", "names where it stopped")
}

func TestTrainInterruptCheckpoints(t *testing.T) {
	data := tinyData(t, 2, 1)
	cfg := tinyConfig(data, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Train(ctx, cfg, Options{})
	require.ErrorIs(t, err, context.Canceled)
	assert.FileExists(t, filepath.Join(cfg.Out, LastCheckpoint), "checkpoint written on cancellation")
}
