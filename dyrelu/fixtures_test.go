package dyrelu

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// Tolerances against PyTorch (issue 3): forward 1e-5, gradients 1e-4,
// relative to 1+|want| (nntest.AssertClose).
const (
	fwdTol  = 1e-5
	gradTol = 1e-4
)

// fixtureCases are the files written by scripts/fixtures_dyrelu.py.
var fixtureCases = []string{
	"a_n2_c8_5x4",
	"b_n2_c16_6x5",
	"c_n2_c16_7x6",
	"a_n2_c6_1x1",
	"b_n2_c8_1x1",
	"c_n3_c12_1x1",
	"c_k3_n2_c8_4x5",
	"b_ties_n2_c8_4x4",
	"c_clampedge_n2_c8_2x2",
	"c_sharp_n2_c8_6x6",
}

// fixtureLayer builds the layer a fixture describes and loads its weights
// through nn.LoadStateDict, as a PyTorch checkpoint would be loaded.
func fixtureLayer(t *testing.T, tf *nn.TensorFile) *DyReLU {
	t.Helper()
	md := tf.Metadata
	v, err := ParseVariant(md["variant"])
	require.NoError(t, err)
	cfg := Config{
		K:            atoi(t, md["k"]),
		Reduction:    atoi(t, md["reduction"]),
		MinHidden:    atoi(t, md["min_hidden"]),
		LambdaA:      atof(t, md["lambda_a"]),
		LambdaB:      atof(t, md["lambda_b"]),
		InitAlpha:    atofs(t, md["init_alpha"]),
		InitBeta:     atofs(t, md["init_beta"]),
		Tau:          atof(t, md["tau"]),
		GammaDivisor: atof(t, md["gamma_divisor"]),
	}
	x := nntest.Get(t, tf, "input")
	d := New(v, x.Shape[1], cfg, nntest.Rand(1))
	state := map[string]*nn.Tensor{}
	for k, v := range tf.Tensors {
		if strings.Contains(k, ".") && !strings.HasPrefix(k, "grad.") {
			state[k] = v
		}
	}
	require.NoError(t, nn.LoadStateDict(d.Params(), state))
	return d
}

func TestFixtures(t *testing.T) {
	for _, name := range fixtureCases {
		t.Run(name, func(t *testing.T) {
			tf := nntest.LoadFixture(t, "dyrelu_"+name+".safetensors")
			d := fixtureLayer(t, tf)
			x := nntest.Get(t, tf, "input")
			y := d.Forward(x)
			nntest.AssertClose(t, nntest.Get(t, tf, "output"), y, fwdTol, "output")

			nn.ZeroGrad(d.Params())
			dx := d.Backward(nntest.Get(t, tf, "grad_output"))
			nntest.AssertClose(t, nntest.Get(t, tf, "grad_input"), dx, gradTol, "grad_input")
			for _, p := range d.Params() {
				nntest.AssertClose(t, nntest.Get(t, tf, "grad."+p.Name), p.Grad, gradTol, "grad."+p.Name)
			}
		})
	}
}

// TestFixturesInference checks that the inference path gives the training
// path's output and keeps nothing for Backward.
func TestFixturesInference(t *testing.T) {
	for _, name := range fixtureCases {
		t.Run(name, func(t *testing.T) {
			tf := nntest.LoadFixture(t, "dyrelu_"+name+".safetensors")
			d := fixtureLayer(t, tf)
			d.SetTraining(false)
			y := d.Forward(nntest.Get(t, tf, "input"))
			nntest.AssertClose(t, nntest.Get(t, tf, "output"), y, fwdTol, "output")
			require.Panics(t, func() { d.Backward(y) })
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	require.NoError(t, err, "metadata %q", s)
	return v
}

func atof(t *testing.T, s string) float32 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 32)
	require.NoError(t, err, "metadata %q", s)
	return float32(v)
}

func atofs(t *testing.T, s string) []float32 {
	t.Helper()
	var out []float32
	for _, f := range strings.Split(s, ",") {
		out = append(out, atof(t, f))
	}
	return out
}
