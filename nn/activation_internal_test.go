package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// kernelInput returns n values that mix the kinks, ±0, ±Inf, NaN and
// random numbers in (−8, 8).
func kernelInput(n int, rng *rand.Rand) []float32 {
	special := []float32{-3, 3, 0, float32(math.Copysign(0, -1)), 6, -6,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 2.9999998, -3.0000002}
	x := make([]float32, n)
	for i := range x {
		if rng.IntN(4) == 0 {
			x[i] = special[rng.IntN(len(special))]
		} else {
			x[i] = float32(rng.Float64()*16 - 8)
		}
	}
	return x
}

// sameBits reports the first index where a and b differ as float32 bit
// patterns (any NaN equals any NaN), or −1.
func sameBits(a, b []float32) int {
	for i := range a {
		na, nb := a[i] != a[i], b[i] != b[i]
		if na && nb {
			continue
		}
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestKernelsMatchNaive checks the vectorised C kernels against their Go
// loops, bit for bit, over lengths that exercise the vector body and every
// tail length, out of place and in place.
func TestKernelsMatchNaive(t *testing.T) {
	kernels := []struct {
		name        string
		fast, naive func(dst, src []float32)
	}{
		{"relu", reluFast, reluNaive},
		{"relu6", relu6Fast, relu6Naive},
		{"hardsigmoid", hardSigmoidFast, hardSigmoidNaive},
		{"hardswish", hardSwishFast, hardSwishNaive},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			for _, n := range []int{1, 7, 8, 15, 16, 17, 31, 33, 64, 1000, 4099} {
				src := kernelInput(n, rng)
				want, got := make([]float32, n), make([]float32, n)
				k.naive(want, src)
				k.fast(got, src)
				if i := sameBits(want, got); i >= 0 {
					t.Fatalf("n=%d: at %d (x=%v) fast %v, naive %v", n, i, src[i], got[i], want[i])
				}
				k.fast(src, src) // in place
				if i := sameBits(want, src); i >= 0 {
					t.Fatalf("n=%d in place: at %d fast %v, naive %v", n, i, src[i], want[i])
				}
			}
		})
	}
}

func TestBNAffineMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ n, c, hw int }{{1, 3, 1}, {2, 5, 7}, {1, 4, 17}, {3, 16, 48}} {
		src := kernelInput(tc.n*tc.c*tc.hw, rng)
		scale, shift := kernelInput(tc.c, rng), kernelInput(tc.c, rng)
		want, got := make([]float32, len(src)), make([]float32, len(src))
		bnAffineNaive(want, src, scale, shift, tc.n*tc.c, tc.hw)
		bnAffine(got, src, scale, shift, tc.n*tc.c, tc.hw)
		// GCC may contract x·a + b into a fused multiply-add; allow the one
		// rounding that saves, but nothing more.
		for i := range want {
			if want[i] != want[i] || math.IsInf(float64(want[i]), 0) {
				continue
			}
			assert.InDelta(t, want[i], got[i], 1e-6*(1+math.Abs(float64(want[i]))), "%+v at %d", tc, i)
		}
	}
}

func TestParallelKernelPathMatches(t *testing.T) {
	// Above parallelMin the work is split over cores: same result.
	rng := rand.New(rand.NewPCG(5, 6))
	src := kernelInput(parallelMin+37, rng)
	want, got := make([]float32, len(src)), make([]float32, len(src))
	hardSwishNaive(want, src)
	mapKernel(got, src, hardSwishFast)
	assert.Equal(t, -1, sameBits(want, got))
}

// channelStats (the reference for bn_channel_stats) returns the mean of channel ch of x and the sum of squared
// deviations from it (two passes: exact enough for float32 data of any
// offset, unlike E[x²] − E[x]²).
func channelStats(x []float32, n, c, hw, ch int) (mean, sq float64) {
	var s float64
	for i := range n {
		for _, v := range x[(i*c+ch)*hw : (i*c+ch+1)*hw] {
			s += float64(v)
		}
	}
	mean = s / float64(n*hw)
	for i := range n {
		for _, v := range x[(i*c+ch)*hw : (i*c+ch+1)*hw] {
			d := float64(v) - mean
			sq += d * d
		}
	}
	return mean, sq
}

// bnBackwardNaive is BatchNorm2D.Backward's per-channel loop as first
// written in Go, the reference for bn_backward_channel.
func bnBackwardNaive(dx, x, g []float32, n, c, hw, ch int, mean, inv, k float32, batch bool, m float64) (sdy, sdyx float64) {
	for i := range n {
		off := (i*c + ch) * hw
		for j, v := range g[off : off+hw] {
			sdy += float64(v)
			sdyx += float64(v) * float64((x[off+j]-mean)*inv)
		}
	}
	var mdy, mdyx float32
	if batch {
		mdy, mdyx = float32(sdy/m), float32(sdyx/m)
	}
	for i := range n {
		off := (i*c + ch) * hw
		for j, v := range g[off : off+hw] {
			dx[off+j] = k * (v - mdy - (x[off+j]-mean)*inv*mdyx)
		}
	}
	return sdy, sdyx
}

func TestBNChannelKernelsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ n, c, hw int }{{1, 3, 1}, {2, 5, 7}, {1, 4, 17}, {3, 16, 48}} {
		x, g := make([]float32, tc.n*tc.c*tc.hw), make([]float32, tc.n*tc.c*tc.hw)
		for i := range x {
			x[i] = float32(rng.NormFloat64()*2 + 5) // an offset: the two-pass variance matters
			g[i] = float32(rng.NormFloat64())
		}
		m := float64(tc.n * tc.hw)
		for ch := range tc.c {
			mean, sq := channelStats(x, tc.n, tc.c, tc.hw, ch)
			gotMean, gotSq := channelStatsFast(x, tc.n, tc.c, tc.hw, ch)
			assert.InDelta(t, mean, gotMean, 1e-12*(1+math.Abs(mean)), "%+v mean ch %d", tc, ch)
			assert.InDelta(t, sq, gotSq, 1e-12*(1+sq), "%+v sq ch %d", tc, ch)
			for _, batch := range []bool{false, true} {
				want, got := make([]float32, len(x)), make([]float32, len(x))
				sdy, sdyx := bnBackwardNaive(want, x, g, tc.n, tc.c, tc.hw, ch, float32(mean), 0.7, 1.3, batch, m)
				gsdy, gsdyx := bnBackwardChannel(got, x, g, tc.n, tc.c, tc.hw, ch, float32(mean), 0.7, 1.3, batch, m)
				assert.InDelta(t, sdy, gsdy, 1e-9, "%+v Σdy ch %d", tc, ch)
				assert.InDelta(t, sdyx, gsdyx, 1e-9, "%+v Σdy·x̂ ch %d", tc, ch)
				// One rounding of slack per element for a contracted multiply-add.
				for i := range want {
					assert.InDelta(t, want[i], got[i], 1e-5*(1+math.Abs(float64(want[i]))), "%+v dx at %d", tc, i)
				}
			}
		}
	}
}
