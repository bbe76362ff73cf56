package nn

/*
#cgo CFLAGS: -O3
#include <stddef.h>

// The elementwise kernels are plain C loops so that GCC vectorises them; the
// target_clones attribute compiles each one for AVX-512, AVX2 and baseline
// x86-64 and picks the best at load time. The comparisons are written as
// "v < lo ? lo : v" so that NaN passes through (the comparison is false), which
// is also what PyTorch's clamp does. dst may equal src (in-place).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DYPOSE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DYPOSE_CLONES
#endif

DYPOSE_CLONES static void relu_f32(float *dst, const float *src, ptrdiff_t n) {
	for (ptrdiff_t i = 0; i < n; i++) {
		float v = src[i];
		dst[i] = v < 0.0f ? 0.0f : v;
	}
}

DYPOSE_CLONES static void relu6_f32(float *dst, const float *src, ptrdiff_t n) {
	for (ptrdiff_t i = 0; i < n; i++) {
		float v = src[i];
		v = v < 0.0f ? 0.0f : v;
		dst[i] = v > 6.0f ? 6.0f : v;
	}
}

// hardswish and hardsigmoid are compute-bound once vectorised, so they
// multiply by 1/6 where PyTorch divides by 6 (a difference of at most one
// ulp), and use explicit AVX2 because GCC turns the clamps of the plain loop
// into chains of blends. max(0, r) and min(6, r) with r second keep NaN.
static inline float clamp06(float r) {
	r = r < 0.0f ? 0.0f : r;
	return r > 6.0f ? 6.0f : r;
}

static void hardsigmoid_scalar(float *dst, const float *src, ptrdiff_t n) {
	for (ptrdiff_t i = 0; i < n; i++) {
		dst[i] = clamp06(src[i] + 3.0f) * (1.0f / 6.0f);
	}
}

static void hardswish_scalar(float *dst, const float *src, ptrdiff_t n) {
	for (ptrdiff_t i = 0; i < n; i++) {
		float x = src[i];
		dst[i] = x * clamp06(x + 3.0f) * (1.0f / 6.0f);
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx2"))) static ptrdiff_t hard_avx2(float *dst, const float *src, ptrdiff_t n, int swish) {
	const __m256 three = _mm256_set1_ps(3.0f), six = _mm256_set1_ps(6.0f);
	const __m256 zero = _mm256_setzero_ps(), sixth = _mm256_set1_ps(1.0f / 6.0f);
	ptrdiff_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(src + i);
		__m256 r = _mm256_min_ps(six, _mm256_max_ps(zero, _mm256_add_ps(x, three)));
		if (swish) {
			r = _mm256_mul_ps(x, r);
		}
		_mm256_storeu_ps(dst + i, _mm256_mul_ps(r, sixth));
	}
	return i;
}

static void hardsigmoid_f32(float *dst, const float *src, ptrdiff_t n) {
	ptrdiff_t i = __builtin_cpu_supports("avx2") ? hard_avx2(dst, src, n, 0) : 0;
	hardsigmoid_scalar(dst + i, src + i, n - i);
}

static void hardswish_f32(float *dst, const float *src, ptrdiff_t n) {
	ptrdiff_t i = __builtin_cpu_supports("avx2") ? hard_avx2(dst, src, n, 1) : 0;
	hardswish_scalar(dst + i, src + i, n - i);
}
#else
static void hardsigmoid_f32(float *dst, const float *src, ptrdiff_t n) { hardsigmoid_scalar(dst, src, n); }
static void hardswish_f32(float *dst, const float *src, ptrdiff_t n) { hardswish_scalar(dst, src, n); }
#endif

// bn_affine_f32 computes dst = src*scale[c] + shift[c] over the planes
// [lo, hi) of an (N, C, HW) tensor; plane p has channel p % c.
DYPOSE_CLONES static void bn_affine_f32(float *dst, const float *src, const float *scale,
		const float *shift, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t c, ptrdiff_t hw) {
	for (ptrdiff_t p = lo; p < hi; p++) {
		const float a = scale[p % c], b = shift[p % c];
		float *d = dst + p * hw;
		const float *s = src + p * hw;
		for (ptrdiff_t i = 0; i < hw; i++) {
			d[i] = s[i] * a + b;
		}
	}
}

// bn_channel_stats is channelStats in C: the mean of channel ch of an
// (n, c, hw) tensor and the sum of squared deviations from it, two passes
// in double with 8 partial sums (the Go loop's one sum, reassociated).
DYPOSE_CLONES static void bn_channel_stats(const float *x, ptrdiff_t n, ptrdiff_t c, ptrdiff_t hw,
		ptrdiff_t ch, double *out) {
	double s[8] = {0};
	for (ptrdiff_t i = 0; i < n; i++) {
		const float *xs = x + (i * c + ch) * hw;
		ptrdiff_t j = 0;
		for (; j + 8 <= hw; j += 8)
			for (int k = 0; k < 8; k++) s[k] += (double)xs[j + k];
		for (; j < hw; j++) s[0] += (double)xs[j];
	}
	double mean = (((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))) / (double)(n * hw);
	double q[8] = {0};
	for (ptrdiff_t i = 0; i < n; i++) {
		const float *xs = x + (i * c + ch) * hw;
		ptrdiff_t j = 0;
		for (; j + 8 <= hw; j += 8)
			for (int k = 0; k < 8; k++) {
				double d = (double)xs[j + k] - mean;
				q[k] += d * d;
			}
		for (; j < hw; j++) {
			double d = (double)xs[j] - mean;
			q[0] += d * d;
		}
	}
	out[0] = mean;
	out[1] = ((q[0] + q[4]) + (q[1] + q[5])) + ((q[2] + q[6]) + (q[3] + q[7]));
}

// bn_backward_sums returns Σdy and Σdy·x̂ (x̂ = (x − mean)·inv) of channel
// ch in out: BatchNorm2D.Backward's first pass.
DYPOSE_CLONES static void bn_backward_sums(const float *x, const float *g, ptrdiff_t n, ptrdiff_t c,
		ptrdiff_t hw, ptrdiff_t ch, float mean, float inv, double *out) {
	double sd[8] = {0}, sx[8] = {0};
	for (ptrdiff_t i = 0; i < n; i++) {
		const float *xs = x + (i * c + ch) * hw, *gs = g + (i * c + ch) * hw;
		ptrdiff_t j = 0;
		for (; j + 8 <= hw; j += 8)
			for (int t = 0; t < 8; t++) {
				sd[t] += (double)gs[j + t];
				sx[t] += (double)gs[j + t] * (double)((xs[j + t] - mean) * inv);
			}
		for (; j < hw; j++) {
			sd[0] += (double)gs[j];
			sx[0] += (double)gs[j] * (double)((xs[j] - mean) * inv);
		}
	}
	out[0] = ((sd[0] + sd[4]) + (sd[1] + sd[5])) + ((sd[2] + sd[6]) + (sd[3] + sd[7]));
	out[1] = ((sx[0] + sx[4]) + (sx[1] + sx[5])) + ((sx[2] + sx[6]) + (sx[3] + sx[7]));
}

// bn_backward_dx writes dx = k·(dy − mdy − x̂·mdyx) for channel ch: the
// second pass, with mdy and mdyx the batch corrections Σ/m (zero for
// eval-mode statistics).
DYPOSE_CLONES static void bn_backward_dx(float *dx, const float *x, const float *g, ptrdiff_t n,
		ptrdiff_t c, ptrdiff_t hw, ptrdiff_t ch, float mean, float inv, float k, float mdy, float mdyx) {
	for (ptrdiff_t i = 0; i < n; i++) {
		const float *xs = x + (i * c + ch) * hw, *gs = g + (i * c + ch) * hw;
		float *ds = dx + (i * c + ch) * hw;
		for (ptrdiff_t j = 0; j < hw; j++) ds[j] = k * (gs[j] - mdy - (xs[j] - mean) * inv * mdyx);
	}
}

// bn_backward_channel is BatchNorm2D.Backward for channel ch: both passes.
static void bn_backward_channel(float *dx, const float *x, const float *g, ptrdiff_t n,
		ptrdiff_t c, ptrdiff_t hw, ptrdiff_t ch, float mean, float inv, float k, int batch, double m,
		double *out) {
	bn_backward_sums(x, g, n, c, hw, ch, mean, inv, out);
	float mdy = batch ? (float)(out[0] / m) : 0, mdyx = batch ? (float)(out[1] / m) : 0;
	bn_backward_dx(dx, x, g, n, c, hw, ch, mean, inv, k, mdy, mdyx);
}
*/
import "C"

