package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// naiveUpsample2x evaluates every output pixel from the PyTorch definition:
// source coordinate s = max((o+0.5)/2 − 0.5, 0), neighbours ⌊s⌋ and
// min(⌊s⌋+1, n−1), weights 1−frac and frac, rows then columns.
func naiveUpsample2x(x *nn.Tensor) *nn.Tensor {
	n, c, h, w := x.Dims4()
	y := nn.New(n, c, 2*h, 2*w)
	src := func(o, size int) (i0, i1 int, l1 float64) {
		s := max((float64(o)+0.5)/2-0.5, 0)
		i0 = int(s)
		i1 = min(i0+1, size-1)
		return i0, i1, s - float64(i0)
	}
	for p := range n * c {
		plane := x.Data[p*h*w : (p+1)*h*w]
		for oy := range 2 * h {
			y0, y1, ly := src(oy, h)
			for ox := range 2 * w {
				x0, x1, lx := src(ox, w)
				at := func(r, q int) float64 { return float64(plane[r*w+q]) }
				v := (1-ly)*((1-lx)*at(y0, x0)+lx*at(y0, x1)) + ly*((1-lx)*at(y1, x0)+lx*at(y1, x1))
				y.Data[(p*2*h+oy)*2*w+ox] = float32(v)
			}
		}
	}
	return y
}

func TestUpsample2x(t *testing.T) {
	for i, shape := range [][]int{{2, 3, 4, 5}, {1, 2, 1, 1}, {1, 1, 1, 4}, {1, 2, 5, 1}, {3, 4, 7, 3}, {1, 1, 3, 1500}} {
		t.Run(nn.New(shape...).String(), func(t *testing.T) {
			rng := nntest.Rand(uint64(800 + i))
			x := nntest.RandTensor(rng, shape...)
			var u nn.Upsample2x
			y := u.Forward(x)
			want := naiveUpsample2x(x)
			require.Equal(t, want.Shape, y.Shape)
			nntest.AssertClose(t, want, y, 1e-6, "y")
			nntest.GradCheck(t, &u, x, nntest.GradCheckOptions{Seed: uint64(i), Probes: 12})
		})
	}
}

func TestUpsample2xFixtures(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_conv_pool.safetensors")
	for _, name := range []string{"up", "up_thin", "up_odd"} {
		t.Run(name, func(t *testing.T) {
			get := func(s string) *nn.Tensor { return nntest.Get(t, tf, name+"."+s) }
			var u nn.Upsample2x
			nntest.AssertClose(t, get("y"), u.Forward(get("x")), 1e-5, "y")
			nntest.AssertClose(t, get("dx"), u.Backward(get("dy")), 1e-4, "dx")
		})
	}
}

func TestUpsample2xAllocs(t *testing.T) {
	var u nn.Upsample2x
	x := nntest.RandTensor(nntest.Rand(1), 1, 16, 8, 6)
	u.Forward(x)
	assert.Zero(t, testing.AllocsPerRun(20, func() { u.Forward(x) }))
	dy := nntest.RandTensor(nntest.Rand(2), 1, 16, 16, 12)
	u.Backward(dy)
	assert.Zero(t, testing.AllocsPerRun(20, func() { u.Backward(dy) }))
}
