package nn_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// TestPointwiseSplitMatchesSerial checks the 1×1 convolution split over
// cores (OpenBLAS single-threaded, two goroutines) against the one-GEMM
// path (one core), on shapes that split by image, by column block, and
// with a ragged last block; and its backward pass (dW by rows, added to
// what the gradient already holds, dx by image) likewise.
func TestPointwiseSplitMatchesSerial(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer nn.SetBLASThreads(nn.BLASThreads())
	tests := []struct {
		n, cin, cout, h, w int
		bias               bool
	}{
		{1, 24, 40, 64, 48, false},
		{1, 24, 40, 37, 29, true},
		{3, 16, 72, 32, 24, true},
		{1, 8, 8, 4, 4, true}, // below the split threshold
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dx%dx%dx%d_to_%d_bias_%v", tt.n, tt.cin, tt.h, tt.w, tt.cout, tt.bias), func(t *testing.T) {
			c := nn.NewConv2D(tt.cin, tt.cout, 1, 1, 0, 1, tt.bias, nntest.Rand(1))
			if tt.bias {
				copy(c.Bias.Value.Data, nntest.RandTensor(nntest.Rand(3), tt.cout).Data)
			}
			x := nntest.RandTensor(nntest.Rand(2), tt.n, tt.cin, tt.h, tt.w)
			runtime.GOMAXPROCS(1)
			y := c.Forward(x)
			want := y.Clone()
			for i := range y.Data { // the split must write every output
				y.Data[i] = float32(math.NaN())
			}
			runtime.GOMAXPROCS(2)
			nn.SetBLASThreads(1)
			got := c.Forward(x)
			nntest.AssertClose(t, want, got, 1e-5, "split 1x1")
			assert.Zero(t, testing.AllocsPerRun(3, func() { c.Forward(x) }))

			dy := nntest.RandTensor(nntest.Rand(4), got.Shape...)
			grad0 := nntest.RandTensor(nntest.Rand(5), c.Weight.Grad.Shape...)
			var dxBuf *nn.Tensor
			backward := func(procs int) (dx, dW *nn.Tensor) {
				runtime.GOMAXPROCS(procs)
				copy(c.Weight.Grad.Data, grad0.Data)
				if dxBuf != nil { // the split must write every dx
					for i := range dxBuf.Data {
						dxBuf.Data[i] = float32(math.NaN())
					}
				}
				dxBuf = c.Backward(dy)
				return dxBuf.Clone(), c.Weight.Grad.Clone()
			}
			wantDX, wantDW := backward(1)
			gotDX, gotDW := backward(2)
			nntest.AssertClose(t, wantDX, gotDX, 1e-5, "split 1x1 dx")
			// dW sums n·h·w products (up to 3072 here) in an order that
			// depends on the GEMM's blocking, which differs between the
			// split and the whole: on OpenBLAS's AVX-512 kernels the two
			// differ by up to 1.2e-5 (a sum of terms of size 1 landing near
			// 0.01). A lost or doubled block would be off by 0.1 or more.
			nntest.AssertClose(t, wantDW, gotDW, 5e-5, "split 1x1 dW")
			assert.Zero(t, testing.AllocsPerRun(3, func() { c.Backward(dy) }))
		})
	}
}
