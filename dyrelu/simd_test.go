package dyrelu

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn/nntest"
)

// TestSIMDKernels checks the C kernels against plain Go loops, on plane
// lengths around the vector widths.
func TestSIMDKernels(t *testing.T) {
	for _, p := range []int{1, 7, 8, 17, 95, 96, 257, 3072} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			const n, c = 2, 3
			rng := nntest.Rand(uint64(p))
			x := nntest.RandTensor(rng, n*c*p).Data
			pi := nntest.RandTensor(rng, n*p).Data
			ws := nntest.RandTensor(rng, c).Data

			var want float64
			for _, v := range x[:p] {
				want += float64(v)
			}
			assert.InDelta(t, float32(want/float64(p)), meanC(x[:p]), 1e-6, "mean")
			assert.InDelta(t, float32(want/float64(p)), mean(x[:p]), 1e-6, "mean")

			// Pooling and spatial logits of sample 1, channels 1..2.
			z, pooled := nntest.RandTensor(rng, p).Data, make([]float32, c)
			poolSpatialC(z, pooled, ws, x[c*p:], p, 1, c)
			zw := make([]float32, p)
			for ch := 1; ch < c; ch++ {
				var sum float64
				for i, v := range x[(c+ch)*p : (c+ch+1)*p] {
					zw[i] += ws[ch] * v
					sum += float64(v)
				}
				assert.InDelta(t, sum/float64(p), pooled[ch], 1e-6, "pooled[%d]", ch)
			}
			assert.InDeltaSlice(t, zw, z, 0, "z")
			assert.Zero(t, pooled[0], "channel outside the range")

			// K = 2 on all planes, per-channel (cc = c) and shared (cc = 1)
			// coefficients, with and without attention, in place and not.
			for _, cc := range []int{1, c} {
				coef := nntest.RandTensor(rng, n*4*cc).Data
				for _, att := range [][]float32{nil, pi} {
					wantY := make([]float32, len(x))
					for i := range n * c {
						s, g := i/c, i%c%cc
						a := []float32{coef[s*4*cc+g], coef[s*4*cc+cc+g]}
						b := []float32{coef[s*4*cc+2*cc+g], coef[s*4*cc+3*cc+g]}
						var pis []float32
						if att != nil {
							pis = att[s*p : (s+1)*p]
						}
						applyK(wantY[i*p:(i+1)*p], x[i*p:(i+1)*p], pis, a, b)
					}
					y := make([]float32, len(x))
					applyPlanesC(y, x, att, coef, p, c, cc, 0, n*c)
					assert.InDeltaSlice(t, wantY, y, 0, "apply cc=%d att=%v", cc, att != nil)
					inplace := append([]float32(nil), x...)
					applyPlanesC(inplace, inplace, att, coef, p, c, cc, 1, n*c)
					assert.InDeltaSlice(t, x[:p], inplace[:p], 0, "plane outside the range")
					assert.InDeltaSlice(t, wantY[p:], inplace[p:], 0, "in place cc=%d att=%v", cc, att != nil)
				}
			}

			// The K = 2 backward kernels against backPlaneK and dotMax.
			dy := nntest.RandTensor(rng, n*c*p).Data
			dz := nntest.RandTensor(rng, n*p).Data
			for _, cc := range []int{1, c} {
				coef := nntest.RandTensor(rng, n*4*cc).Data
				for _, att := range [][]float32{nil, pi} {
					var dzs []float32
					if att != nil {
						dzs = dz
					}
					dxW, dcW, dwsW := make([]float32, len(x)), make([]float32, n*c*4), make([]float32, n*c)
					for i := range n * c {
						s, ch, g := i/c, i%c, i%c%cc
						a := []float32{coef[s*4*cc+g], coef[s*4*cc+cc+g]}
						b := []float32{coef[s*4*cc+2*cc+g], coef[s*4*cc+3*cc+g]}
						var pis []float32
						if att != nil {
							pis = att[s*p : (s+1)*p]
						}
						xs, dxs := x[i*p:(i+1)*p], dxW[i*p:(i+1)*p]
						backPlaneK(dxs, dcW[i*4:(i+1)*4], xs, dy[i*p:(i+1)*p], pis, a, b)
						if att != nil {
							var sum float64
							for q, v := range dz[s*p : (s+1)*p] {
								dxs[q] += v * ws[ch]
								sum += float64(v) * float64(xs[q])
							}
							dwsW[i] = float32(sum)
						}
					}
					dx, dc, dws := make([]float32, len(x)), make([]float32, n*c*4), make([]float32, n*c)
					backPlanesC(dx, dc, dws, x, dy, att, dzs, coef, ws, p, c, cc, 0, n*c)
					assert.InDeltaSlice(t, dxW, dx, 0, "back dx cc=%d att=%v", cc, att != nil)
					assert.InDeltaSlice(t, dcW, dc, 1e-5, "back dcoef cc=%d att=%v", cc, att != nil)
					assert.InDeltaSlice(t, dwsW, dws, 1e-5, "back dws cc=%d att=%v", cc, att != nil)

					// dL/dπ of sample 1, positions [1, p).
					if p > 1 {
						want := make([]float32, p-1)
						for ch := range c {
							g := ch % cc
							a := []float32{coef[4*cc+g], coef[4*cc+cc+g]}
							b := []float32{coef[4*cc+2*cc+g], coef[4*cc+3*cc+g]}
							off := (c+ch)*p + 1
							dotMax(want, dy[off:off+p-1], x[off:off+p-1], a, b)
						}
						got := nntest.RandTensor(rng, p-1).Data
						dpiC(got, x, dy, coef, p, c, cc, 1, 1, p)
						assert.InDeltaSlice(t, want, got, 0, "dpi cc=%d", cc)
					}
				}
			}
			pooledG := nntest.RandTensor(rng, n*c).Data
			added := append([]float32(nil), x...)
			addPlanesC(added, pooledG, float32(p), p, 1, n*c)
			for i, v := range x {
				want := v
				if i >= p {
					want += pooledG[i/p] / float32(p)
				}
				require.Equal(t, want, added[i], "addPlanes[%d]", i)
			}

			// Spatial attention against softmaxDiv, and σ with the coefficients.
			soft := append([]float32(nil), x[:p]...)
			piC := make([]float32, p)
			attentionC(soft, piC, 0.7, float32(p)/3)
			softW := append([]float32(nil), x[:p]...)
			softmaxDiv(softW, 0.7)
			for i, v := range softW {
				assert.InDelta(t, v, soft[i], 1e-6*float64(v)+1e-12, "soft[%d]", i)
				assert.InDelta(t, min(float32(p)/3*v, 1), piC[i], 2e-6, "pi[%d]", i)
			}
			sig, row := append([]float32(nil), x[:p]...), make([]float32, p)
			sigmoidCoefC(sig, row, 1, 0.5)
			for i, v := range x[:p] {
				s := sigmoid(v)
				assert.Equal(t, s, sig[i], "sigmoid[%d]", i)
				assert.Equal(t, 1+0.5*(2*s-1), row[i], "coef[%d]", i)
			}
		})
	}
}

// TestExpfC holds the vectorised C expf to the Go expf bit for bit, across
// the range, at its edges and on NaN.
func TestExpfC(t *testing.T) {
	var xs []float32
	for v := -110.0; v < 90; v += 0.0173 {
		xs = append(xs, float32(v))
	}
	xs = append(xs, expLo, expHi, -87.5, -103.5, 88.5, 88.72, 0, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	got := make([]float32, len(xs))
	expfC(got, xs)
	for i, v := range xs {
		want := expf(v)
		if want != want {
			require.True(t, got[i] != got[i], "exp(%g) = %g, want NaN", v, got[i])
			continue
		}
		require.Equal(t, math.Float32bits(want), math.Float32bits(got[i]), "exp(%g) = %g, want %g", v, got[i], want)
	}
}
