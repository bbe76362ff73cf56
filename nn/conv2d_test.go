package nn_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// naiveConv2D is the reference convolution, straight from the definition:
// y[i][o][oy][ox] = b[o] + Σ_{c in o's group, ky, kx} w[o][c][ky][kx]·x[i][c][oy·s−p+ky][ox·s−p+kx].
func naiveConv2D(x, w, b *nn.Tensor, stride, pad, groups int) *nn.Tensor {
	n, cin, h, wd := x.Dims4()
	cout, cinG, k := w.Shape[0], w.Shape[1], w.Shape[2]
	coutG := cout / groups
	ho, wo := (h+2*pad-k)/stride+1, (wd+2*pad-k)/stride+1
	y := nn.New(n, cout, ho, wo)
	for i := range n {
		for o := range cout {
			g := o / coutG
			for oy := range ho {
				for ox := range wo {
					acc := 0.0
					if b != nil {
						acc = float64(b.Data[o])
					}
					for c := range cinG {
						ci := g*cinG + c
						for ky := range k {
							iy := oy*stride - pad + ky
							if iy < 0 || iy >= h {
								continue
							}
							for kx := range k {
								ix := ox*stride - pad + kx
								if ix < 0 || ix >= wd {
									continue
								}
								acc += float64(w.Data[((o*cinG+c)*k+ky)*k+kx]) * float64(x.Data[((i*cin+ci)*h+iy)*wd+ix])
							}
						}
					}
					y.Data[((i*cout+o)*ho+oy)*wo+ox] = float32(acc)
				}
			}
		}
	}
	return y
}

// naiveConv2DBackward returns dx, dw, db of naiveConv2D for upstream dy,
// by scattering each output's gradient to the inputs and weights it read.
func naiveConv2DBackward(x, w, dy *nn.Tensor, stride, pad, groups int) (dx, dw, db *nn.Tensor) {
	n, cin, h, wd := x.Dims4()
	cout, cinG, k := w.Shape[0], w.Shape[1], w.Shape[2]
	coutG := cout / groups
	_, _, ho, wo := dy.Dims4()
	dx, dw, db = nn.New(x.Shape...), nn.New(w.Shape...), nn.New(cout)
	for i := range n {
		for o := range cout {
			g := o / coutG
			for oy := range ho {
				for ox := range wo {
					gy := dy.Data[((i*cout+o)*ho+oy)*wo+ox]
					db.Data[o] += gy
					for c := range cinG {
						ci := g*cinG + c
						for ky := range k {
							iy := oy*stride - pad + ky
							if iy < 0 || iy >= h {
								continue
							}
							for kx := range k {
								ix := ox*stride - pad + kx
								if ix < 0 || ix >= wd {
									continue
								}
								xi := ((i*cin+ci)*h+iy)*wd + ix
								wi := ((o*cinG+c)*k+ky)*k + kx
								dx.Data[xi] += w.Data[wi] * gy
								dw.Data[wi] += x.Data[xi] * gy
							}
						}
					}
				}
			}
		}
	}
	return dx, dw, db
}

type convCase struct {
	name                   string
	n, cin, cout, h, w     int
	k, stride, pad, groups int
	bias                   bool
}