import (
	"fmt"
	"math"
)

// parallelMin is the number of elements from which an elementwise kernel
// (activations, BatchNorm's affine) is split over cores. The vectorised
// loops run at 10–40 elements per ns and are bound by cache bandwidth; on
// the 2-core development machine splitting MobileNetV3's batch-1 tensors
// (up to 221k elements) over both cores made them slower (waking a parked
// goroutine costs about as much as the whole loop; notes/nn-misc.md), and
// ParallelFor allocates (goroutine closures), which inference must not.
// Training batches (millions of elements) still use every core.
const parallelMin = 1 << 20

// mapKernel applies kern to dst and src, split over cores when large.
func mapKernel(dst, src []float32, kern func(dst, src []float32)) {
	n := len(dst)
	if len(src) != n {
		panic(fmt.Sprintf("%s: map dst %d, src %d", errShape, n, len(src)))
	}
	if n < parallelMin {
		if n > 0 {
			kern(dst, src)
		}
		return
	}
	ParallelFor(n, parallelMin/2, func(lo, hi int) { kern(dst[lo:hi], src[lo:hi]) })
}

func cptr(s []float32) *C.float { return (*C.float)(&s[0]) }

// The fast kernels need len(dst) == len(src) > 0 (mapKernel checks).

func reluFast(dst, src []float32) {
	C.relu_f32(cptr(dst), cptr(src), C.ptrdiff_t(len(dst)))
}
func relu6Fast(dst, src []float32) {
	C.relu6_f32(cptr(dst), cptr(src), C.ptrdiff_t(len(dst)))
}
func hardSigmoidFast(dst, src []float32) {
	C.hardsigmoid_f32(cptr(dst), cptr(src), C.ptrdiff_t(len(dst)))
}
func hardSwishFast(dst, src []float32) {
	C.hardswish_f32(cptr(dst), cptr(src), C.ptrdiff_t(len(dst)))
}

