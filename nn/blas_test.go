package nn_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// naiveSgemm is C = alpha·op(A)·op(B) + beta·C by the triple loop, row-major
// with strides, in float64.
func naiveSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	at := func(i, p int) float64 {
		if transA {
			return float64(a[p*lda+i])
		}
		return float64(a[i*lda+p])
	}
	bt := func(p, j int) float64 {
		if transB {
			return float64(b[j*ldb+p])
		}
		return float64(b[p*ldb+j])
	}
	for i := range m {
		for j := range n {
			acc := 0.0
			for p := range k {
				acc += at(i, p) * bt(p, j)
			}
			c[i*ldc+j] = float32(float64(alpha)*acc + float64(beta)*float64(c[i*ldc+j]))
		}
	}
}

func TestSgemm(t *testing.T) {
	for _, tc := range []struct {
		name    string
		m, n, k int
		pad     int // extra columns in every leading dimension
		alpha   float32
		beta    float32
	}{
		{"square", 8, 8, 8, 0, 1, 0},
		{"rect_strided", 5, 7, 3, 2, 1, 0},
		{"beta_accumulates", 6, 4, 9, 3, 0.5, 1.5},
		{"k1", 4, 5, 1, 1, 2, 0},
		{"k0_scales", 3, 4, 0, 1, 1, 0.25},
		{"large", 67, 45, 130, 5, 1, 1},
	} {
		for _, trans := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			t.Run(fmt.Sprintf("%s/tA=%v,tB=%v", tc.name, trans[0], trans[1]), func(t *testing.T) {
				rng := nntest.Rand(uint64(tc.m*1000 + tc.n*10 + tc.k))
				rowsA, colsA := tc.m, tc.k
				if trans[0] {
					rowsA, colsA = tc.k, tc.m
				}
				rowsB, colsB := tc.k, tc.n
				if trans[1] {
					rowsB, colsB = tc.n, tc.k
				}
				lda, ldb, ldc := colsA+tc.pad, colsB+tc.pad, tc.n+tc.pad
				a := nntest.RandTensor(rng, max(rowsA*lda, 1)).Data
				b := nntest.RandTensor(rng, max(rowsB*ldb, 1)).Data
				c := nntest.RandTensor(rng, tc.m*ldc).Data
				want := append([]float32(nil), c...)
				naiveSgemm(trans[0], trans[1], tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
				nn.Sgemm(trans[0], trans[1], tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
				// Padding columns of C must be untouched: they equal the
				// (unchanged) random start values in want as well.
				nntest.AssertClose(t, nn.FromData(want, len(want)), nn.FromData(c, len(c)), 1e-5, "C")
			})
		}
	}
}

// TestSgemv checks y = alpha·A·x + beta·y against the same product as an
// M×N by N×1 GEMM through the naive loop.
func TestSgemv(t *testing.T) {
	for _, tc := range []struct {
		name        string
		m, n, pad   int
		alpha, beta float32
	}{
		{"square", 8, 8, 0, 1, 0},
		{"wide_strided", 5, 131, 3, 1, 1},
		{"tall", 300, 4, 0, 0.5, 2},
		{"n0_scales", 3, 0, 1, 1, 0.25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := nntest.Rand(uint64(tc.m*100 + tc.n))
			lda := tc.n + tc.pad
			a := nntest.RandTensor(rng, max(tc.m*lda, 1)).Data
			x := nntest.RandTensor(rng, max(tc.n, 1)).Data
			y := nntest.RandTensor(rng, tc.m).Data
			want := append([]float32(nil), y...)
			naiveSgemm(false, false, tc.m, 1, tc.n, tc.alpha, a, lda, x, 1, tc.beta, want, 1)
			nn.Sgemv(tc.m, tc.n, tc.alpha, a, lda, x, tc.beta, y)
			nntest.AssertClose(t, nn.FromData(want, len(want)), nn.FromData(y, len(y)), 1e-5, "y")
		})
	}
	assert.Panics(t, func() { nn.Sgemv(2, 3, 1, make([]float32, 5), 3, make([]float32, 3), 0, make([]float32, 2)) }, "A short")
}

func TestSgemmShortSlicePanics(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	assert.NotPanics(t, func() { nn.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2) })
	assert.Panics(t, func() { nn.Sgemm(false, false, 2, 2, 3, 1, a, 4, b, 2, 0, c, 2) }, "lda past A")
	assert.Panics(t, func() { nn.Sgemm(false, true, 2, 2, 3, 1, a, 3, b, 4, 0, c, 2) }, "ldb past B")
	assert.Panics(t, func() { nn.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 3) }, "ldc past C")
}

func TestBLASThreads(t *testing.T) {
	old := nn.BLASThreads()
	defer nn.SetBLASThreads(old)
	nn.SetBLASThreads(1)
	assert.Equal(t, 1, nn.BLASThreads())
	assert.NotEmpty(t, nn.BLASConfig())
}