var convCases = []convCase{
	{"pointwise", 2, 8, 12, 5, 7, 1, 1, 0, 1, true},
	{"pointwise_nobias_n1", 1, 16, 4, 6, 6, 1, 1, 0, 1, false},
	{"stem_3x3_s2_p1", 2, 3, 16, 17, 12, 3, 2, 1, 1, false},
	{"dense_3x3_s1_p1", 3, 4, 5, 7, 9, 3, 1, 1, 1, true},
	{"dense_5x5_s1_p2", 1, 3, 4, 8, 6, 5, 1, 2, 1, true},
	{"dense_1x1_s2", 2, 5, 3, 7, 6, 1, 2, 0, 1, true},
	{"dense_3x3_s2_p0_odd", 1, 2, 3, 9, 11, 3, 2, 0, 1, true},
	{"dw_3x3_s1_p1", 2, 6, 6, 9, 7, 3, 1, 1, 6, false},
	{"dw_3x3_s2_p1", 3, 5, 5, 10, 13, 3, 2, 1, 5, true},
	{"dw_5x5_s1_p2", 1, 7, 7, 8, 6, 5, 1, 2, 7, false},
	{"dw_5x5_s2_p2", 2, 4, 4, 11, 9, 5, 2, 2, 4, true},
	{"dw_5x5_s2_p2_tiny", 1, 3, 3, 2, 3, 5, 2, 2, 3, false},
	{"dw_7x7_s3_p1", 1, 3, 3, 12, 10, 7, 3, 1, 3, true},
	// Planes wider than 16 take the flat kernels (the row kernel at stride 2).
	{"dw_flat_3x3_s1_p1", 2, 3, 3, 6, 21, 3, 1, 1, 3, true},
	{"dw_flat_3x3_s2_p1", 2, 4, 4, 9, 34, 3, 2, 1, 4, true},
	{"dw_flat_3x3_s2_p0_odd", 1, 3, 3, 9, 21, 3, 2, 0, 3, false},
	{"dw_flat_5x5_s2_p2", 1, 5, 5, 7, 23, 5, 2, 2, 5, true},
	{"dw_flat_7x7_s2_p3", 1, 4, 4, 11, 37, 7, 2, 3, 4, true},
	{"dw_flat_7x7_s3_p1", 1, 3, 3, 12, 26, 7, 3, 1, 3, false},
	{"dw_3x3_s1_p0", 2, 4, 4, 6, 5, 3, 1, 0, 4, true},
	// Narrow planes take the channel-blocked forward (so do the small
	// cases above), and with more than 16 channels the blocked backward
	// too; 40 channels leave a partial last group.
	{"dw_blocked_3x3_s2_p1", 2, 24, 24, 9, 10, 3, 2, 1, 24, true},
	{"dw_blocked_5x5_s1_p2", 2, 40, 40, 7, 6, 5, 1, 2, 40, false},
	{"dw_blocked_7x7_s2_p3", 1, 20, 20, 8, 9, 7, 2, 3, 20, true},
	// A strided forward takes them on planes up to 32 wide; the backward
	// of this one stays flat.
	{"dw_blocked_5x5_s2_p2_wide", 2, 20, 20, 9, 27, 5, 2, 2, 20, true},
	{"grouped_3x3_g2", 2, 4, 6, 7, 5, 3, 1, 1, 2, true},
	{"grouped_1x1_g3", 1, 6, 9, 4, 5, 1, 1, 0, 3, false},
	{"depth_multiplier_g3", 1, 3, 6, 6, 6, 3, 2, 1, 3, true},
}

func (cc convCase) layer(seed uint64) (*nn.Conv2D, *nn.Tensor) {
	rng := nntest.Rand(seed)
	c := nn.NewConv2D(cc.cin, cc.cout, cc.k, cc.stride, cc.pad, cc.groups, cc.bias, rng)
	if c.Bias != nil {
		nn.Uniform(c.Bias.Value, 0.5, rng) // default init is tiny; make bias errors visible
	}
	return c, nntest.RandTensor(rng, cc.n, cc.cin, cc.h, cc.w)
}

func TestConv2DMatchesNaive(t *testing.T) {
	for i, cc := range convCases {
		t.Run(cc.name, func(t *testing.T) {
			c, x := cc.layer(uint64(100 + i))
			var b *nn.Tensor
			if c.Bias != nil {
				b = c.Bias.Value
			}
			want := naiveConv2D(x, c.Weight.Value, b, cc.stride, cc.pad, cc.groups)
			got := c.Forward(x)
			require.Equal(t, want.Shape, got.Shape)
			nntest.AssertClose(t, want, got, 1e-5, "y")

			dy := nntest.RandTensor(nntest.Rand(uint64(200+i)), want.Shape...)
			wdx, wdw, wdb := naiveConv2DBackward(x, c.Weight.Value, dy, cc.stride, cc.pad, cc.groups)
			nn.ZeroGrad(c.Params())
			dx := c.Backward(dy)
			nntest.AssertClose(t, wdx, dx, 1e-5, "dx")
			nntest.AssertClose(t, wdw, c.Weight.Grad, 1e-5, "dweight")
			if c.Bias != nil {
				nntest.AssertClose(t, wdb, c.Bias.Grad, 1e-5, "dbias")
			}

			// A second Backward accumulates parameter gradients.
			c.Backward(dy)
			twice := wdw.Clone()
			for j := range twice.Data {
				twice.Data[j] *= 2
			}
			nntest.AssertClose(t, twice, c.Weight.Grad, 1e-5, "dweight accumulated")
		})
	}
}

func TestConv2DGradCheck(t *testing.T) {
	for i, cc := range convCases {
		t.Run(cc.name, func(t *testing.T) {
			c, x := cc.layer(uint64(300 + i))
			nntest.GradCheck(t, c, x, nntest.GradCheckOptions{Seed: uint64(i)})
		})
	}
}

