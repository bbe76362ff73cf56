package train

import (
	"encoding/json"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/pose"
)

// FuzzLoadConfig feeds arbitrary bytes to LoadConfig's parser as JSON or as
// YAML, over a base that names the data and run folders, and validates the
// result. A parse error must name the file and leave base as it was; a
// config that Validate accepts must get through what Train sets up before
// it reads any data without a panic (see checkSetup).
func FuzzLoadConfig(f *testing.F) {
	for _, s := range []struct {
		body string
		yaml bool
	}{
		{`{"epochs": 3, "lr": 0.002, "schedule": "cosine", "input": "128x96"}`, false},
		{`{"milestones": [5], "joint_weights": [1, 2], "epoch": 1}`, false},
		{`{"batch": 4, "replicas": 2, "workers": 3, "schedule": "cosine-iter", "sigma": 3, "unbiased": true}`, false},
		{`{"input": "4096x4096", "batch": 4096, "workers": 1024}`, false},
		{`{"ohkm_topk": 8, "ohkm_from_epoch": 170, "ema_decay": 0.9998, "occlusion_prob": 0.5, "occlusion_size": 0.4}`, false},
		{`{} {}`, false},
		{`[]`, false},
		{"epochs: 5\nmilestones: [3, 4]\nflip_test: false\n", true},
		{"lr: .inf\ngamma: .nan\nmin_lr: -.inf\n", true},
		{"sigma: 1e300\nunbiased: true\ninput: 64x64\n", true},
		{"sigma: 1e12\nunbiased: true\n", true},
		{"a: &a [1, 2]\nb: *a\n", true},
		{"lr: .inf\n", true}, {"gamma: .inf\n", true}, {"min_lr: .inf\n", true}, {"weight_decay: .inf\n", true},
		{"clip_norm: .inf\n", true}, {"loss_weight: .inf\n", true}, {"warmup_ratio: .nan\n", true},
		{"scale_factor: .nan\n", true}, {"rot_factor: .inf\n", true}, {"half_body_prob: .nan\n", true},
		{"occlusion_size: .nan\n", true}, {"sigma: .inf\n", true},
		{"input: 2147483648x2147483648\nbatch: 9223372036854775807\nreplicas: 1\nworkers: 4611686018427387904\n", true},
		{"---\nepochs: 1\n---\nepochs: 2\n", true},
		{"", true},
	} {
		f.Add([]byte(s.body), s.yaml)
	}
	base := Default()
	base.Data, base.Out = "data", "out"
	f.Fuzz(func(t *testing.T, data []byte, isYAML bool) {
		name := "fuzz.json"
		if isYAML {
			name = "fuzz.yaml"
		}
		want := cloneConfig(base)
		cfg, err := parseConfig(data, name, base)
		require.Equal(t, want, base, "parsing must not change base")
		if err != nil {
			require.Contains(t, err.Error(), name, "the error must name the file")
			return
		}
		if err := cfg.Validate(); err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "train: config: "), "error %q", err)
			return
		}
		checkSetup(t, cfg)
	})
}

// cloneConfig copies c with slices of its own.
func cloneConfig(c Config) Config {
	c.Milestones = append([]int(nil), c.Milestones...)
	c.JointWeights = append([]float64(nil), c.JointWeights...)
	return c
}

