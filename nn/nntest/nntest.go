// Package nntest holds test helpers shared by dypose's layer packages:
// finite-difference gradient checks and PyTorch fixture loading.
package nntest

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
)

// Rand returns a deterministic RNG for tests.
func Rand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// RandTensor returns a tensor with values from U(-1, 1).
func RandTensor(rng *rand.Rand, shape ...int) *nn.Tensor {
	t := nn.New(shape...)
	nn.Uniform(t, 1, rng)
	return t
}

// GradCheckOptions tune GradCheck.
type GradCheckOptions struct {
	Eps    float64 // finite-difference step (default 1e-2)
	RelTol float64 // tolerance relative to the gradient scale (default 2e-2)
	Probes int     // coordinates probed per tensor (default 24)
	Seed   uint64
}

// GradCheck compares l.Backward's input and parameter gradients with
// central finite differences of the scalar loss L = Σ y·r for a fixed random
// r. Forward is evaluated in float32, so the step is large and the
// tolerance loose; a wrong formula still fails by orders of magnitude.
func GradCheck(t *testing.T, l nn.Layer, x *nn.Tensor, opt GradCheckOptions) {
	t.Helper()
	if opt.Eps == 0 {
		opt.Eps = 1e-2
	}
	if opt.RelTol == 0 {
		opt.RelTol = 2e-2
	}
	if opt.Probes == 0 {
		opt.Probes = 24
	}
	rng := Rand(opt.Seed + 1)
	y := l.Forward(x)
	r := RandTensor(rng, y.Shape...)
	loss := func() float64 {
		y := l.Forward(x)
		s := 0.0
		for i, v := range y.Data {
			s += float64(v) * float64(r.Data[i])
		}
		return s
	}
	ps := l.Params()
	nn.ZeroGrad(ps)
	l.Forward(x)
	dx := l.Backward(r.Clone()).Clone()
	type target struct {
		name  string
		value *nn.Tensor
		grad  *nn.Tensor
	}
	targets := []target{{"input", x, dx}}
	for _, p := range ps {
		if p.Trainable() {
			targets = append(targets, target{p.Name, p.Value, p.Grad.Clone()})
		}
	}
	for _, tg := range targets {
		scale := 1e-3
		for _, g := range tg.grad.Data {
			scale = math.Max(scale, math.Abs(float64(g)))
		}
		for probe := 0; probe < opt.Probes && probe < tg.value.Len(); probe++ {
			i := probe
			if tg.value.Len() > opt.Probes {
				i = rng.IntN(tg.value.Len())
			}
			orig := tg.value.Data[i]
			tg.value.Data[i] = orig + float32(opt.Eps)
			up := loss()
			tg.value.Data[i] = orig - float32(opt.Eps)
			down := loss()
			tg.value.Data[i] = orig
			num := (up - down) / (2 * opt.Eps)
			got := float64(tg.grad.Data[i])
			if math.Abs(num-got) > opt.RelTol*scale {
				t.Errorf("%s[%d]: analytic %.6g, numeric %.6g (scale %.3g)", tg.name, i, got, num, scale)
			}
		}
	}
	l.Forward(x) // leave the layer as it was
}

// Testdata returns the path of a file under the repository's testdata/.
func Testdata(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", name)
}

// LoadFixture reads testdata/name (a safetensors file written by the
// scripts/ PyTorch references).
func LoadFixture(t testing.TB, name string) *nn.TensorFile {
	t.Helper()
	tf, err := nn.ReadSafetensors(Testdata(name))
	require.NoError(t, err)
	return tf
}

// Get returns the fixture tensor called name, failing the test if absent.
func Get(t testing.TB, tf *nn.TensorFile, name string) *nn.Tensor {
	t.Helper()
	v, ok := tf.Tensors[name]
	require.True(t, ok, "fixture has no tensor %q", name)
	return v
}

// AssertClose checks got against want elementwise: |got−want| ≤ tol·(1+|want|).
func AssertClose(t testing.TB, want, got *nn.Tensor, tol float64, what string) {
	t.Helper()
	require.Equal(t, want.Len(), got.Len(), "%s: sizes %v vs %v", what, want.Shape, got.Shape)
	bad, worst, at := 0, 0.0, -1
	for i := range want.Data {
		w, g := float64(want.Data[i]), float64(got.Data[i])
		d := math.Abs(g - w)
		if d > tol*(1+math.Abs(w)) || math.IsNaN(g) {
			bad++
			if d > worst || math.IsNaN(g) {
				worst, at = d, i
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values off (worst at %d: got %g want %g)", what, bad, want.Len(), at, got.Data[at], want.Data[at])
	}
}

// MatchFixture checks a layer against one case of a PyTorch fixture whose
// tensors are named prefix+"."+{x, dy, y, dx} and, per parameter, the
// parameter itself and its gradient "d"+name ("weight", "dweight"). It
// loads the parameters into l, runs Forward (1e-5) and Backward (1e-4 for
// dx and every parameter gradient), as scripts/fixtures_nn_*.py write them.
func MatchFixture(t *testing.T, l nn.Layer, tf *nn.TensorFile, prefix string) {
	t.Helper()
	get := func(s string) *nn.Tensor { return Get(t, tf, prefix+"."+s) }
	ps := l.Params()
	for _, p := range ps {
		p.Value.CopyFrom(get(p.Name))
	}
	y := l.Forward(get("x"))
	require.Equal(t, get("y").Shape, y.Shape, "y shape")
	AssertClose(t, get("y"), y, 1e-5, "y")
	nn.ZeroGrad(ps)
	dx := l.Backward(get("dy"))
	require.Equal(t, get("x").Shape, dx.Shape, "dx shape")
	AssertClose(t, get("dx"), dx, 1e-4, "dx")
	for _, p := range ps {
		if p.Trainable() {
			AssertClose(t, get("d"+p.Name), p.Grad, 1e-4, "d"+p.Name)
		}
	}
}