func TestConv2DSkipInputGrad(t *testing.T) {
	for _, cc := range convCases {
		if cc.name != "stem_3x3_s2_p1" && cc.name != "dw_blocked_5x5_s1_p2" {
			continue
		}
		t.Run(cc.name, func(t *testing.T) {
			c, x := cc.layer(7)
			ref, _ := cc.layer(7)
			c.SkipInputGrad = true
			y := c.Forward(x)
			ref.Forward(x)
			dy := nntest.RandTensor(nntest.Rand(8), y.Shape...)
			assert.Nil(t, c.Backward(dy))
			require.NotNil(t, ref.Backward(dy))
			nntest.AssertClose(t, ref.Weight.Grad, c.Weight.Grad, 1e-6, "dweight")
		})
	}
}

func TestConv2DFixtures(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_conv_conv2d.safetensors")
	for _, cc := range []struct {
		name                         string
		cin, cout, k, stride, pad, g int
		bias                         bool
	}{
		{"stem", 3, 16, 3, 2, 1, 1, false},
		{"pointwise", 16, 24, 1, 1, 0, 1, true},
		{"dw3s1", 8, 8, 3, 1, 1, 8, false},
		{"dw3s2", 8, 8, 3, 2, 1, 8, true},
		{"dw5s1", 6, 6, 5, 1, 2, 6, true},
		{"dw5s2", 6, 6, 5, 2, 2, 6, false},
		{"grouped", 6, 4, 3, 1, 2, 2, true},
	} {
		t.Run(cc.name, func(t *testing.T) {
			c := nn.NewConv2D(cc.cin, cc.cout, cc.k, cc.stride, cc.pad, cc.g, cc.bias, nntest.Rand(1))
			nntest.MatchFixture(t, c, tf, cc.name)
		})
	}
}

func TestConv2DFoldBatchNorm(t *testing.T) {
	for _, bias := range []bool{false, true} {
		t.Run(fmt.Sprintf("bias=%v", bias), func(t *testing.T) {
			rng := nntest.Rand(11)
			c := nn.NewConv2D(4, 6, 3, 1, 1, 1, bias, rng)
			x := nntest.RandTensor(rng, 2, 4, 5, 6)
			gamma, beta := nntest.RandTensor(rng, 6).Data, nntest.RandTensor(rng, 6).Data
			mean := nntest.RandTensor(rng, 6).Data
			variance := make([]float32, 6)
			for i := range variance {
				variance[i] = 0.1 + rng.Float32()
			}
			const eps = 1e-3
			y := c.Forward(x).Clone()
			_, ch, h, w := y.Dims4()
			want := y.Clone()
			for j := range want.Data {
				o := j / (h * w) % ch
				want.Data[j] = (y.Data[j]-mean[o])/float32(math.Sqrt(float64(variance[o]+eps)))*gamma[o] + beta[o]
			}
			c.FoldBatchNorm(gamma, beta, mean, variance, eps)
			require.NotNil(t, c.Bias)
			assert.Len(t, c.Params(), 2)
			nntest.AssertClose(t, want, c.Forward(x), 1e-5, "folded")
		})
	}
}

func TestConv2DAllocs(t *testing.T) {
	for _, cc := range []convCase{
		{"pointwise", 1, 16, 32, 12, 8, 1, 1, 0, 1, true},
		{"depthwise", 1, 16, 16, 12, 8, 3, 2, 1, 16, false},
		{"im2col", 1, 3, 8, 12, 8, 3, 2, 1, 1, false},
	} {
		t.Run(cc.name, func(t *testing.T) {
			c, x := cc.layer(5)
			c.Forward(x)
			allocs := testing.AllocsPerRun(20, func() { c.Forward(x) })
			assert.Zero(t, allocs)
		})
	}
}

func TestConv2DShapePanics(t *testing.T) {
	c := nn.NewConv2D(3, 4, 3, 1, 1, 1, false, nntest.Rand(1))
	assert.Panics(t, func() { c.Forward(nn.New(1, 2, 5, 5)) }, "wrong channels")
	assert.Panics(t, func() { c.Forward(nn.New(2, 3, 5)) }, "wrong rank")
	c.Forward(nn.New(1, 3, 5, 5))
	assert.Panics(t, func() { c.Backward(nn.New(1, 4, 4, 5)) }, "wrong dy")
	assert.Panics(t, func() { nn.NewConv2D(3, 4, 3, 1, 1, 2, false, nntest.Rand(1)) }, "groups not dividing")
}
