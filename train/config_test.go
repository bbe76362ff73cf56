package train

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/pose"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultIsPaperRecipe(t *testing.T) {
	d := Default()
	assert.Equal(t, OptimizerAdam, d.Optimizer)
	assert.InDelta(t, 1e-3, d.LR, 0)
	assert.Equal(t, 210, d.Epochs)
	assert.Equal(t, []int{170, 200}, d.Milestones)
	assert.InDelta(t, 0.1, d.Gamma, 0)
	assert.Equal(t, 32, d.Batch)
	assert.Equal(t, 500, d.WarmupIters)
	assert.InDelta(t, 0.001, d.WarmupRatio, 0)
	g, err := d.Geometry()
	require.NoError(t, err)
	assert.Equal(t, [4]int{192, 256, 48, 64}, [4]int{g.InputW, g.InputH, g.HeatmapW, g.HeatmapH})
	assert.InDelta(t, 0.0, d.ClipNorm, 0, "clipping off by default")
	assert.InDelta(t, 0.0, d.EMADecay, 0, "no weight average in the paper's recipe")
	assert.InDelta(t, 1.0, d.LossWeight, 0)
	assert.Equal(t, coco.DefaultAugmentation(), d.Augmentation(), "SimpleBaseline's augmentation")
	assert.InDelta(t, 1.25, g.BoxPadding, 0, "SimpleBaseline's box padding")
	assert.InDelta(t, coco.BoxPadding, pose.DefaultBoxPadding, 0, "older checkpoints were trained with coco's default")
}

