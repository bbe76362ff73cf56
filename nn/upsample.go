package nn

/*
#cgo CFLAGS: -O3
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define UP_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define UP_CLONES
#endif

// up2_row upsamples one row of w values to 2w with PyTorch's bilinear,
// align_corners=False weights: out[2i] = 0.25·x[i−1] + 0.75·x[i] (out[0] =
// x[0]), out[2i+1] = 0.75·x[i] + 0.25·x[min(i+1, w−1)]; each written, like
// PyTorch, as x[i0]·w0 + x[i1]·w1.
UP_CLONES static void up2_row(float *out, const float *x, ptrdiff_t w) {
	out[0] = x[0];
	for (ptrdiff_t i = 1; i < w; i++) out[2 * i] = x[i - 1] * 0.25f + x[i] * 0.75f;
	for (ptrdiff_t i = 0; i + 1 < w; i++) out[2 * i + 1] = x[i] * 0.75f + x[i + 1] * 0.25f;
	out[2 * w - 1] = x[w - 1] * 0.75f + x[w - 1] * 0.25f;
}

UP_CLONES static void blend(float *out, const float *a, float wa, const float *b, float wb, ptrdiff_t n) {
	for (ptrdiff_t i = 0; i < n; i++) out[i] = a[i] * wa + b[i] * wb;
}

// up2_forward upsamples planes [plo, phi) of x (h×w each) into y (2h×2w).
// Three horizontally upsampled rows (j−1, j, j+1) roll through a scratch
// buffer, so each input row is interpolated horizontally once.
static void up2_forward(float *y, const float *x, ptrdiff_t plo, ptrdiff_t phi, ptrdiff_t h, ptrdiff_t w) {
	enum { STACK = 3 * 2048 };
	float stack[STACK];
	const ptrdiff_t wo = 2 * w;
	float *buf = stack;
	if (3 * wo > STACK) {
		buf = malloc(3 * wo * sizeof(float));
		if (buf == NULL) abort();
	}
	for (ptrdiff_t p = plo; p < phi; p++) {
		const float *xp = x + p * h * w;
		float *yp = y + p * h * wo * 2;
		float *prev = buf, *cur = buf + wo, *next = buf + 2 * wo;
		up2_row(cur, xp, w);
		for (ptrdiff_t j = 0; j < h; j++) {
			if (j + 1 < h) up2_row(next, xp + (j + 1) * w, w);
			const float *nx = j + 1 < h ? next : cur;
			float *even = yp + 2 * j * wo, *odd = even + wo;
			if (j == 0) memcpy(even, cur, wo * sizeof(float));
			else blend(even, prev, 0.25f, cur, 0.75f, wo);
			blend(odd, cur, 0.75f, nx, 0.25f, wo);
			float *t = prev;
			prev = cur;
			cur = next;
			next = t;
		}
	}
	if (buf != stack) free(buf);
}
*/
import "C"

import "fmt"

// Upsample2x doubles the height and width with bilinear interpolation,
// exactly as F.interpolate(x, scale_factor=2, mode="bilinear",
// align_corners=False): x (N, C, H, W) → y (N, C, 2H, 2W). Output pixel o
// samples the input at (o + 0.5)/2 − 0.5, clamped below at 0, between the
// two nearest pixels (the upper one clamped to the last). The zero value is
// ready to use.
type Upsample2x struct {
	y, dx *Tensor
	shape []int // input shape of the last Forward

	rows, cols []upTap // backward interpolation tables, built per shape
	dy         []float32
	run        func(lo, hi int)
}

// upTap is one output index's two source indices and weights.
type upTap struct {
	i0, i1 int
	w0, w1 float32
}

// upTaps returns the taps for an input of size n upsampled to 2n, with
// PyTorch's area_pixel_compute_source_index rule for align_corners=False.
func upTaps(dst []upTap, n int) []upTap {
	dst = dst[:0]
	for o := range 2 * n {
		src := max(float32(0.5)*(float32(o)+0.5)-0.5, 0)
		i0 := int(src)
		i1 := i0
		if i0 < n-1 {
			i1++
		}
		l1 := src - float32(i0)
		dst = append(dst, upTap{i0: i0, i1: i1, w0: 1 - l1, w1: l1})
	}
	return dst
}

// Forward computes y (N, C, 2H, 2W).
func (u *Upsample2x) Forward(x *Tensor) *Tensor {
	n, c, h, w := x.Dims4()
	u.shape = append(u.shape[:0], x.Shape...)
	u.y = Ensure(u.y, n, c, 2*h, 2*w)
	if x.Len() == 0 {
		return u.y
	}
	C.up2_forward(f32p(u.y.Data), f32p(x.Data), 0, C.ptrdiff_t(n*c), C.ptrdiff_t(h), C.ptrdiff_t(w))
	return u.y
}

// upsampleMinPlanes is the least number of planes per goroutine in Backward.
const upsampleMinPlanes = 8

// Backward returns dx: each output gradient is scattered back to the four
// input pixels it interpolated, with the same weights.
func (u *Upsample2x) Backward(dy *Tensor) *Tensor {
	if u.shape == nil {
		panic("nn.Upsample2x: Backward before Forward")
	}
	n, c, h, w := u.shape[0], u.shape[1], u.shape[2], u.shape[3]
	if !sameShape(dy.Shape, []int{n, c, 2 * h, 2 * w}) {
		panic(fmt.Sprintf("%s: nn.Upsample2x.Backward: dy %v for x %v", errShape, dy.Shape, u.shape))
	}
	u.dx = Ensure(u.dx, u.shape...)
	u.rows, u.cols = upTaps(u.rows, h), upTaps(u.cols, w)
	if u.run == nil {
		u.run = u.backwardPlanes
	}
	u.dy = dy.Data
	ParallelFor(n*c, upsampleMinPlanes, u.run)
	u.dy = nil
	return u.dx
}

func (u *Upsample2x) backwardPlanes(lo, hi int) {
	h, w := len(u.rows)/2, len(u.cols)/2
	wo := 2 * w
	for p := lo; p < hi; p++ {
		dx := u.dx.Data[p*h*w : (p+1)*h*w]
		clear(dx)
		for oy, r := range u.rows {
			row0, row1 := dx[r.i0*w:(r.i0+1)*w], dx[r.i1*w:(r.i1+1)*w]
			g := u.dy[(p*2*h+oy)*wo : (p*2*h+oy+1)*wo]
			for ox, cl := range u.cols {
				v := g[ox]
				row0[cl.i0] += r.w0 * cl.w0 * v
				row0[cl.i1] += r.w0 * cl.w1 * v
				row1[cl.i0] += r.w1 * cl.w0 * v
				row1[cl.i1] += r.w1 * cl.w1 * v
			}
		}
	}
}

// Params returns nil: the layer has no parameters.
func (u *Upsample2x) Params() []*Param { return nil }
