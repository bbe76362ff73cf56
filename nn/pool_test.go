package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func TestGlobalAvgPool(t *testing.T) {
	for i, shape := range [][]int{{2, 3, 4, 5}, {1, 7, 1, 1}, {3, 2, 9, 2}} {
		t.Run(nn.New(shape...).String(), func(t *testing.T) {
			rng := nntest.Rand(uint64(700 + i))
			x := nntest.RandTensor(rng, shape...)
			var g nn.GlobalAvgPool
			y := g.Forward(x)
			n, c, h, w := x.Dims4()
			require.Equal(t, []int{n, c, 1, 1}, y.Shape)
			for p := range n * c {
				sum := 0.0
				for _, v := range x.Data[p*h*w : (p+1)*h*w] {
					sum += float64(v)
				}
				assert.InDelta(t, sum/float64(h*w), y.Data[p], 1e-6)
			}
			nntest.GradCheck(t, &g, x, nntest.GradCheckOptions{Seed: uint64(i)})
		})
	}
}

func TestGlobalAvgPoolFixtures(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_conv_pool.safetensors")
	for _, name := range []string{"gap", "gap1x1"} {
		t.Run(name, func(t *testing.T) {
			get := func(s string) *nn.Tensor { return nntest.Get(t, tf, name+"."+s) }
			var g nn.GlobalAvgPool
			nntest.AssertClose(t, get("y"), g.Forward(get("x")), 1e-5, "y")
			nntest.AssertClose(t, get("dx"), g.Backward(get("dy")), 1e-4, "dx")
		})
	}
}

func TestGlobalAvgPoolAllocs(t *testing.T) {
	var g nn.GlobalAvgPool
	x := nntest.RandTensor(nntest.Rand(1), 1, 32, 8, 6)
	g.Forward(x)
	assert.Zero(t, testing.AllocsPerRun(20, func() { g.Forward(x) }))
}