// bnAffineFast runs bn_affine_f32 (see bnAffineNaive) on planes [lo, hi).
func bnAffineFast(dst, src, scale, shift []float32, lo, hi, hw int) {
	C.bn_affine_f32(cptr(dst), cptr(src), cptr(scale), cptr(shift),
		C.ptrdiff_t(lo), C.ptrdiff_t(hi), C.ptrdiff_t(len(scale)), C.ptrdiff_t(hw))
}

// channelStatsFast is channelStats in C (bn_channel_stats).
func channelStatsFast(x []float32, n, c, hw, ch int) (mean, sq float64) {
	_ = x[((n-1)*c+ch+1)*hw-1]
	var out [2]C.double
	C.bn_channel_stats(cptr(x), C.ptrdiff_t(n), C.ptrdiff_t(c), C.ptrdiff_t(hw), C.ptrdiff_t(ch), &out[0])
	return float64(out[0]), float64(out[1])
}

// bnBackwardChannel runs bn_backward_channel: dx of channel ch, and the sums
// Σdy and Σdy·x̂ for the bias and weight gradients.
func bnBackwardChannel(dx, x, g []float32, n, c, hw, ch int, mean, inv, k float32, batch bool, m float64) (sdy, sdyx float64) {
	end := ((n-1)*c + ch + 1) * hw
	_, _, _ = dx[end-1], x[end-1], g[end-1]
	var out [2]C.double
	b := C.int(0)
	if batch {
		b = 1
	}
	C.bn_backward_channel(cptr(dx), cptr(x), cptr(g), C.ptrdiff_t(n), C.ptrdiff_t(c), C.ptrdiff_t(hw), C.ptrdiff_t(ch),
		C.float(mean), C.float(inv), C.float(k), b, C.double(m), &out[0])
	return float64(out[0]), float64(out[1])
}

