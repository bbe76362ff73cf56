package dyrelu

/*
#cgo CFLAGS: -O3 -std=c11
#include <stddef.h>

// The per-element DY-ReLU loops in C, so GCC vectorises them (Go's compiler
// does not): each is compiled for AVX-512, AVX2 and baseline x86-64 and the
// loader picks the best clone. ISO C mode (-std=c11) implies -ffp-contract=off, which keeps a·x + b as a rounded
// multiply then add, exactly as the Go loops compute it, so both agree to
// the bit. The Go loops in kernels.go stay as the reference and for planes
// too short to repay a cgo call.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DY_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DY_CLONES
#endif

static inline float fmaxf_go(float a, float b) { return a > b ? a : b; }

DY_CLONES void dy_apply2(float *restrict dst, const float *restrict x, ptrdiff_t n,
		float a1, float b1, float a2, float b2) {
	for (ptrdiff_t i = 0; i < n; i++) {
		float v = x[i];
		dst[i] = fmaxf_go(a1 * v + b1, a2 * v + b2);
	}
}

DY_CLONES void dy_apply2_att(float *restrict dst, const float *restrict x, const float *restrict pi,
		ptrdiff_t n, float a1, float b1, float a2, float b2) {
	for (ptrdiff_t i = 0; i < n; i++) {
		float v = x[i];
		dst[i] = fmaxf_go(a1 * v + b1, a2 * v + b2) * pi[i];
	}
}

// In-place forms for inference (dst = x), with x alone under restrict.
DY_CLONES void dy_apply2_inplace(float *restrict x, ptrdiff_t n, float a1, float b1, float a2, float b2) {
	for (ptrdiff_t i = 0; i < n; i++) {
		float v = x[i];
		x[i] = fmaxf_go(a1 * v + b1, a2 * v + b2);
	}
}

DY_CLONES void dy_apply2_att_inplace(float *restrict x, const float *restrict pi, ptrdiff_t n,
		float a1, float b1, float a2, float b2) {
	for (ptrdiff_t i = 0; i < n; i++) {
		float v = x[i];
		x[i] = fmaxf_go(a1 * v + b1, a2 * v + b2) * pi[i];
	}
}

// dy_sum adds x in double precision, 8 partial sums (the Go loop uses 4:
// sums agree to float32 rounding, not bit for bit).
DY_CLONES double dy_sum(const float *restrict x, ptrdiff_t n) {
	double s[8] = {0};
	ptrdiff_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++) s[j] += (double)x[i + j];
	for (; i < n; i++) s[0] += (double)x[i];
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

// dy_sum_axpy is dy_axpy and dy_sum over one read of x.
DY_CLONES double dy_sum_axpy(float *restrict z, float a, const float *restrict x, ptrdiff_t n) {
	double s[8] = {0};
	ptrdiff_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++) {
			z[i + j] += a * x[i + j];
			s[j] += (double)x[i + j];
		}
	for (; i < n; i++) {
		z[i] += a * x[i];
		s[0] += (double)x[i];
	}
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

DY_CLONES void dy_axpy(float *restrict z, float a, const float *restrict x, ptrdiff_t n) {
	for (ptrdiff_t i = 0; i < n; i++) z[i] += a * x[i];
}
*/
import "C"

import "unsafe"

// cgoMin is the shortest slice the C kernels take: below it a cgo call
// (~30–60 ns) costs more than the Go loop saves.
const cgoMin = 96

func fp(s []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(s))) }

// apply2C is apply2 in C; len(dst) ≥ len(x). dst may be x itself (the
// restrict-qualified kernels take distinct buffers only).
func apply2C(dst, x []float32, a1, b1, a2, b2 float32) {
	_ = dst[len(x)-1]
	if sameStart(dst, x) {
		C.dy_apply2_inplace(fp(x), C.ptrdiff_t(len(x)), C.float(a1), C.float(b1), C.float(a2), C.float(b2))
		return
	}
	C.dy_apply2(fp(dst), fp(x), C.ptrdiff_t(len(x)), C.float(a1), C.float(b1), C.float(a2), C.float(b2))
}

// apply2AttC is apply2Att in C; dst and pi are at least as long as x.
func apply2AttC(dst, x, pi []float32, a1, b1, a2, b2 float32) {
	_, _ = dst[len(x)-1], pi[len(x)-1]
	if sameStart(dst, x) {
		C.dy_apply2_att_inplace(fp(x), fp(pi), C.ptrdiff_t(len(x)), C.float(a1), C.float(b1), C.float(a2), C.float(b2))
		return
	}
	C.dy_apply2_att(fp(dst), fp(x), fp(pi), C.ptrdiff_t(len(x)), C.float(a1), C.float(b1), C.float(a2), C.float(b2))
}

// sameStart reports whether a and b start at the same element (an
// in-place apply); the layer never passes partly overlapping slices.
func sameStart(a, b []float32) bool { return unsafe.SliceData(a) == unsafe.SliceData(b) }

// meanC is mean in C (double-precision partial sums).
func meanC(x []float32) float32 {
	return float32(float64(C.dy_sum(fp(x), C.ptrdiff_t(len(x)))) / float64(len(x)))
}

// sumAxpyC is sumAxpy in C; len(x) ≥ len(z).
func sumAxpyC(z []float32, a float32, x []float32) float64 {
	_ = x[len(z)-1]
	return float64(C.dy_sum_axpy(fp(z), C.float(a), fp(x), C.ptrdiff_t(len(z))))
}

// axpyC is axpy in C; len(x) ≥ len(z).
func axpyC(z []float32, a float32, x []float32) {
	_ = x[len(z)-1]
	C.dy_axpy(fp(z), C.float(a), fp(x), C.ptrdiff_t(len(z)))
}
