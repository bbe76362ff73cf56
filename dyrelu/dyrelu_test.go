package dyrelu

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func TestParseVariant(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Variant
		ok   bool
	}{
		{"lower", "a", A, true},
		{"upper", "B", B, true},
		{"short prefix", "dyrelu-c", C, true},
		{"paper name", "DY-ReLU-C", C, true},
		{"underscore", "dyrelu_b", B, true},
		{"no dash", "dyreluA", A, true},
		{"spaces", " c ", C, true},
		{"unknown", "d", 0, false},
		{"empty", "", 0, false},
		{"prefix only", "dyrelu-", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVariant(tt.in)
			if !tt.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			back, err := ParseVariant(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, back, "String round-trips")
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		bad    string // substring of the error, "" when valid
	}{
		{"default", func(*Config) {}, ""},
		{"K=3", func(c *Config) { c.K, c.InitAlpha, c.InitBeta = 3, []float32{1, 0, 0}, []float32{0, 0, 0} }, ""},
		{"K=0", func(c *Config) { c.K = 0 }, "K = 0"},
		{"alpha length", func(c *Config) { c.InitAlpha = []float32{1} }, "InitAlpha"},
		{"reduction", func(c *Config) { c.Reduction = 0 }, "Reduction"},
		{"min hidden", func(c *Config) { c.MinHidden = 0 }, "MinHidden"},
		{"tau", func(c *Config) { c.Tau = 0 }, "Tau"},
		{"tau NaN", func(c *Config) { c.Tau = float32(math.NaN()) }, "Tau"},
		{"gamma", func(c *Config) { c.GammaDivisor = -3 }, "GammaDivisor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			if tt.bad == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.bad)
			assert.Panics(t, func() { New(B, 8, c, nntest.Rand(1)) })
		})
	}
}

