package dyrelu

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dypose/dypose/nn/nntest"
)

// TestSIMDKernels checks the C kernels against plain loops, on lengths
// around the vector widths and the cgo threshold.
func TestSIMDKernels(t *testing.T) {
	for _, n := range []int{1, 7, 8, 17, cgoMin - 1, cgoMin, 257, 3072} {
		rng := nntest.Rand(uint64(n))
		x := nntest.RandTensor(rng, n).Data
		pi := nntest.RandTensor(rng, n).Data
		z0 := nntest.RandTensor(rng, n).Data

		var want float64
		for _, v := range x {
			want += float64(v)
		}
		assert.InDelta(t, float32(want/float64(n)), meanC(x), 1e-6, "mean n=%d", n)
		assert.InDelta(t, float32(want/float64(n)), mean(x), 1e-6, "mean n=%d", n)

		z, zw := append([]float32(nil), z0...), append([]float32(nil), z0...)
		axpyC(z, -0.7, x)
		for i := range zw {
			zw[i] += -0.7 * x[i]
		}
		assert.InDeltaSlice(t, zw, z, 0, "axpy n=%d", n)

		y, yw := make([]float32, n), make([]float32, n)
		apply2AttC(y, x, pi, 0.8, -0.1, -0.2, 0.3)
		applyK(yw, x, pi, []float32{0.8, -0.2}, []float32{-0.1, 0.3})
		assert.InDeltaSlice(t, yw, y, 0, "apply2Att n=%d", n)
		apply2C(y, x, 1.1, 0.2, 0.1, -0.4)
		applyK(yw, x, nil, []float32{1.1, 0.1}, []float32{0.2, -0.4})
		assert.InDeltaSlice(t, yw, y, 0, "apply2 n=%d", n)
	}
}
