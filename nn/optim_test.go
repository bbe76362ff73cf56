package nn_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

var optimParams = []string{"a.weight", "a.bias"}

// optimSetup returns the fixture's parameters (fresh copies of the initial
// values) plus a buffer the optimiser must leave alone.
func optimSetup(t *testing.T, tf *nn.TensorFile) []*nn.Param {
	var ps []*nn.Param
	for _, name := range optimParams {
		init := nntest.Get(t, tf, "init."+name)
		p := nn.NewParam(name, init.Shape...)
		p.Value.CopyFrom(init)
		ps = append(ps, p)
	}
	buf := nn.NewBuffer("a.running_mean", 2)
	nn.Fill(buf.Value, 7)
	return append(ps, buf)
}

func setGrads(t *testing.T, tf *nn.TensorFile, ps []*nn.Param, step int) {
	for _, p := range ps {
		if p.Trainable() {
			p.Grad.CopyFrom(nntest.Get(t, tf, fmt.Sprintf("grad%d.%s", step, p.Name)))
		}
	}
}

var optimConfigs = []struct {
	name string
	cfg  nn.AdamConfig
	lrAt map[int]float64 // learning rate changes before a step
}{
	{"adam", nn.AdamConfig{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, map[int]float64{2: 3e-3}},
	{"adam_wd", nn.AdamConfig{LR: 1e-2, Beta1: 0.8, Beta2: 0.95, Eps: 0.05, WeightDecay: 0.05}, nil}, // eps large enough that its placement shows
	{"adamw", nn.AdamConfig{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Decoupled: true}, nil},
}

const optimSteps = 4

func TestAdamMatchesPyTorch(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_misc_optim.safetensors")
	for _, tc := range optimConfigs {
		t.Run(tc.name, func(t *testing.T) {
			ps := optimSetup(t, tf)
			opt := nn.NewAdam(ps, tc.cfg)
			for s := range optimSteps {
				if lr, ok := tc.lrAt[s]; ok {
					opt.SetLR(lr)
				}
				setGrads(t, tf, ps, s)
				opt.Step()
				for _, name := range optimParams {
					nntest.AssertClose(t, nntest.Get(t, tf, fmt.Sprintf("%s.step%d.%s", tc.name, s, name)),
						nn.Lookup(ps, name).Value, 1e-5, fmt.Sprintf("step %d %s", s, name))
				}
			}
			assert.Equal(t, optimSteps, opt.StepCount())
			st := opt.State()
			for _, name := range optimParams {
				nntest.AssertClose(t, nntest.Get(t, tf, tc.name+".exp_avg."+name), st["exp_avg."+name], 1e-5, "exp_avg")
				nntest.AssertClose(t, nntest.Get(t, tf, tc.name+".exp_avg_sq."+name), st["exp_avg_sq."+name], 1e-5, "exp_avg_sq")
			}
			assert.InDeltaSlice(t, []float32{7, 7}, nn.Lookup(ps, "a.running_mean").Value.Data, 0, "buffer untouched")
			assert.NotContains(t, st, "exp_avg.a.running_mean")
		})
	}
}

// TestAdamResume checks that State and LoadState resume a run exactly: two
// steps, a checkpoint, a fresh optimiser, two more steps equal four steps.
func TestAdamResume(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_misc_optim.safetensors")
	cfg := optimConfigs[2].cfg
	straight := optimSetup(t, tf)
	opt := nn.NewAdam(straight, cfg)
	for s := range optimSteps {
		setGrads(t, tf, straight, s)
		opt.Step()
	}

	resumed := optimSetup(t, tf)
	first := nn.NewAdam(resumed, cfg)
	for s := range 2 {
		setGrads(t, tf, resumed, s)
		first.Step()
	}
	saved := map[string]*nn.Tensor{}
	for k, v := range first.State() {
		saved[k] = v.Clone()
	}
	second := nn.NewAdam(resumed, cfg)
	require.NoError(t, second.LoadState(saved))
	assert.Equal(t, 2, second.StepCount())
	for s := 2; s < optimSteps; s++ {
		setGrads(t, tf, resumed, s)
		second.Step()
	}
	for _, name := range optimParams {
		assert.InDeltaSlice(t, nn.Lookup(straight, name).Value.Data, nn.Lookup(resumed, name).Value.Data, 0, name)
	}
}

func TestAdamLoadStateErrors(t *testing.T) {
	ps := []*nn.Param{nn.NewParam("w", 2, 3), nn.NewBuffer("rm", 3)}
	good := func() map[string]*nn.Tensor {
		return map[string]*nn.Tensor{"exp_avg.w": nn.New(2, 3), "exp_avg_sq.w": nn.New(2, 3), "step": nn.FromData([]float32{5}, 1)}
	}
	tests := []struct {
		name    string
		edit    func(map[string]*nn.Tensor)
		wantErr string
	}{
		{"ok", func(map[string]*nn.Tensor) {}, ""},
		{"missing moment", func(s map[string]*nn.Tensor) { delete(s, "exp_avg_sq.w") }, "missing exp_avg_sq.w"},
		{"unexpected key", func(s map[string]*nn.Tensor) { s["exp_avg.rm"] = nn.New(3) }, "unexpected exp_avg.rm"},
		{"wrong size", func(s map[string]*nn.Tensor) { s["exp_avg.w"] = nn.New(3) }, "exp_avg.w has shape [3]"},
		{"no step", func(s map[string]*nn.Tensor) { delete(s, "step") }, `"step"`},
		{"fractional step", func(s map[string]*nn.Tensor) { s["step"] = nn.FromData([]float32{1.5}, 1) }, "not a count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := nn.NewAdam(ps, nn.DefaultAdam())
			s := good()
			s["exp_avg.w"].Data[0] = 9
			tc.edit(s)
			err := opt.LoadState(s)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, 5, opt.StepCount())
				assert.InDelta(t, 9, opt.State()["exp_avg.w"].Data[0], 0)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Zero(t, opt.StepCount(), "nothing loaded on error")
			assert.InDelta(t, 0, opt.State()["exp_avg.w"].Data[0], 0, "nothing loaded on error")
		})
	}
}