// bnBackwardSums runs bn_backward_sums: Σdy and Σdy·x̂ of channel ch.
func bnBackwardSums(x, g []float32, n, c, hw, ch int, mean, inv float32) (sdy, sdyx float64) {
	end := ((n-1)*c + ch + 1) * hw
	_, _ = x[end-1], g[end-1]
	var out [2]C.double
	C.bn_backward_sums(cptr(x), cptr(g), C.ptrdiff_t(n), C.ptrdiff_t(c), C.ptrdiff_t(hw), C.ptrdiff_t(ch),
		C.float(mean), C.float(inv), &out[0])
	return float64(out[0]), float64(out[1])
}

// bnBackwardDX runs bn_backward_dx: dx of channel ch given the batch
// corrections mdy = Σdy/m and mdyx = Σdy·x̂/m.
func bnBackwardDX(dx, x, g []float32, n, c, hw, ch int, mean, inv, k, mdy, mdyx float32) {
	end := ((n-1)*c + ch + 1) * hw
	_, _, _ = dx[end-1], x[end-1], g[end-1]
	C.bn_backward_dx(cptr(dx), cptr(x), cptr(g), C.ptrdiff_t(n), C.ptrdiff_t(c), C.ptrdiff_t(hw), C.ptrdiff_t(ch),
		C.float(mean), C.float(inv), C.float(k), C.float(mdy), C.float(mdyx))
}

// The naive kernels below define what the C kernels compute; tests check
// that both agree bit for bit.

