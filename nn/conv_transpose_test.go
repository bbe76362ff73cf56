package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// naiveConvTranspose2D scatters every input pixel through the kernel:
// y[i][o][iy·s−p+ky][ix·s−p+kx] += w[c][o][ky][kx]·x[i][c][iy][ix], y starts at b[o].
func naiveConvTranspose2D(x, w, b *nn.Tensor, stride, pad int) *nn.Tensor {
	n, cin, h, wd := x.Dims4()
	cout, k := w.Shape[1], w.Shape[2]
	ho, wo := (h-1)*stride-2*pad+k, (wd-1)*stride-2*pad+k
	y := nn.New(n, cout, ho, wo)
	acc := make([]float64, len(y.Data))
	for i := range n {
		for c := range cin {
			for iy := range h {
				for ix := range wd {
					xv := float64(x.Data[((i*cin+c)*h+iy)*wd+ix])
					for o := range cout {
						for ky := range k {
							oy := iy*stride - pad + ky
							if oy < 0 || oy >= ho {
								continue
							}
							for kx := range k {
								ox := ix*stride - pad + kx
								if ox < 0 || ox >= wo {
									continue
								}
								acc[((i*cout+o)*ho+oy)*wo+ox] += xv * float64(w.Data[((c*cout+o)*k+ky)*k+kx])
							}
						}
					}
				}
			}
		}
	}
	for j := range acc {
		if b != nil {
			acc[j] += float64(b.Data[j/(ho*wo)%cout])
		}
		y.Data[j] = float32(acc[j])
	}
	return y
}

type convTCase struct {
	name               string
	n, cin, cout, h, w int
	k, stride, pad     int
	bias               bool
}

var convTCases = []convTCase{
	{"k4s2p1", 2, 4, 3, 3, 5, 4, 2, 1, true},
	{"k4s2p1_n1", 1, 3, 5, 4, 4, 4, 2, 1, false},
	{"k3s2p1", 1, 3, 2, 4, 3, 3, 2, 1, true},
	{"k2s2p0", 3, 2, 3, 2, 3, 2, 2, 0, true},
	{"k3s1p1", 1, 2, 2, 5, 4, 3, 1, 1, false},
	{"k1s3p0_gaps", 1, 2, 3, 3, 2, 1, 3, 0, true},
	{"k5s3p2", 2, 3, 2, 3, 4, 5, 3, 2, true},
}

func (cc convTCase) layer(seed uint64) (*nn.ConvTranspose2D, *nn.Tensor) {
	rng := nntest.Rand(seed)
	c := nn.NewConvTranspose2D(cc.cin, cc.cout, cc.k, cc.stride, cc.pad, cc.bias, rng)
	if c.Bias != nil {
		nn.Uniform(c.Bias.Value, 0.5, rng)
	}
	return c, nntest.RandTensor(rng, cc.n, cc.cin, cc.h, cc.w)
}

func TestConvTranspose2DMatchesNaive(t *testing.T) {
	for i, cc := range convTCases {
		t.Run(cc.name, func(t *testing.T) {
			c, x := cc.layer(uint64(400 + i))
			var b *nn.Tensor
			if c.Bias != nil {
				b = c.Bias.Value
			}
			want := naiveConvTranspose2D(x, c.Weight.Value, b, cc.stride, cc.pad)
			got := c.Forward(x)
			require.Equal(t, want.Shape, got.Shape)
			nntest.AssertClose(t, want, got, 1e-5, "y")
		})
	}
}

func TestConvTranspose2DGradCheck(t *testing.T) {
	for i, cc := range convTCases {
		t.Run(cc.name, func(t *testing.T) {
			c, x := cc.layer(uint64(500 + i))
			nntest.GradCheck(t, c, x, nntest.GradCheckOptions{Seed: uint64(i)})
		})
	}
}

func TestConvTranspose2DFixtures(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_conv_convtranspose.safetensors")
	for _, cc := range []struct {
		name                      string
		cin, cout, k, stride, pad int
		bias                      bool
	}{
		{"k4s2p1", 4, 3, 4, 2, 1, true},
		{"k3s2p1", 3, 2, 3, 2, 1, false},
		{"k2s2p0", 2, 3, 2, 2, 0, true},
		{"k5s3p2", 3, 2, 5, 3, 2, true},
	} {
		t.Run(cc.name, func(t *testing.T) {
			c := nn.NewConvTranspose2D(cc.cin, cc.cout, cc.k, cc.stride, cc.pad, cc.bias, nntest.Rand(1))
			nntest.MatchFixture(t, c, tf, cc.name)
		})
	}
}

// TestConvTranspose2DInit checks PyTorch's fan-in for (InC, OutC, K, K)
// weights: OutC·K·K, not InC·K·K.
func TestConvTranspose2DInit(t *testing.T) {
	c := nn.NewConvTranspose2D(64, 4, 4, 2, 1, true, nntest.Rand(3))
	bound := 1 / float32(8) // 1/√(4·4·4)
	maxAbs := float32(0)
	for _, v := range c.Weight.Value.Data {
		maxAbs = max(maxAbs, v, -v)
	}
	assert.LessOrEqual(t, maxAbs, bound)
	assert.Greater(t, maxAbs, 0.9*bound, "init narrower than PyTorch's")
}

func TestConvTranspose2DAllocs(t *testing.T) {
	c, x := convTCase{"head", 1, 16, 16, 8, 6, 4, 2, 1, false}.layer(9)
	c.Forward(x)
	assert.Zero(t, testing.AllocsPerRun(20, func() { c.Forward(x) }))
}