func TestAdamConfig(t *testing.T) {
	d := nn.DefaultAdam()
	assert.Equal(t, nn.AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, d)
	opt := nn.NewAdam(nil, d)
	opt.SetLR(0.5)
	assert.InDelta(t, 0.5, opt.LR(), 0)
	assert.InDelta(t, 0.5, opt.Config().LR, 0)
	assert.Panics(t, func() { nn.NewAdam([]*nn.Param{nn.NewParam("w", 1), nn.NewParam("w", 2)}, d) })
}

// TestAdamLargeParams runs the chunked, parallel update on parameters
// larger than a chunk and checks one element against the scalar formula
// for the first step (m = (1−β1)g, v = (1−β2)g², p −= lr·g/(|g|+eps)).
func TestAdamLargeParams(t *testing.T) {
	rng := nntest.Rand(40)
	big := nn.NewParam("big", 100000)
	nn.Uniform(big.Grad, 1, rng)
	before := big.Value.Clone()
	opt := nn.NewAdam([]*nn.Param{big}, nn.DefaultAdam())
	opt.Step()
	for _, i := range []int{0, 16383, 16384, 99999} {
		g := float64(big.Grad.Data[i])
		want := float64(before.Data[i]) - 1e-3*g/(abs(g)+1e-8)
		assert.InDelta(t, want, big.Value.Data[i], 1e-6, "element %d", i)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkAdamStep updates 1.5M parameters (about MobileNetV3-Small with a
// heatmap head) split in tensors of mixed sizes; compare -cpu 1,2.
func BenchmarkAdamStep(b *testing.B) {
	rng := nntest.Rand(41)
	var ps []*nn.Param
	for i, n := 0, 0; n < 1500000; i++ {
		size := []int{16, 432, 9216, 55296, 147456}[i%5]
		p := nn.NewParam(fmt.Sprint("p", i), size)
		nn.Uniform(p.Grad, 1, rng)
		ps = append(ps, p)
		n += size
	}
	opt := nn.NewAdam(ps, nn.AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-4, Decoupled: true})
	b.ReportAllocs()
	for b.Loop() {
		opt.Step()
	}
}

// TestAdamExemptVectors checks that ExemptVectors takes the decay off the
// one-dimensional parameters only: each parameter must follow, step for
// step, an optimiser that holds it alone with the decay it should get.
func TestAdamExemptVectors(t *testing.T) {
	for _, decoupled := range []bool{false, true} {
		t.Run(fmt.Sprint("decoupled=", decoupled), func(t *testing.T) {
			cfg := nn.AdamConfig{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Decoupled: decoupled}
			rng := nntest.Rand(5)
			newParams := func() []*nn.Param {
				w, b := nn.NewParam("conv.weight", 4, 3, 1, 1), nn.NewParam("bn.bias", 4)
				nn.Uniform(w.Value, 1, nntest.Rand(6))
				nn.Uniform(b.Value, 1, nntest.Rand(7))
				return []*nn.Param{w, b}
			}
			ps, alone := newParams(), newParams()
			exempt := cfg
			exempt.ExemptVectors = true
			noDecay := cfg
			noDecay.WeightDecay = 0
			opt := nn.NewAdam(ps, exempt)
			refs := []*nn.Adam{nn.NewAdam(alone[:1], cfg), nn.NewAdam(alone[1:], noDecay)}
			for range 3 {
				for i, p := range ps {
					nn.Uniform(p.Grad, 1, rng)
					alone[i].Grad.CopyFrom(p.Grad)
				}
				opt.Step()
				for _, r := range refs {
					r.Step()
				}
			}
			for i, p := range ps {
				assert.Equal(t, alone[i].Value.Data, p.Value.Data, p.Name)
			}
		})
	}
}

// TestAdamFlushesSubnormalMoments checks that a moment decaying into the
// subnormal range becomes 0 (subnormal arithmetic is ~100× slower on x86)
// while a small normal one keeps PyTorch's value.
func TestAdamFlushesSubnormalMoments(t *testing.T) {
	p := nn.NewParam("w", 4)
	copy(p.Value.Data, []float32{1, 1, 1, 1})
	copy(p.Grad.Data, []float32{0, 0, 0, 1e-3})
	opt := nn.NewAdam([]*nn.Param{p}, nn.DefaultAdam())
	st := opt.State()
	m, v := st["exp_avg.w"].Data, st["exp_avg_sq.w"].Data
	copy(m, []float32{1e-39, 1e-30, 0, 0}) // 1e-39 is subnormal; 0.9·1e-39 too
	copy(v, []float32{1e-6, 1e-6, 1e-39, 0})
	opt.Step()
	assert.Equal(t, float32(0), m[0], "a subnormal first moment is flushed")
	assert.Equal(t, float32(1e-30)*float32(0.9), m[1], "a normal one decays as in PyTorch")
	assert.Equal(t, float32(0), v[2], "a subnormal second moment is flushed")
	assert.Equal(t, float32(1e-3)*float32(0.1), m[3])
	assert.Equal(t, float32(1), p.Value.Data[0], "the flushed moment does not move its weight")
}