func reluNaive(dst, src []float32) {
	for i, v := range src {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

func relu6Naive(dst, src []float32) {
	for i, v := range src {
		if v < 0 {
			v = 0
		}
		if v > 6 {
			v = 6
		}
		dst[i] = v
	}
}

// sixth is 1/6 in float32: the kernels multiply by it where PyTorch
// divides by 6, at most one ulp away.
const sixth = float32(1.0 / 6)

func hardSigmoidNaive(dst, src []float32) {
	for i, v := range src {
		dst[i] = clamp06(v+3) * sixth
	}
}

func hardSwishNaive(dst, src []float32) {
	for i, v := range src {
		dst[i] = v * clamp06(v+3) * sixth
	}
}

// clamp06 clamps r to [0, 6], keeping NaN.
func clamp06(r float32) float32 {
	if r < 0 {
		r = 0
	}
	if r > 6 {
		r = 6
	}
	return r
}

// actOutput returns where Forward writes: x itself when inplace, else the
// layer's buffer resized to x.
func actOutput(buf **Tensor, x *Tensor, inplace bool) *Tensor {
	if inplace {
		return x
	}
	*buf = Ensure(*buf, x.Shape...)
	return *buf
}

func checkGrad(name string, dy, saved *Tensor) {
	if saved == nil {
		panic(name + ": Backward without a training-mode Forward")
	}
	if !dy.SameShape(saved) {
		panic(fmt.Sprintf("%s: %s: dy %v, y %v", errShape, name, dy.Shape, saved.Shape))
	}
}

// ReLU computes y = max(x, 0) for x of any shape.
//
// The activations (ReLU, ReLU6, Sigmoid, HardSigmoid, HardSwish) are
// elementwise layers without parameters, each usable as its zero value.
// Forward writes into a buffer the layer owns, or, with Inplace set,
// overwrites x and returns it (PyTorch's inplace=True): no output buffer and
// less memory traffic, but x is gone, so never set Inplace when x is still
// needed elsewhere (a residual branch).
//
// Backward follows PyTorch's autograd exactly, including at the kinks:
//
//	ReLU        dy where x > 0 (0 at x = 0)
//	ReLU6       dy where 0 < x < 6 (0 at both kinks)
//	HardSigmoid dy/6 where −3 < x < 3 (0 at ±3)
//	HardSwish   0 where x < −3, dy·(x/3 + ½) where −3 ≤ x < 3, dy where x ≥ 3
//	            (so −dy/2 at x = −3 and dy at x = 3)
//
// PyTorch 1.13 is not consistent with itself for HardSwish at x = 3: its
// vectorised CPU loop (all elements of a tensor but a tail of fewer than 16)
// returns dy, its scalar tail loop 3dy/2. We follow the vectorised loop,
// which is what nearly every element of a real tensor gets.
//
// ReLU, ReLU6 and Sigmoid differentiate from their output, so they keep no
// extra state, but their output must stay unchanged until Backward.
// HardSigmoid and HardSwish need x: without Inplace they keep a reference to
// it (free); with Inplace they copy x before overwriting it, but only in
// training mode, so inference stays copy-free.
type ReLU struct {
	Inplace bool // overwrite x (see the package notes on activations)
	y, dx   *Tensor
	out     *Tensor // last output, for Backward
}

// Forward returns max(x, 0).
func (l *ReLU) Forward(x *Tensor) *Tensor {
	y := actOutput(&l.y, x, l.Inplace)
	mapKernel(y.Data, x.Data, reluFast)
	l.out = y
	return y
}

// Backward returns dy where y > 0, else 0.
func (l *ReLU) Backward(dy *Tensor) *Tensor {
	checkGrad("nn.ReLU", dy, l.out)
	l.dx = Ensure(l.dx, dy.Shape...)
	dx, y := l.dx.Data, l.out.Data[:len(dy.Data)]
	for i, g := range dy.Data {
		if y[i] > 0 {
			dx[i] = g
		} else {
			dx[i] = 0
		}
	}
	return l.dx
}

// Params returns nil: ReLU has no parameters.
func (l *ReLU) Params() []*Param { return nil }

// ReLU6 computes y = min(max(x, 0), 6).
type ReLU6 struct {
	Inplace bool
	y, dx   *Tensor
	out     *Tensor
}

// Forward returns min(max(x, 0), 6).
func (l *ReLU6) Forward(x *Tensor) *Tensor {
	y := actOutput(&l.y, x, l.Inplace)
	mapKernel(y.Data, x.Data, relu6Fast)
	l.out = y
	return y
}

// Backward returns dy where 0 < y < 6 (which is exactly 0 < x < 6), else 0.
func (l *ReLU6) Backward(dy *Tensor) *Tensor {
	checkGrad("nn.ReLU6", dy, l.out)
	l.dx = Ensure(l.dx, dy.Shape...)
	dx, y := l.dx.Data, l.out.Data[:len(dy.Data)]
	for i, g := range dy.Data {
		if y[i] > 0 && y[i] < 6 {
			dx[i] = g
		} else {
			dx[i] = 0
		}
	}
	return l.dx
}

// Params returns nil.
func (l *ReLU6) Params() []*Param { return nil }

// Sigmoid computes y = 1 / (1 + e^−x). It is used on small tensors (gates),
// so it has no vectorised kernel.
type Sigmoid struct {
	Inplace bool
	y, dx   *Tensor
	out     *Tensor
}

// Forward returns σ(x).
func (l *Sigmoid) Forward(x *Tensor) *Tensor {
	y := actOutput(&l.y, x, l.Inplace)
	yd := y.Data[:len(x.Data)]
	for i, v := range x.Data {
		yd[i] = sigmoid(v)
	}
	l.out = y
	return y
}

// sigmoid evaluates σ(v) in float64, split by sign so exp never overflows.
func sigmoid(v float32) float32 {
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}

// Backward returns dy·y·(1−y), PyTorch's formula from the output.
func (l *Sigmoid) Backward(dy *Tensor) *Tensor {
	checkGrad("nn.Sigmoid", dy, l.out)
	l.dx = Ensure(l.dx, dy.Shape...)
	dx, y := l.dx.Data, l.out.Data[:len(dy.Data)]
	for i, g := range dy.Data {
		dx[i] = g * (1 - y[i]) * y[i]
	}
	return l.dx
}

// Params returns nil.
func (l *Sigmoid) Params() []*Param { return nil }

// HardSigmoid computes y = relu6(x + 3) / 6, as torch.nn.Hardsigmoid.
type HardSigmoid struct {
	Inplace  bool
	Training bool // with Inplace, keep a copy of x for Backward
	y, dx    *Tensor
	x        *Tensor // input seen by Forward (or its copy)
	saved    *Tensor // copy buffer for Inplace training
}

// SetTraining sets Training.
func (l *HardSigmoid) SetTraining(on bool) { l.Training = on }

// Forward returns relu6(x+3)/6.
func (l *HardSigmoid) Forward(x *Tensor) *Tensor {
	l.x = keepInput(&l.saved, x, l.Inplace, l.Training)
	y := actOutput(&l.y, x, l.Inplace)
	mapKernel(y.Data, x.Data, hardSigmoidFast)
	return y
}

// keepInput returns what Backward will read as x: x itself when Forward
// does not overwrite it, a copy when it does and we are training, and nil
// for in-place inference.
func keepInput(saved **Tensor, x *Tensor, inplace, training bool) *Tensor {
	if !inplace {
		return x
	}
	if !training {
		return nil
	}
	*saved = Ensure(*saved, x.Shape...)
	copy((*saved).Data, x.Data)
	return *saved
}

// Backward returns dy/6 where −3 < x < 3, else 0.
func (l *HardSigmoid) Backward(dy *Tensor) *Tensor {
	checkGrad("nn.HardSigmoid", dy, l.x)
	l.dx = Ensure(l.dx, dy.Shape...)
	dx, x := l.dx.Data, l.x.Data[:len(dy.Data)]
	for i, g := range dy.Data {
		if x[i] > -3 && x[i] < 3 {
			dx[i] = g / 6
		} else {
			dx[i] = 0
		}
	}
	return l.dx
}

// Params returns nil.
func (l *HardSigmoid) Params() []*Param { return nil }

// HardSwish computes y = x·relu6(x + 3)/6, as torch.nn.Hardswish.
type HardSwish struct {
	Inplace  bool
	Training bool // with Inplace, keep a copy of x for Backward
	y, dx    *Tensor
	x        *Tensor
	saved    *Tensor
}

// SetTraining sets Training.
func (l *HardSwish) SetTraining(on bool) { l.Training = on }

// Forward returns x·relu6(x+3)/6.
func (l *HardSwish) Forward(x *Tensor) *Tensor {
	l.x = keepInput(&l.saved, x, l.Inplace, l.Training)
	y := actOutput(&l.y, x, l.Inplace)
	mapKernel(y.Data, x.Data, hardSwishFast)
	return y
}

// Backward returns dy·hardswish'(x), with PyTorch's values at ±3 (and,
// as its vectorised loop, NaN for x = NaN).
func (l *HardSwish) Backward(dy *Tensor) *Tensor {
	checkGrad("nn.HardSwish", dy, l.x)
	l.dx = Ensure(l.dx, dy.Shape...)
	dx, x := l.dx.Data, l.x.Data[:len(dy.Data)]
	for i, g := range dy.Data {
		switch v := x[i]; {
		case v >= 3:
			dx[i] = g
		case v < -3:
			dx[i] = 0
		default:
			dx[i] = g * (v/3 + 0.5)
		}
	}
	return l.dx
}

// Params returns nil.
func (l *HardSwish) Params() []*Param { return nil }