func TestParamsLayout(t *testing.T) {
	tests := []struct {
		name     string
		v        Variant
		channels int
		want     map[string][]int
	}{
		{"A", A, 16, map[string][]int{"fc1.weight": {4, 16}, "fc1.bias": {4}, "fc2.weight": {4, 4}, "fc2.bias": {4}}},
		{"B", B, 72, map[string][]int{"fc1.weight": {9, 72}, "fc1.bias": {9}, "fc2.weight": {288, 9}, "fc2.bias": {288}}},
		{"C", C, 24, map[string][]int{"fc1.weight": {4, 24}, "fc1.bias": {4}, "fc2.weight": {96, 4}, "fc2.bias": {96},
			"spatial.weight": {1, 24, 1, 1}, "spatial.bias": {1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(tt.v, tt.channels, DefaultConfig(), nntest.Rand(2))
			got := map[string][]int{}
			for _, p := range d.Params() {
				require.True(t, p.Trainable(), p.Name)
				got[p.Name] = p.Value.Shape
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestSpecialCases checks that with fixed coefficients (fc2 zeroed, so
// Δ = 2σ(bias) − 1) DY-ReLU reduces to ReLU, Leaky ReLU and PReLU, and that a
// fresh-coefficient DY-ReLU-C is ReLU times π = min(γ/(H·W), 1).
func TestSpecialCases(t *testing.T) {
	const c, h, w = 6, 3, 5
	prelu := []float32{0.25, -0.5, 0, 0.9, 0.1, -0.05}
	tests := []struct {
		name  string
		v     Variant
		alpha []float32
		bias  func(d *DyReLU) // sets fc2.bias after fc2.weight is zeroed
		want  func(ch int, x float32) float32
	}{
		{"ReLU/A", A, []float32{1, 0}, nil, func(_ int, x float32) float32 { return max(x, 0) }},
		{"ReLU/B", B, []float32{1, 0}, nil, func(_ int, x float32) float32 { return max(x, 0) }},
		{"ReLU/C", C, []float32{1, 0}, nil, func(_ int, x float32) float32 { return max(x, 0) / 3 }},
		{"LeakyReLU/B", B, []float32{1, 0.01}, nil, func(_ int, x float32) float32 { return max(x, 0.01*x) }},
		{"PReLU/B", B, []float32{1, 0}, func(d *DyReLU) {
			// a^2_c = 0 + 1·(2σ(o) − 1) = slope_c  ⇔  o = logit((slope_c + 1)/2).
			for ch, s := range prelu {
				q := (float64(s) + 1) / 2
				d.FC2Bias.Value.Data[c+ch] = float32(math.Log(q / (1 - q)))
			}
		}, func(ch int, x float32) float32 { return max(x, prelu[ch]*x) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.InitAlpha = tt.alpha
			d := New(tt.v, c, cfg, nntest.Rand(3))
			d.FC2Weight.Value.Zero()
			d.FC2Bias.Value.Zero()
			if d.Variant == C {
				d.SpatialWeight.Value.Zero() // uniform softmax: π = γ/(H·W) = 1/3
			}
			if tt.bias != nil {
				tt.bias(d)
			}
			x := nntest.RandTensor(nntest.Rand(4), 2, c, h, w)
			y := d.Forward(x)
			for i, v := range x.Data {
				ch := i / (h * w) % c
				assert.InDelta(t, tt.want(ch, v), y.Data[i], 1e-6, "element %d (x=%g)", i, v)
			}
		})
	}
}

// forwardNaive is DY-ReLU straight from the definition, in float64, one
// element at a time: the independent reference for Forward.
func forwardNaive(d *DyReLU, x *nn.Tensor) []float64 {
	n, c, h, w := x.Dims4()
	p, k, cc, hd := h*w, d.Config.K, d.cc(), d.Hidden
	m := 2 * k * cc
	w1, b1 := d.FC1Weight.Value.Data, d.FC1Bias.Value.Data
	w2, b2 := d.FC2Weight.Value.Data, d.FC2Bias.Value.Data
	y := make([]float64, len(x.Data))
	for s := 0; s < n; s++ {
		pooled := make([]float64, c)
		for ch := range pooled {
			for q := 0; q < p; q++ {
				pooled[ch] += float64(x.Data[(s*c+ch)*p+q]) / float64(p)
			}
		}
		hid := make([]float64, hd)
		for j := range hid {
			v := float64(b1[j])
			for ch := 0; ch < c; ch++ {
				v += float64(w1[j*c+ch]) * pooled[ch]
			}
			hid[j] = math.Max(v, 0)
		}
		coef := make([]float64, m)
		for o := range coef {
			v := float64(b2[o])
			for j := 0; j < hd; j++ {
				v += float64(w2[o*hd+j]) * hid[j]
			}
			init, lambda := d.initLambda(o / cc)
			coef[o] = float64(init) + float64(lambda)*(2/(1+math.Exp(-v))-1)
		}
		pi := make([]float64, p)
		for q := range pi {
			pi[q] = 1
		}
		if d.Variant == C {
			z := make([]float64, p)
			zmax, sum := math.Inf(-1), 0.0
			for q := range z {
				z[q] = float64(d.SpatialBias.Value.Data[0])
				for ch := 0; ch < c; ch++ {
					z[q] += float64(d.SpatialWeight.Value.Data[ch]) * float64(x.Data[(s*c+ch)*p+q])
				}
				z[q] /= float64(d.Config.Tau)
				zmax = math.Max(zmax, z[q])
			}
			for q := range z {
				sum += math.Exp(z[q] - zmax)
			}
			gamma := float64(p) / float64(d.Config.GammaDivisor)
			for q := range z {
				pi[q] = math.Min(gamma*math.Exp(z[q]-zmax)/sum, 1)
			}
		}
		for ch := 0; ch < c; ch++ {
			g := ch % cc
			for q := 0; q < p; q++ {
				v := float64(x.Data[(s*c+ch)*p+q])
				best := math.Inf(-1)
				for j := 0; j < k; j++ {
					best = math.Max(best, coef[j*cc+g]*v+coef[(k+j)*cc+g])
				}
				y[(s*c+ch)*p+q] = best * pi[q]
			}
		}
	}
	return y
}

// shapeCases cover every variant, K = 2 and 3, H·W = 1, odd sizes, and
// shapes big enough for nn.ParallelFor to split the planes.
var shapeCases = []struct {
	name       string
	v          Variant
	k          int
	n, c, h, w int
}{
	{"A/2x8x5x4", A, 2, 2, 8, 5, 4},
	{"B/3x12x7x3", B, 2, 3, 12, 7, 3},
	{"C/2x16x6x5", C, 2, 2, 16, 6, 5},
	{"A/1x1", A, 2, 3, 8, 1, 1},
	{"B/1x1", B, 2, 2, 10, 1, 1},
	{"C/1x1", C, 2, 4, 12, 1, 1},
	{"C/K3", C, 3, 2, 9, 4, 5},
	{"B/K3", B, 3, 2, 9, 4, 5},
	{"B/parallel", B, 2, 2, 24, 64, 48},
	{"C/parallel", C, 2, 2, 24, 64, 48},
}

func configK(k int) Config {
	cfg := DefaultConfig()
	if k != 2 {
		cfg.K = k
		cfg.InitAlpha = []float32{1, 0, 0.3, -0.2, 0.5, 0.1, 0.7, -0.4}[:k]
		cfg.InitBeta = []float32{0, 0, -0.2, 0.1, 0.3, -0.3, 0.05, 0.2}[:k]
	}
	return cfg
}

// widen scales fc2 so the coefficients span their whole range, not just
// the neighbourhood of ReLU that PyTorch's default init gives.
func widen(d *DyReLU, f float32) {
	for i := range d.FC2Weight.Value.Data {
		d.FC2Weight.Value.Data[i] *= f
	}
	for i := range d.FC2Bias.Value.Data {
		d.FC2Bias.Value.Data[i] *= f
	}
}

func TestForwardMatchesNaive(t *testing.T) {
	for i, tc := range shapeCases {
		t.Run(tc.name, func(t *testing.T) {
			d := New(tc.v, tc.c, configK(tc.k), nntest.Rand(uint64(10+i)))
			widen(d, 3)
			x := nntest.RandTensor(nntest.Rand(uint64(100+i)), tc.n, tc.c, tc.h, tc.w)
			for _, training := range []bool{true, false} {
				d.SetTraining(training)
				y := d.Forward(x)
				want := nn.New(y.Shape...)
				for j, v := range forwardNaive(d, x) {
					want.Data[j] = float32(v)
				}
				nntest.AssertClose(t, want, y, fwdTol, fmt.Sprintf("training=%v", training))
			}
		})
	}
}

// kinkMargin moves every element of x that lies within margin of a kink
// (where its two largest pieces cross) to 2·margin from it, so that finite
// differences with a step below margin stay on one linear piece.
func kinkMargin(d *DyReLU, x *nn.Tensor, margin float32) {
	_, c, h, w := x.Dims4()
	p, k, cc := h*w, d.Config.K, d.cc()
	for range 3 { // moving x moves the means, hence the kinks, a little
		d.Forward(x)
		for i, v := range x.Data {
			s, g := i/(c*p), i/p%c%cc
			a := func(j int) float32 { return d.coef[(s*2*k+j)*cc+g] }
			b := func(j int) float32 { return d.coef[(s*2*k+k+j)*cc+g] }
			top, second := -1, -1
			for j := 0; j < k; j++ {
				u := a(j)*v + b(j)
				switch {
				case top < 0 || u > a(top)*v+b(top):
					top, second = j, top
				case second < 0 || u > a(second)*v+b(second):
					second = j
				}
			}
			if second < 0 || a(top) == a(second) {
				continue
			}
			kink := (b(second) - b(top)) / (a(top) - a(second))
			if dist := v - kink; float32(math.Abs(float64(dist))) < margin {
				x.Data[i] = kink + float32(math.Copysign(2*float64(margin), float64(dist)))
			}
		}
	}
}

// hiddenMargin shifts fc1.bias until no hidden pre-activation of any sample
// lies within margin of 0, the kink of the hyper function's ReLU.
func hiddenMargin(d *DyReLU, x *nn.Tensor, margin float32) {
	d.Forward(x)
	c, hd := d.Channels, d.Hidden
	for j := 0; j < hd; j++ {
		for range 20 {
			near := false
			for s := 0; s < d.n; s++ {
				pre := d.FC1Bias.Value.Data[j]
				for ch := 0; ch < c; ch++ {
					pre += d.FC1Weight.Value.Data[j*c+ch] * d.pooled[s*c+ch]
				}
				near = near || float32(math.Abs(float64(pre))) < margin
			}
			if !near {
				break
			}
			d.FC1Bias.Value.Data[j] += margin
		}
	}
}

func TestGradCheck(t *testing.T) {
	for i, tc := range shapeCases {
		if tc.h*tc.w > 100 {
			continue // finite differences on the big shapes add time, not coverage
		}
		t.Run(tc.name, func(t *testing.T) {
			d := New(tc.v, tc.c, configK(tc.k), nntest.Rand(uint64(20+i)))
			widen(d, 3)
			x := nntest.RandTensor(nntest.Rand(uint64(200+i)), tc.n, tc.c, tc.h, tc.w)
			hiddenMargin(d, x, 0.05)
			kinkMargin(d, x, 0.05)
			nntest.GradCheck(t, d, x, nntest.GradCheckOptions{Seed: uint64(i), Probes: 32})
		})
	}
}

// TestGradCheckNearKink puts every element but one per plane at kink ± 3ε
// (the last keeps the plane's mean, hence the coefficients, unchanged) and
// checks gradients with step ε: both sides of each kink are probed.
func TestGradCheckNearKink(t *testing.T) {
	const eps = 1e-3
	for i, v := range []Variant{A, B, C} {
		t.Run(v.String(), func(t *testing.T) {
			const n, c, h, w = 2, 4, 4, 4
			p := h * w
			// λa = 0.3 keeps a¹ − a² = 1 + 0.3(Δa¹ − Δa²) ≥ 0.4: the pieces are
			// never near-parallel, so an ε step in the weights moves each
			// kink by much less than the 3ε margin.
			cfg := DefaultConfig()
			cfg.LambdaA = 0.3
			d := New(v, c, cfg, nntest.Rand(uint64(30+i)))
			widen(d, 2)
			x := nntest.RandTensor(nntest.Rand(uint64(300+i)), n, c, h, w)
			hiddenMargin(d, x, 0.01)
			d.Forward(x)
			cc := d.cc()
			for plane := 0; plane < n*c; plane++ {
				s, g := plane/c, plane%c%cc
				a1, a2 := d.coef[(s*4+0)*cc+g], d.coef[(s*4+1)*cc+g]
				b1, b2 := d.coef[(s*4+2)*cc+g], d.coef[(s*4+3)*cc+g]
				require.Greater(t, math.Abs(float64(a1-a2)), 0.39, "plane %d", plane)
				kink := (b2 - b1) / (a1 - a2)
				row := x.Data[plane*p : (plane+1)*p]
				sum := float32(0)
				for _, u := range row {
					sum += u
				}
				rest := float32(0)
				for q := 0; q < p-1; q++ {
					row[q] = kink + float32(3*eps*float64(1-2*(q%2)))
					rest += row[q]
				}
				row[p-1] = sum - rest
			}
			nntest.GradCheck(t, d, x, nntest.GradCheckOptions{Eps: eps, Seed: uint64(i), Probes: 48})
		})
	}
}

func TestKernelsMatchNaive(t *testing.T) {
	rng := nntest.Rand(5)
	const size = 257
	x := nntest.RandTensor(rng, size).Data
	dy := nntest.RandTensor(rng, size).Data
	pi := nntest.RandTensor(rng, size).Data
	x[7], x[8] = 0, 0 // exact ties when b1 == b2
	for _, tc := range []struct {
		name           string
		a1, b1, a2, b2 float32
		pi             []float32
	}{
		{"relu-like", 1.2, 0.1, -0.3, -0.2, nil},
		{"attention", 0.7, -0.4, 0.2, 0.3, pi},
		{"ties", 0.9, 0.25, -0.6, 0.25, pi},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := []float32{tc.a1, tc.a2}, []float32{tc.b1, tc.b2}
			fast, naive := make([]float32, size), make([]float32, size)
			applyPlanesC(fast, x, tc.pi, []float32{tc.a1, tc.a2, tc.b1, tc.b2}, size, 1, 1, 0, 1)
			applyK(naive, x, tc.pi, a, b)
			assert.InDeltaSlice(t, naive, fast, 0)

			// The C backward (one plane; the spatial branch's dz = 0 when
			// there is attention) against the general-K Go backward.
			dxF, dxN := make([]float32, size), make([]float32, size)
			dcF, dcN := make([]float32, 4), make([]float32, 4)
			var dz, ws, dws []float32
			if tc.pi != nil {
				dz, ws, dws = make([]float32, size), []float32{0}, make([]float32, 1)
			}
			coef := []float32{tc.a1, tc.a2, tc.b1, tc.b2}
			backPlanesC(dxF, dcF, dws, x, dy, tc.pi, dz, coef, ws, size, 1, 1, 0, 1)
			backPlaneK(dxN, dcN, x, dy, tc.pi, a, b)
			assert.InDeltaSlice(t, dxN, dxF, 0)
			assert.InDeltaSlice(t, dcN, dcF, 1e-5)

			accF, accN := make([]float32, size), make([]float32, size)
			dpiC(accF, x, dy, coef, size, 1, 1, 0, 0, size)
			dotMax(accN, dy, x, a, b)
			for i := range accN {
				assert.Equal(t, dy[i]*max(tc.a1*x[i]+tc.b1, tc.a2*x[i]+tc.b2), accN[i], "dotMax %d", i)
			}
			assert.InDeltaSlice(t, accN, accF, 0)
		})
	}
}

// TestTieShares checks the gradient shares at exact ties of three pieces,
// as autograd gives them through maximum(maximum(u1, u2), u3).
func TestTieShares(t *testing.T) {
	tests := []struct {
		name   string
		a, b   []float32
		shares []float32 // of the intercept gradients, x = 0
	}{
		{"all equal", []float32{1, 2, 3}, []float32{0, 0, 0}, []float32{0.25, 0.25, 0.5}},
		{"first two", []float32{1, 2, 3}, []float32{0.5, 0.5, 0}, []float32{0.5, 0.5, 0}},
		{"last two", []float32{1, 2, 3}, []float32{0, 0.5, 0.5}, []float32{0, 0.5, 0.5}},
		{"outer", []float32{1, 2, 3}, []float32{0.5, 0, 0.5}, []float32{0.5, 0, 0.5}},
		{"none", []float32{1, 2, 3}, []float32{0.1, 0.3, 0.2}, []float32{0, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dx, dcoef := make([]float32, 1), make([]float32, 6)
			backPlaneK(dx, dcoef, []float32{0}, []float32{1}, nil, tt.a, tt.b)
			assert.InDeltaSlice(t, tt.shares, dcoef[3:], 0)
			var wantDx float32
			for j, s := range tt.shares {
				wantDx += s * tt.a[j]
			}
			assert.InDelta(t, wantDx, dx[0], 1e-7)
		})
	}
}

func TestExpf(t *testing.T) {
	for v := -103.9; v < 88.7; v += 0.0173 {
		want := math.Exp(float64(float32(v)))
		got := float64(expf(float32(v)))
		if want >= 0x1p-126 { // normal float32 results: 2 ulp
			require.InDelta(t, want, got, 2.4e-7*want, "exp(%g)", v)
		} else {
			require.InDelta(t, want, got, 3e-45, "exp(%g)", v)
		}
	}
	assert.True(t, math.IsInf(float64(expf(89)), 1))
	assert.Zero(t, expf(-104))
	assert.True(t, math.IsNaN(float64(expf(float32(math.NaN())))))
	assert.InDelta(t, 0.5, sigmoid(0), 0)
}

func TestPanics(t *testing.T) {
	d := New(C, 8, DefaultConfig(), nntest.Rand(6))
	x := nn.New(2, 8, 3, 3)
	assert.Panics(t, func() { d.Forward(nn.New(2, 7, 3, 3)) }, "wrong channels")
	assert.Panics(t, func() { d.Forward(nn.New(8, 3, 3)) }, "not NCHW")
	assert.Panics(t, func() { d.Backward(x) }, "Backward before Forward")
	d.Forward(x)
	assert.Panics(t, func() { d.Backward(nn.New(2, 8, 3, 4)) }, "wrong dy")
	assert.Panics(t, func() { New(Variant(3), 8, DefaultConfig(), nntest.Rand(6)) }, "unknown variant")
	assert.Panics(t, func() { New(A, 0, DefaultConfig(), nntest.Rand(6)) }, "no channels")
}

// TestBackwardAccumulates checks that Backward adds into the gradients.
func TestBackwardAccumulates(t *testing.T) {
	d := New(C, 8, DefaultConfig(), nntest.Rand(7))
	x := nntest.RandTensor(nntest.Rand(8), 2, 8, 3, 4)
	dy := nntest.RandTensor(nntest.Rand(9), 2, 8, 3, 4)
	nn.ZeroGrad(d.Params())
	d.Forward(x)
	d.Backward(dy)
	once := map[string][]float32{}
	for _, p := range d.Params() {
		once[p.Name] = append([]float32(nil), p.Grad.Data...)
	}
	d.Forward(x)
	d.Backward(dy)
	for _, p := range d.Params() {
		for i, g := range once[p.Name] {
			assert.InDelta(t, 2*g, p.Grad.Data[i], 1e-5*(1+math.Abs(float64(g))), "%s[%d]", p.Name, i)
		}
	}
}

func TestCost(t *testing.T) {
	tests := []struct {
		name        string
		v           Variant
		c, h, w     int
		params, mad int64
	}{
		// C=16: hidden max(16/8, 4) = 4, fc2 2·2·16 = 64 outputs.
		// params 16·4+4 + 4·64+64 + 16+1 = 405
		// madds  pool 196608 + fc 64+256 + coef 64 + apply 2·196608
		//        + conv 196608 + softmax 3·12288 + ×π 196608 = 1020288
		{"C stem", C, 16, 128, 96, 405, 1020288},
		// C=576: hidden 72, fc2 2304 outputs; params 576·72+72 + 72·2304+2304 = 209736
		// madds 27648 + 41472 + 165888 + 2304 + 55296 = 292608
		{"B last", B, 576, 8, 6, 209736, 292608},
		// A, C=72: hidden 9, fc2 4; params 648+9+36+4 = 697
		// madds 221184 + 648 + 36 + 4 + 442368 = 664240
		{"A", A, 72, 64, 48, 697, 664240},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(tt.v, tt.c, DefaultConfig(), nntest.Rand(1))
			params, madds := d.Cost(tt.h, tt.w)
			assert.Equal(t, tt.params, params)
			assert.Equal(t, tt.mad, madds)
			assert.Equal(t, int64(nn.CountParams(d.Params())), params)
		})
	}
}

// TestInferenceAllocs: once warmed up, an inference Forward allocates
// nothing of its own. On one core nn.ParallelFor runs inline and the budget
// is zero; on more it starts goroutines, which costs each call a WaitGroup
// and one closure per extra goroutine.
func TestInferenceAllocs(t *testing.T) {
	for _, v := range []Variant{A, B, C} {
		d := New(v, 72, DefaultConfig(), nntest.Rand(11))
		d.SetTraining(false)
		x := nntest.RandTensor(nntest.Rand(12), 1, 72, 32, 24)
		d.Forward(x)
		t.Run(v.String()+"/1 proc", func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			assert.Zero(t, testing.AllocsPerRun(20, func() { d.Forward(x) }))
		})
		t.Run(v.String()+"/all procs", func(t *testing.T) {
			budget := 3 * runtime.GOMAXPROCS(0) // three ParallelFor calls at most
			assert.LessOrEqual(t, testing.AllocsPerRun(20, func() { d.Forward(x) }), float64(budget))
		})
	}
}

// TestInplaceMatches checks that an in-place inference Forward gives the
// out-of-place result bit for bit, for planes on both sides of cgoMin (Go
// and C kernels), and that training ignores Inplace.
func TestInplaceMatches(t *testing.T) {
	for _, v := range []Variant{A, B, C} {
		for _, hw := range [][2]int{{4, 3}, {16, 12}} {
			t.Run(fmt.Sprintf("%v/%dx%d", v, hw[0], hw[1]), func(t *testing.T) {
				d := New(v, 16, DefaultConfig(), nntest.Rand(7))
				widen(d, 3)
				d.SetTraining(false)
				x := nntest.RandTensor(nntest.Rand(9), 2, 16, hw[0], hw[1])
				want := d.Forward(x).Clone()
				d.SetInplace(true)
				xin := x.Clone()
				got := d.Forward(xin)
				assert.Same(t, xin, got, "written over its input")
				nntest.AssertClose(t, want, got, 0, "in place")
				// Back to out of place: the input must not be written.
				d.SetInplace(false)
				x2 := x.Clone()
				nntest.AssertClose(t, want, d.Forward(x2), 0, "out of place again")
				nntest.AssertClose(t, x, x2, 0, "input untouched")
				d.SetInplace(true)
				d.SetTraining(true)
				x3 := x.Clone()
				d.Forward(x3)
				nntest.AssertClose(t, x, x3, 0, "training ignores Inplace")
			})
		}
	}
}

// TestFoldInputBias checks that a layer given its input's bias computes on
// x what it computes on x + bias, in place or not, for B and C; A refuses.
func TestFoldInputBias(t *testing.T) {
	for _, v := range []Variant{A, B, C} {
		t.Run(v.String(), func(t *testing.T) {
			const c = 16
			d := New(v, c, DefaultConfig(), nntest.Rand(7))
			widen(d, 3)
			d.SetTraining(false)
			x := nntest.RandTensor(nntest.Rand(9), 2, c, 6, 5)
			bias := nntest.RandTensor(nntest.Rand(10), c).Data
			xb := x.Clone()
			for i := range xb.Data {
				xb.Data[i] += bias[i/30%c]
			}
			want := d.Forward(xb).Clone()
			wantCoef := append([]float32(nil), d.Coefficients()...)
			if !d.FoldInputBias(bias) {
				assert.Equal(t, A, v, "only A refuses")
				return
			}
			assert.NotEqual(t, A, v)
			nntest.AssertClose(t, want, d.Forward(x), 2e-6, "folded")
			assert.InDeltaSlice(t, wantCoef, d.Coefficients(), 2e-6, "Coefficients are the layer's own")
			d.SetInplace(true)
			nntest.AssertClose(t, want, d.Forward(x.Clone()), 2e-6, "folded, in place")
			d.SetTraining(true)
			assert.Panics(t, func() { d.Forward(x) }, "training after the fold")
		})
	}
}

// TestActivity checks the hidden-unit counts against a naive evaluation of
// fc1 on the channel means, in training and inference, with one unit forced
// dead and one forced active.
func TestActivity(t *testing.T) {
	for _, v := range []Variant{A, B, C} {
		t.Run(v.String(), func(t *testing.T) {
			const n, c, h, w = 3, 16, 5, 4
			d := New(v, c, DefaultConfig(), nntest.Rand(21))
			hd := d.Hidden
			require.GreaterOrEqual(t, hd, 2)
			d.FC1Bias.Value.Data[0] = -100
			d.FC1Bias.Value.Data[1] = 100
			x := nntest.RandTensor(nntest.Rand(22), n, c, h, w)

			want := make([]int64, hd)
			for s := range n {
				for j := range hd {
					pre := float64(d.FC1Bias.Value.Data[j])
					for ch := range c {
						mean := 0.0
						for _, v := range x.Data[(s*c+ch)*h*w : (s*c+ch+1)*h*w] {
							mean += float64(v)
						}
						pre += float64(d.FC1Weight.Value.Data[j*c+ch]) * mean / (h * w)
					}
					if pre > 0 {
						want[j]++
					}
				}
			}
			require.Zero(t, want[0])
			require.EqualValues(t, n, want[1])

			d.Forward(x) // counts nothing while Activity is nil
			d.Activity = make([]int64, hd)
			d.Forward(x)
			assert.Equal(t, want, d.Activity, "training")
			d.SetTraining(false)
			d.Forward(x)
			for j := range want {
				want[j] *= 2
			}
			assert.Equal(t, want, d.Activity, "training + inference")

			d.Activity = make([]int64, hd+1)
			assert.Panics(t, func() { d.Forward(x) }, "counters of the wrong length")
		})
	}
}