func TestParseInput(t *testing.T) {
	for _, tc := range []struct {
		in   string
		h, w int
		ok   bool
	}{
		{"256x192", 256, 192, true},
		{" 128X96 ", 128, 96, true},
		{"64x48", 0, 0, false}, // 48 is not a multiple of the backbone stride
		{"256", 0, 0, false},
		{"0x32", 0, 0, false},
		{"ax32", 0, 0, false},
		{"1024x1024", 1024, 1024, true},
		{"1056x32", 0, 0, false},                // above maxInputSide, so pose.Load would refuse the checkpoint
		{"9223372036854775776x32", 0, 0, false}, // its buffers would overflow an int
	} {
		t.Run(tc.in, func(t *testing.T) {
			h, w, err := ParseInput(tc.in)
			if !tc.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, [2]int{tc.h, tc.w}, [2]int{h, w})
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	for _, tc := range []struct {
		name, file, body string
		wantErr          bool
		check            func(t *testing.T, c Config)
	}{
		{name: "json", file: "a.json", body: `{"epochs": 3, "lr": 0.002, "schedule": "cosine", "input": "128x96"}`,
			check: func(t *testing.T, c Config) {
				assert.Equal(t, 3, c.Epochs)
				assert.InDelta(t, 0.002, c.LR, 0)
				assert.Equal(t, ScheduleCosine, c.Schedule)
				assert.Equal(t, 32, c.Batch, "fields left out keep the default")
			}},
		{name: "yaml", file: "b.yaml", body: "epochs: 5\nmilestones: [3, 4]\nflip_test: false\n",
			check: func(t *testing.T, c Config) {
				assert.Equal(t, 5, c.Epochs)
				assert.Equal(t, []int{3, 4}, c.Milestones)
				assert.False(t, c.FlipTest)
			}},
		{name: "unknown json field", file: "c.json", body: `{"epoch": 3}`, wantErr: true},
		{name: "unknown yaml field", file: "d.yml", body: "lr_rate: 1\n", wantErr: true},
		{name: "bad extension", file: "e.toml", body: "", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadConfig(write(tc.file, tc.body), Default())
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
	_, err := LoadConfig(filepath.Join(dir, "missing.json"), Default())
	assert.Error(t, err)

	// The file's slices are the config's own: neither a loaded config nor
	// a failed load changes base's.
	base := Default()
	_, err = LoadConfig(write("f.json", `{"milestones": [5], "epoch": 1}`), base)
	require.Error(t, err)
	assert.Equal(t, []int{170, 200}, base.Milestones)
}

func TestValidateConfig(t *testing.T) {
	ok := Default()
	ok.Data, ok.Out = "d", "o"
	require.NoError(t, ok.Validate())
	for _, tc := range []struct {
		name string
		edit func(c *Config)
	}{
		{"no data", func(c *Config) { c.Data = "" }},
		{"no out", func(c *Config) { c.Out = "" }},
		{"bad arch", func(c *Config) { c.Arch = "resnet50" }},
		{"zero epochs", func(c *Config) { c.Epochs = 0 }},
		{"bad optimizer", func(c *Config) { c.Optimizer = "sgd" }},
		{"bad schedule", func(c *Config) { c.Schedule = "poly" }},
		{"negative clip", func(c *Config) { c.ClipNorm = -1 }},
		{"bad input", func(c *Config) { c.Input = "100x100" }},
		{"zero loss weight", func(c *Config) { c.LossWeight = 0 }},
		{"ema decay 1", func(c *Config) { c.EMADecay = 1 }},
		{"negative ema decay", func(c *Config) { c.EMADecay = -0.5 }},
		{"NaN ema decay", func(c *Config) { c.EMADecay = math.NaN() }},
		{"negative ohkm top-k", func(c *Config) { c.OHKMTopK = -1 }},
		{"joint weight 0", func(c *Config) { c.JointWeights = []float64{1, 0} }},
		{"NaN joint weight", func(c *Config) { c.JointWeights = []float64{math.NaN()} }},
		{"infinite joint weight", func(c *Config) { c.JointWeights = []float64{math.Inf(1)} }},
		{"ohkm from an epoch without top-k", func(c *Config) { c.OHKMFromEpoch = 3 }},
		{"ohkm from after the last epoch", func(c *Config) { c.OHKMTopK, c.OHKMFromEpoch = 8, c.Epochs+1 }},
		{"negative ohkm epoch", func(c *Config) { c.OHKMTopK, c.OHKMFromEpoch = 8, -1 }},
		{"more replicas than samples in a batch", func(c *Config) { c.Replicas = c.Batch + 1 }},
		{"negative replicas", func(c *Config) { c.Replicas = -1 }},
		{"scale factor 1", func(c *Config) { c.ScaleFactor = 1 }},
		{"negative rotation", func(c *Config) { c.RotFactor = -1 }},
		{"half-body prob above 1", func(c *Config) { c.HalfBodyProb = 1.5 }},
		{"occlusion prob above 1", func(c *Config) { c.OcclusionProb = 1.5 }},
		{"NaN occlusion prob", func(c *Config) { c.OcclusionProb = math.NaN() }},
		{"occlusion of size 0", func(c *Config) { c.OcclusionProb, c.OcclusionSize = 0.5, 0 }},
		{"occlusion larger than the crop", func(c *Config) { c.OcclusionProb, c.OcclusionSize = 0.5, 1.5 }},
		{"zero box padding", func(c *Config) { c.BoxPadding = 0 }},
		{"negative box padding", func(c *Config) { c.BoxPadding = -1.25 }},
		// The checkpoint records the config as JSON, which has no NaN or ±Inf.
		{"infinite lr", func(c *Config) { c.LR = math.Inf(1) }},
		{"NaN warm-up ratio", func(c *Config) { c.WarmupRatio = math.NaN() }},
		{"NaN gamma off the step schedule", func(c *Config) { c.Schedule, c.Gamma = ScheduleCosine, math.NaN() }},
		{"infinite clip norm", func(c *Config) { c.ClipNorm = math.Inf(1) }},
		{"NaN scale factor", func(c *Config) { c.ScaleFactor = math.NaN() }},
		{"NaN occlusion size without occlusion", func(c *Config) { c.OcclusionSize = math.NaN() }},
		// Sizes the loaders and DARK's kernel allocate by.
		{"sigma wider than any heatmap", func(c *Config) { c.Sigma = 1e12 }},
		{"batch above the bound", func(c *Config) { c.Batch = maxBatch + 1 }},
		{"workers above the bound", func(c *Config) { c.Workers = 1 << 62 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			assert.Error(t, c.Validate())
		})
	}
}

// TestValidateConfigNames: the message names the field and its value.
func TestValidateConfigNames(t *testing.T) {
	ok := Default()
	ok.Data, ok.Out = "d", "o"
	for _, tc := range []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"negative min lr", func(c *Config) { c.Schedule, c.MinLR = ScheduleCosine, -1e-4 }, "min_lr -0.0001, want 0 to lr (0.001)"},
		{"min lr above lr", func(c *Config) { c.Schedule, c.MinLR = ScheduleCosineIter, 2*c.LR }, "min_lr 0.002, want 0 to lr (0.001)"},
		{"NaN min lr", func(c *Config) { c.MinLR = math.NaN() }, "min_lr NaN"},
		{"step gamma 0", func(c *Config) { c.Gamma = 0 }, "gamma 0, want > 0"},
		{"step milestone 0", func(c *Config) { c.Milestones = []int{0, 200} }, "milestones [0 200], want epochs ≥ 1"},
		{"negative workers", func(c *Config) { c.Workers = -1 }, "workers -1, want ≥ 0"},
		{"negative weight decay", func(c *Config) { c.WeightDecay = -0.01 }, "weight_decay -0.01, want ≥ 0"},
		{"NaN clip norm", func(c *Config) { c.ClipNorm = math.NaN() }, "clip_norm NaN, want ≥ 0"},
		{"negative batch, no replicas noise", func(c *Config) { c.Batch = -3 }, "config: batch -3, want > 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			require.Error(t, err)
			assert.Equal(t, "train: config: ", err.Error()[:len("train: config: ")])
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), ";", "one fault, one message")
		})
	}
	c := ok
	c.Schedule, c.MinLR, c.Gamma, c.Milestones = ScheduleCosine, 1e-4, 0, []int{0}
	assert.NoError(t, c.Validate(), "gamma and milestones matter to the step schedule only")
}