// checkSetup runs on a validated config what Train does with it before it
// reads data, and checks what Train and its loaders then assume: the
// architecture and geometry parse, the schedule gives a rate at any point,
// the checkpoint can record the config, the loaders' batch buffers
// (2·workers of them) have sizes an int holds, and the targets and the
// DARK decoding of validation work at the config's σ.
func checkSetup(t *testing.T, cfg Config) {
	arch, err := pose.ParseArch(cfg.Arch)
	require.NoError(t, err)
	g, err := cfg.Geometry()
	require.NoError(t, err)
	require.NoError(t, g.Validate())

	for _, iters := range []int{1, 1 << 20} {
		s := schedule(cfg, iters)
		s.LR(0, 0)
		s.LR(cfg.Epochs-1, max(cfg.Epochs-1, 0)*iters)
	}
	adamConfig(cfg)

	js, err := json.Marshal(cfg)
	require.NoError(t, err, "the checkpoint records the config as JSON")
	var back Config
	require.NoError(t, json.Unmarshal(js, &back))

	// Loader buffers: Images of batch·3·H·W floats, Targets of
	// batch·K·h·w; 2·workers of them (coco.LoaderOptions.Buffers).
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	perBatch := float64(cfg.Batch) * (3*float64(g.InputH*g.InputW) + float64(arch.Keypoints*g.HeatmapH*g.HeatmapW))
	require.Less(t, 2*float64(workers)*perBatch, float64(math.MaxInt32)*float64(math.MaxInt32),
		"loader buffers for batch %d, workers %d, input %s", cfg.Batch, workers, cfg.Input)
	_, err = coco.NewLoader(nil, coco.LoaderOptions{BatchSize: cfg.Batch, Workers: cfg.Workers, Geometry: g,
		Keypoints: coco.COCOKeypoints()})
	require.NoError(t, err)

	// One joint's target at the config's geometry, and DARK decoding (the
	// validation of an unbiased run) at its σ on a small heatmap.
	target := make([]float32, g.HeatmapH*g.HeatmapW)
	coco.GenerateTarget(target, make([]float32, 1), [][3]float32{{float32(g.InputW) / 2, float32(g.InputH) / 2, 2}}, g)
	hm := make([]float32, 8*8)
	hm[27] = 1
	dec := pose.Decoder{DARK: true, Sigma: g.Sigma}
	dec.Decode(make([]pose.Keypoint, 1), hm, 1, 8, 8)
}

// FuzzParseInput: ParseInput accepts only what Geometry can use, and reads
// back what it accepts.
func FuzzParseInput(f *testing.F) {
	for _, s := range []string{"256x192", " 128X96 ", "64x48", "256", "0x32", "ax32", "x", "-32x-32",
		"4096x4096", "4128x32", "9223372036854775776x32", "+32x0032"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, w, err := ParseInput(s)
		if err != nil {
			assert.Zero(t, h)
			assert.Zero(t, w)
			return
		}
		for _, n := range []int{h, w} {
			require.True(t, n > 0 && n%inputMultiple == 0 && n <= maxInputSide, "input %q: %d×%d", s, h, w)
		}
		c := Default()
		c.Input = s
		g, err := c.Geometry()
		require.NoError(t, err)
		require.NoError(t, g.Validate())
		h2, w2, err := ParseInput(strings.TrimSpace(strings.ToLower(s)))
		require.NoError(t, err)
		assert.Equal(t, [2]int{h, w}, [2]int{h2, w2})
	})
}

// FuzzParseJointWeights: ParseJointWeights returns one number per
// comma-separated value or an error that names the value; what it returns
// Validate accepts only when every weight is finite and positive.
func FuzzParseJointWeights(f *testing.F) {
	for _, s := range []string{"", " COCO ", "coco", "1, 2.5,3", "1,x", "1,,2", "nan", "inf,1", "-1", "0x1p-2",
		"1e400", ",", strings.Repeat("1,", 16) + "1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws, err := ParseJointWeights(s)
		if err != nil {
			assert.Contains(t, err.Error(), "value ")
			return
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "":
			assert.Empty(t, ws)
		case "coco":
			assert.Equal(t, JointWeightsCOCO, ws)
		default:
			assert.Len(t, ws, strings.Count(s, ",")+1)
		}
		c := Default()
		c.Data, c.Out, c.JointWeights = "data", "out", ws
		if c.Validate() != nil {
			return
		}
		for i, w := range ws {
			require.True(t, w > 0 && !math.IsInf(w, 0), "joint_weights[%d] %v", i, w)
		}
		_, err = json.Marshal(c)
		require.NoError(t, err)
	})
}