func TestParseJointWeights(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []float64
		wantErr string
	}{
		{"", nil, ""},
		{" COCO ", JointWeightsCOCO, ""},
		{"1, 2.5,3", []float64{1, 2.5, 3}, ""},
		{"1,x", nil, "value 2"},
		{"1,,2", nil, "value 2"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseJointWeights(tc.in)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	ws, err := ParseJointWeights("coco")
	require.NoError(t, err)
	ws[0] = 9
	assert.Equal(t, 1.0, JointWeightsCOCO[0], "the preset is copied, not shared")
	assert.Len(t, JointWeightsCOCO, 17)
}

func TestScheduleAnnealing(t *testing.T) {
	// Two epochs of 10 iterations from 1 to 0: "cosine" holds the rate for
	// a whole epoch, "cosine-iter" lowers it every iteration and reaches the
	// half-way value at the epoch boundary.
	cfg := Default()
	cfg.Data, cfg.Out = "data", "run"
	cfg.Epochs, cfg.LR, cfg.MinLR, cfg.WarmupIters = 2, 1, 0, 0
	cfg.Schedule = ScheduleCosine
	require.NoError(t, cfg.Validate())
	perEpoch := schedule(cfg, 10)
	cfg.Schedule = ScheduleCosineIter
	require.NoError(t, cfg.Validate())
	perIter := schedule(cfg, 10)
	assert.InDelta(t, 1, perEpoch.LR(0, 9), 1e-12)
	assert.InDelta(t, 0.5, perEpoch.LR(1, 10), 1e-12)
	assert.InDelta(t, 1, perIter.LR(0, 0), 1e-12)
	assert.InDelta(t, (1+math.Cos(math.Pi*9/20))/2, perIter.LR(0, 9), 1e-12)
	assert.InDelta(t, 0.5, perIter.LR(1, 10), 1e-12)
	assert.Less(t, perIter.LR(1, 19), 0.01)
}

func TestAdamConfigFromConfig(t *testing.T) {
	for _, tc := range []struct {
		name         string
		optimizer    string
		decayVectors bool
		want         nn.AdamConfig
	}{
		{"adam", OptimizerAdam, false, nn.AdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05, ExemptVectors: true}},
		{"adamw", OptimizerAdamW, false, nn.AdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05, Decoupled: true, ExemptVectors: true}},
		{"adamw, vectors decayed", OptimizerAdamW, true, nn.AdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05, Decoupled: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.LR, c.WeightDecay, c.Optimizer, c.DecayVectors = 2e-3, 0.05, tc.optimizer, tc.decayVectors
			assert.Equal(t, tc.want, adamConfig(c))
		})
	}
}
