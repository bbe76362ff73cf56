package nn

/*
#cgo CFLAGS: -O3 -fopenmp-simd
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

// Convolution kernels in C so that GCC vectorises the inner loops; each hot
// function is compiled for AVX-512, AVX2+FMA and baseline x86-64, and the
// loader picks the best clone for the machine.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CONV_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CONV_CLONES
#endif

// ---- depthwise forward -------------------------------------------------
//
// A stride-s convolution is split into s² stride-1 convolutions: phase
// (a, b) holds the input pixels at rows s·r+a and columns s·c+b (zeros
// outside x), and convolves them with the taps ky ≡ a, kx ≡ b (mod s).
// Each phase is stored as a dense row-major plane of row stride ld = wo +
// ⌈k/s⌉ − 1, so output (oy, ox) reads phase[(oy+i)·ld + ox+j]: with the
// flat index q = oy·ld + ox that is phase[q + i·ld + j], one long unit-stride
// loop over the whole plane. GCC vectorises that loop for any plane width,
// which matters because most MobileNet planes are tiny (8×6 outputs with a
// 5×5 kernel have no "interior" row segment worth a vector). The columns
// ox ≥ wo are computed and dropped: (ld−wo)/wo extra work, 8–67 %. Planes
// are processed in strips of output rows so the scratch fits the C stack.

enum { DW_BUF = 16384 }; // floats of phase + output scratch: 64 KiB

// FLAT_KERNEL defines out[q] (+)= Σ_{i<KH, j<KW} w[i·KW+j]·src[q + i·ld + j]
// for q < n, starting from b or (add) from out[q]. Constant tap counts let
// GCC unroll them and keep the sum in a vector register.
#define FLAT_KERNEL(NAME, KH, KW)                                                    \
	CONV_CLONES static void NAME(float *out, const float *src, ptrdiff_t ld,        \
			const float *wk, float b, int add, ptrdiff_t n) {                         \
		float w[KH * KW];                                                             \
		for (int t = 0; t < KH * KW; t++) w[t] = wk[t];                               \
		if (add) {                                                                    \
			for (ptrdiff_t q = 0; q < n; q++) {                                       \
				float acc = out[q];                                                   \
				for (int i = 0; i < KH; i++)                                          \
					for (int j = 0; j < KW; j++) acc += w[i * KW + j] * src[q + i * ld + j]; \
				out[q] = acc;                                                         \
			}                                                                         \
		} else {                                                                      \
			for (ptrdiff_t q = 0; q < n; q++) {                                       \
				float acc = b;                                                        \
				for (int i = 0; i < KH; i++)                                          \
					for (int j = 0; j < KW; j++) acc += w[i * KW + j] * src[q + i * ld + j]; \
				out[q] = acc;                                                         \
			}                                                                         \
		}                                                                             \
	}

FLAT_KERNEL(flat_1x1, 1, 1)
FLAT_KERNEL(flat_1x2, 1, 2)
FLAT_KERNEL(flat_2x1, 2, 1)
FLAT_KERNEL(flat_2x2, 2, 2)
FLAT_KERNEL(flat_2x3, 2, 3)
FLAT_KERNEL(flat_3x2, 3, 2)
FLAT_KERNEL(flat_3x3, 3, 3)
FLAT_KERNEL(flat_5x5, 5, 5)

// flat_any is FLAT_KERNEL for run-time tap counts, one tap at a time.
CONV_CLONES static void flat_any(float *out, const float *src, ptrdiff_t ld, const float *w,
		int kh, int kw, float b, int add, ptrdiff_t n) {
	if (!add) for (ptrdiff_t q = 0; q < n; q++) out[q] = b;
	for (int i = 0; i < kh; i++) {
		for (int j = 0; j < kw; j++) {
			const float wv = w[i * kw + j];
			const float *s = src + i * ld + j;
			for (ptrdiff_t q = 0; q < n; q++) out[q] += wv * s[q];
		}
	}
}

static void flat_conv(float *out, const float *src, ptrdiff_t ld, const float *w, int kh, int kw,
		float b, int add, ptrdiff_t n) {
	switch (kh * 8 + kw) {
	case 1 * 8 + 1: flat_1x1(out, src, ld, w, b, add, n); break;
	case 1 * 8 + 2: flat_1x2(out, src, ld, w, b, add, n); break;
	case 2 * 8 + 1: flat_2x1(out, src, ld, w, b, add, n); break;
	case 2 * 8 + 2: flat_2x2(out, src, ld, w, b, add, n); break;
	case 2 * 8 + 3: flat_2x3(out, src, ld, w, b, add, n); break;
	case 3 * 8 + 2: flat_3x2(out, src, ld, w, b, add, n); break;
	case 3 * 8 + 3: flat_3x3(out, src, ld, w, b, add, n); break;
	case 5 * 8 + 5: flat_5x5(out, src, ld, w, b, add, n); break;
	default: flat_any(out, src, ld, w, kh, kw, b, add, n);
	}
}

// valid_range sets [*lo, *hi) to the output columns ox for which
// ox*s - p + kx lies in [0, w).
static inline void valid_range(ptrdiff_t *lo, ptrdiff_t *hi, ptrdiff_t w, ptrdiff_t wo, int kx, int s, int p) {
	ptrdiff_t a = p - kx, l = 0, h;
	if (a > 0) l = (a + s - 1) / s;
	ptrdiff_t bnd = w - 1 + p - kx;
	h = bnd < 0 ? 0 : bnd / s + 1;
	if (h > wo) h = wo;
	if (l > h) l = h;
	*lo = l;
	*hi = h;
}

// dw_forward_3x3s2 is dw_forward for a 3×3 kernel at stride 2. The phase
// planes of the general form cost a strided gather of the whole plane plus
// one pass over the output per phase; here each input row is split once
// into its even and odd columns (zero-padded), so that every tap of an
// output row reads one of the halves at unit stride and the nine taps are
// summed in one pass. They are summed in the phase form's order (phase by
// phase), so the two forms give the same floats. (For 5×5 the same idea,
// one pass per tap, measured slower than the phases.)
CONV_CLONES static void dw_forward_3x3s2(float *y, const float *x, const float *w, const float *bias,
		ptrdiff_t plo, ptrdiff_t phi, ptrdiff_t c, ptrdiff_t h, ptrdiff_t wd,
		ptrdiff_t ho, ptrdiff_t wo, int p) {
	// Half-row j + off holds column 2j (even half) or 2j + 1 (odd half) of
	// an input row, for j from −off; one more zero half-row stands for the
	// rows outside x.
	const ptrdiff_t off = (p + 1) / 2, ld = wo + off + 2;
	float *buf = malloc((size_t)((2 * h + 1) * ld) * sizeof(float));
	if (buf == NULL) abort();
	float *even = buf, *odd = buf + h * ld, *zero = buf + 2 * h * ld;
	memset(zero, 0, (size_t)ld * sizeof(float));
	// Tap order of the phase form: (0,0) (0,2) (2,0) (2,2), (0,1) (2,1),
	// (1,0) (1,2), (1,1).
	static const int order[9] = {0, 2, 6, 8, 1, 7, 3, 5, 4};
	for (ptrdiff_t pl = plo; pl < phi; pl++) {
		const ptrdiff_t ch = pl % c;
		const float *xp = x + pl * h * wd;
		const float *wc = w + ch * 9;
		const float b = bias ? bias[ch] : 0.0f;
		float *yp = y + pl * ho * wo;
		for (ptrdiff_t iy = 0; iy < h; iy++) {
			const float *xr = xp + iy * wd;
			float *e = even + iy * ld, *o = odd + iy * ld;
			for (ptrdiff_t j = 0; j < ld; j++) {
				const ptrdiff_t col = 2 * (j - off);
				e[j] = col >= 0 && col < wd ? xr[col] : 0.0f;
				o[j] = col + 1 >= 0 && col + 1 < wd ? xr[col + 1] : 0.0f;
			}
		}
		float wv[9];
		for (int t = 0; t < 9; t++) wv[t] = wc[order[t]];
		for (ptrdiff_t oy = 0; oy < ho; oy++) {
			const float *src[9];
			for (int t = 0; t < 9; t++) {
				const int ky = order[t] / 3, kx = order[t] % 3;
				const ptrdiff_t iy = 2 * oy - p + ky;
				// Column 2·ox − p + kx: even half at ox + (kx − p)/2 when
				// kx − p is even, odd half at ox + (kx − p − 1)/2 when odd.
				const int d = kx - p;
				if (iy < 0 || iy >= h) src[t] = zero;
				else if ((d & 1) == 0) src[t] = even + iy * ld + off + d / 2;
				else src[t] = odd + iy * ld + off + (d - 1) / 2;
			}
			float *restrict yr = yp + oy * wo;
			for (ptrdiff_t ox = 0; ox < wo; ox++) {
				float acc = b;
				for (int t = 0; t < 9; t++) acc += wv[t] * src[t][ox];
				yr[ox] = acc;
			}
		}
	}
	free(buf);
}

// dw_forward convolves planes [plo, phi) of x (N·C planes of h×w) into y
// (planes of ho×wo); plane p uses filter p % c. bias may be NULL.
static void dw_forward(float *y, const float *x, const float *w, const float *bias,
		ptrdiff_t plo, ptrdiff_t phi, ptrdiff_t c, ptrdiff_t h, ptrdiff_t wd,
		ptrdiff_t ho, ptrdiff_t wo, int k, int s, int p) {
	if (s == 2 && k == 3) {
		dw_forward_3x3s2(y, x, w, bias, plo, phi, c, h, wd, ho, wo, p);
		return;
	}
	const int kq = (k + s - 1) / s;          // most taps of one phase per axis
	const ptrdiff_t ld = wo + kq - 1;        // phase and output row stride
	// A strip of R output rows needs s² phases of R+kq−1 rows and R output rows.
	const ptrdiff_t perRow = ((ptrdiff_t)s * s + 1) * ld, fixed = (ptrdiff_t)s * s * (kq - 1) * ld;
	float stack[DW_BUF];
	float *buf = stack;
	ptrdiff_t strip = (DW_BUF - fixed) / perRow;
	if (strip > ho) strip = ho;
	if (strip < 1) { // absurdly wide planes: one output row at a time, on the heap
		strip = 1;
		buf = malloc((fixed + perRow) * sizeof(float));
		if (buf == NULL) abort();
	}
	const ptrdiff_t prow = strip + kq - 1, psize = prow * ld;
	float *out = buf + (ptrdiff_t)s * s * psize;
	float wsub[64];
	float *wbig = NULL;
	if (kq * kq > 64) {
		wbig = malloc(kq * kq * sizeof(float));
		if (wbig == NULL) abort();
	}
	float *ws = wbig ? wbig : wsub;
	for (ptrdiff_t pl = plo; pl < phi; pl++) {
		const ptrdiff_t ch = pl % c;
		const float *xp = x + pl * h * wd;
		const float *wc = w + ch * k * k;
		const float b = bias ? bias[ch] : 0.0f;
		float *yp = y + pl * ho * wo;
		for (ptrdiff_t oy0 = 0; oy0 < ho; oy0 += strip) {
			const ptrdiff_t rows = ho - oy0 < strip ? ho - oy0 : strip;
			const ptrdiff_t nrow = rows + kq - 1;
			// Gather the phases: phase (a,b) row r, column cc is x at row
			// (oy0+r)·s + a − p, column cc·s + b − p.
			for (int a = 0; a < s; a++) {
				for (int bb = 0; bb < s; bb++) {
					float *ph = buf + (a * s + bb) * psize;
					for (ptrdiff_t r = 0; r < nrow; r++) {
						float *d = ph + r * ld;
						const ptrdiff_t iy = (oy0 + r) * s + a - p;
						if (iy < 0 || iy >= h) {
							memset(d, 0, ld * sizeof(float));
							continue;
						}
						// Columns cc with 0 ≤ cc·s + bb − p < wd are inside x.
						ptrdiff_t lo, hi;
						valid_range(&lo, &hi, wd, ld, bb, s, p);
						const float *xr = xp + iy * wd + bb - p;
						for (ptrdiff_t cc = 0; cc < lo; cc++) d[cc] = 0;
						if (s == 1) memcpy(d + lo, xr + lo, (hi - lo) * sizeof(float));
						else for (ptrdiff_t cc = lo; cc < hi; cc++) d[cc] = xr[cc * s];
						for (ptrdiff_t cc = hi; cc < ld; cc++) d[cc] = 0;
					}
				}
			}
			const ptrdiff_t n = (rows - 1) * ld + wo;
			int first = 1;
			for (int a = 0; a < s && a < k; a++) {
				const int kh = (k - a + s - 1) / s;
				for (int bb = 0; bb < s && bb < k; bb++) {
					const int kw = (k - bb + s - 1) / s;
					for (int i = 0; i < kh; i++)
						for (int j = 0; j < kw; j++) ws[i * kw + j] = wc[(i * s + a) * k + j * s + bb];
					flat_conv(out, buf + (a * s + bb) * psize, ld, ws, kh, kw, b, !first, n);
					first = 0;
				}
			}
			for (ptrdiff_t r = 0; r < rows; r++) memcpy(yp + (oy0 + r) * wo, out + r * ld, wo * sizeof(float));
		}
	}
	if (wbig) free(wbig);
	if (buf != stack) free(buf);
}

// ---- depthwise forward, channel-blocked -------------------------------
//
// For small planes the flat kernels waste most of a vector on padding
// columns, so 16 channels are processed together instead: their zero-padded
// planes are interleaved into one (hp, wp, 16) buffer, each output position
// is one 16-lane vector (one lane per channel) accumulated over the k² taps,
// and the result is de-interleaved into the 16 output planes. The transposes
// cost one pass over input and output; the taps then vectorise fully for any
// plane size and stride. A 16-lane vector is one AVX-512 register, or two
// AVX2 registers in the AVX2 clone.

typedef float v8f __attribute__((vector_size(64))); // 16 lanes
enum { BLK_LANES = 16 };

enum { BLK_MAXK = 7 };

// BLK_BODY is the blocked forward for a k×k kernel, KK: a constant in the
// instances for k = 3 and 5 (so that the tap loops unroll), k itself in the
// one for the other sizes.
#define BLK_BODY(KK)                                                                   \
	const v8f bv = *bp;                                                                \
	for (ptrdiff_t oy = 0; oy < ho; oy++) {                                            \
		for (ptrdiff_t ox = 0; ox < wo; ox++) {                                        \
			const v8f *base = t + oy * s * wp + ox * s;                                \
			v8f acc = bv;                                                              \
			for (int ky = 0; ky < (KK); ky++)                                          \
				for (int kx = 0; kx < (KK); kx++) acc += wv[ky * (KK) + kx] * base[ky * wp + kx]; \
			o[oy * wo + ox] = acc;                                                     \
		}                                                                              \
	}

#define BLK_PARAMS v8f *o, const v8f *t, const v8f *wv, const v8f *bp, ptrdiff_t ho, ptrdiff_t wo, ptrdiff_t wp, int s
CONV_CLONES static void blk_k3(BLK_PARAMS) { BLK_BODY(3) }
CONV_CLONES static void blk_k5(BLK_PARAMS) { BLK_BODY(5) }
CONV_CLONES static void blk_kany(BLK_PARAMS, int k) { BLK_BODY(k) }

// dw_blocked_fits reports whether dw_blocked handles this kernel size.
static int dw_blocked_fits(int k) { return k <= BLK_MAXK; }

// dw_blocked convolves channel groups [glo, ghi) (group g: image g / ⌈c/16⌉,
// channels 16·(g mod ⌈c/16⌉) …); bias may be NULL.
static void dw_blocked(float *y, const float *x, const float *w, const float *bias,
		ptrdiff_t glo, ptrdiff_t ghi, ptrdiff_t c, ptrdiff_t h, ptrdiff_t wd,
		ptrdiff_t ho, ptrdiff_t wo, int k, int s, int p) {
	v8f wv[BLK_MAXK * BLK_MAXK];
	const ptrdiff_t hp = h + 2 * p, wp = wd + 2 * p, groups = (c + BLK_LANES - 1) / BLK_LANES;
	v8f *buf = aligned_alloc(sizeof(v8f), (hp * wp + ho * wo) * sizeof(v8f));
	if (buf == NULL) abort();
	float *t = (float *)buf;
	v8f *o = buf + hp * wp;
	const float *of = (const float *)o;
	for (ptrdiff_t gi = glo; gi < ghi; gi++) {
		const ptrdiff_t img = gi / groups, c0 = gi % groups * BLK_LANES;
		const int nl = c - c0 < BLK_LANES ? (int)(c - c0) : BLK_LANES;
		v8f bv = {0};
		for (int t8 = 0; t8 < k * k; t8++) {
			v8f v = {0};
			for (int l = 0; l < nl; l++) v[l] = w[(c0 + l) * k * k + t8];
			wv[t8] = v;
		}
		for (int l = 0; l < nl && bias; l++) bv[l] = bias[c0 + l];
		memset(t, 0, hp * wp * sizeof(v8f));
		for (int l = 0; l < nl; l++) {
			const float *xp = x + ((img * c + c0 + l) * h) * wd;
			for (ptrdiff_t iy = 0; iy < h; iy++) {
				float *d = t + ((iy + p) * wp + p) * BLK_LANES + l;
				const float *xr = xp + iy * wd;
				for (ptrdiff_t ix = 0; ix < wd; ix++) d[ix * BLK_LANES] = xr[ix];
			}
		}
		const v8f *tv = buf;
		if (k == 3) blk_k3(o, tv, wv, &bv, ho, wo, wp, s);
		else if (k == 5) blk_k5(o, tv, wv, &bv, ho, wo, wp, s);
		else blk_kany(o, tv, wv, &bv, ho, wo, wp, s, k);
		for (int l = 0; l < nl; l++) {
			float *yp = y + ((img * c + c0 + l) * ho) * wo;
			for (ptrdiff_t q = 0; q < ho * wo; q++) yp[q] = of[q * BLK_LANES + l];
		}
	}
	free(buf);
}

// dw_backward handles channels [clo, chi) for every image: dx planes are
// overwritten, dw rows accumulated. Splitting by channel means no two
// callers touch the same dx plane or filter.
//
// Like the forward, it works on whole planes as single unit-stride loops:
// x is copied into a zero-padded plane xpad of row stride ld = (wo−1)·s + k
// and dy into dyz, the same stride with s−1 zeros between its values (a
// stride-s convolution's output grid on the input grid). Then, for each
// tap (ky, kx) with off = ky·ld + kx,
//	dw[ky][kx] += Σ_q dyz[q]·xpad[q + off]    and    dxpad[q + off] += w[ky][kx]·dyz[q],
// over q in [0, hz·ld): 2k² long vectorised loops per plane instead of
// ho·k² loops over a row of 3 to 48 outputs each (the form this replaced,
// which cost three quarters of a training step). The zeros of dyz cost
// (ld/wo)·s² more multiply-adds; dyz's nonzero entries never reach past a
// row's end (X + kx ≤ ld − 1), so the flat indexing never wraps.
CONV_CLONES static void dw_backward(float *dx, float *dw, const float *x, const float *dy,
		const float *w, ptrdiff_t clo, ptrdiff_t chi, ptrdiff_t n, ptrdiff_t c, ptrdiff_t h,
		ptrdiff_t wd, ptrdiff_t ho, ptrdiff_t wo, int k, int s, int p) {
	const ptrdiff_t ld = (wo - 1) * s + k, hp = (ho - 1) * s + k, hz = (ho - 1) * s + 1;
	const ptrdiff_t npad = hp * ld + k, nz = hz * ld;
	// The part of x inside the padded plane: rows and columns the taps reach.
	const ptrdiff_t rows = h < hp - p ? h : hp - p, cols = wd < ld - p ? wd : ld - p;
	float *buf = malloc((size_t)(2 * npad + nz) * sizeof(float));
	if (buf == NULL) abort();
	float *restrict xpad = buf, *restrict dxpad = buf + npad, *restrict dyz = buf + 2 * npad;
	// Padding and the zeros between dy's values sit at the same places in
	// every plane: clear them once, overwrite only the data positions.
	memset(xpad, 0, (size_t)npad * sizeof(float));
	memset(dyz, 0, (size_t)nz * sizeof(float));
	for (ptrdiff_t ch = clo; ch < chi; ch++) {
		const float *wc = w + ch * k * k;
		float *dwc = dw + ch * k * k;
		for (ptrdiff_t img = 0; img < n; img++) {
			const ptrdiff_t pl = img * c + ch;
			const float *xp = x + pl * h * wd, *dyp = dy + pl * ho * wo;
			for (ptrdiff_t r = 0; r < rows; r++) memcpy(xpad + (r + p) * ld + p, xp + r * wd, (size_t)cols * sizeof(float));
			for (ptrdiff_t oy = 0; oy < ho; oy++)
				for (ptrdiff_t ox = 0; ox < wo; ox++) dyz[oy * s * ld + ox * s] = dyp[oy * wo + ox];
			for (int ky = 0; ky < k; ky++)
				for (int kx = 0; kx < k; kx++) {
					const float *xs = xpad + ky * ld + kx;
					float acc = 0;
					#pragma omp simd reduction(+:acc)
					for (ptrdiff_t q = 0; q < nz; q++) acc += dyz[q] * xs[q];
					dwc[ky * k + kx] += acc;
				}
			if (dx == NULL) continue;
			memset(dxpad, 0, (size_t)npad * sizeof(float));
			for (int ky = 0; ky < k; ky++)
				for (int kx = 0; kx < k; kx++) {
					float *ds = dxpad + ky * ld + kx;
					const float wv = wc[ky * k + kx];
					for (ptrdiff_t q = 0; q < nz; q++) ds[q] += wv * dyz[q];
				}
			float *dxp = dx + pl * h * wd;
			for (ptrdiff_t iy = 0; iy < h; iy++) {
				float *d = dxp + iy * wd;
				if (iy >= rows) {
					memset(d, 0, (size_t)wd * sizeof(float));
					continue;
				}
				memcpy(d, dxpad + (iy + p) * ld + p, (size_t)cols * sizeof(float));
				for (ptrdiff_t ix = cols; ix < wd; ix++) d[ix] = 0;
			}
		}
	}
	free(buf);
}

// ---- depthwise backward, channel-blocked --------------------------------
//
// The flat backward above pays for the zeros of dyz (s² times the work at
// stride 2) and for planes narrower than a vector; on MobileNetV3's small
// planes that made it the largest single kernel of a training step. As in
// dw_blocked, 16 channels are interleaved so that every position is one
// 16-lane vector: dW's k² sums stay in registers while the positions are
// visited once, and dx is scattered tap by tap into an interleaved padded
// plane, with no zeros in between at any stride.
#define BLKB_BODY(KK)                                                                    \
	v8f acc[(KK) * (KK)];                                                                \
	for (int q = 0; q < (KK) * (KK); q++) acc[q] = dwacc[q];                             \
	for (ptrdiff_t oy = 0; oy < ho; oy++)                                                \
		for (ptrdiff_t ox = 0; ox < wo; ox++) {                                          \
			const v8f d = dyv[oy * wo + ox];                                             \
			const v8f *base = t + oy * s * wp + ox * s;                                  \
			for (int ky = 0; ky < (KK); ky++)                                            \
				for (int kx = 0; kx < (KK); kx++) acc[ky * (KK) + kx] += d * base[ky * wp + kx]; \
		}                                                                                \
	for (int q = 0; q < (KK) * (KK); q++) dwacc[q] = acc[q];                             \
	if (dxp == NULL) return;                                                             \
	for (ptrdiff_t oy = 0; oy < ho; oy++)                                                \
		for (ptrdiff_t ox = 0; ox < wo; ox++) {                                          \
			const v8f d = dyv[oy * wo + ox];                                             \
			v8f *base = dxp + oy * s * wp + ox * s;                                      \
			for (int ky = 0; ky < (KK); ky++)                                            \
				for (int kx = 0; kx < (KK); kx++) base[ky * wp + kx] += wv[ky * (KK) + kx] * d; \
		}

#define BLKB_PARAMS v8f *dwacc, v8f *dxp, const v8f *t, const v8f *dyv, const v8f *wv, ptrdiff_t ho, ptrdiff_t wo, ptrdiff_t wp, int s
CONV_CLONES static void blkb_k3(BLKB_PARAMS) { BLKB_BODY(3) }
CONV_CLONES static void blkb_k5(BLKB_PARAMS) { BLKB_BODY(5) }
CONV_CLONES static void blkb_kany(BLKB_PARAMS, int k) { BLKB_BODY(k) }

// dw_backward_blocked handles channel groups [glo, ghi) (group g: channels
// 16·g …) for every image, with dw_backward's contract: dx planes (dx may
// be NULL) are overwritten, dw rows accumulated.
static void dw_backward_blocked(float *dx, float *dw, const float *x, const float *dy,
		const float *w, ptrdiff_t glo, ptrdiff_t ghi, ptrdiff_t n, ptrdiff_t c, ptrdiff_t h,
		ptrdiff_t wd, ptrdiff_t ho, ptrdiff_t wo, int k, int s, int p) {
	v8f wv[BLK_MAXK * BLK_MAXK], dwacc[BLK_MAXK * BLK_MAXK];
	const ptrdiff_t hp = h + 2 * p, wp = wd + 2 * p, kk = (ptrdiff_t)k * k;
	v8f *buf = aligned_alloc(sizeof(v8f), (2 * hp * wp + ho * wo) * sizeof(v8f));
	if (buf == NULL) abort();
	v8f *t = buf, *dxp = buf + hp * wp, *dyv = buf + 2 * hp * wp;
	float *tf = (float *)t, *dyf = (float *)dyv;
	const float *dxf = (const float *)dxp;
	// t's padding stays zero; its interior and dyv's lanes are rewritten
	// for every plane. In a last, partial group the unused lanes keep the
	// previous group's values (zero at first, never garbage), which only
	// ever reach unused lanes of dx and dW.
	memset(t, 0, hp * wp * sizeof(v8f));
	memset(dyv, 0, ho * wo * sizeof(v8f));
	for (ptrdiff_t g = glo; g < ghi; g++) {
		const ptrdiff_t c0 = g * BLK_LANES;
		const int nl = c - c0 < BLK_LANES ? (int)(c - c0) : BLK_LANES;
		for (ptrdiff_t q = 0; q < kk; q++) {
			v8f v = {0};
			for (int l = 0; l < nl; l++) v[l] = w[(c0 + l) * kk + q];
			wv[q] = v;
			dwacc[q] = (v8f){0};
		}
		for (ptrdiff_t img = 0; img < n; img++) {
			for (int l = 0; l < nl; l++) {
				const ptrdiff_t pl = img * c + c0 + l;
				const float *xp = x + pl * h * wd, *dyp = dy + pl * ho * wo;
				for (ptrdiff_t iy = 0; iy < h; iy++) {
					float *d = tf + ((iy + p) * wp + p) * BLK_LANES + l;
					const float *xr = xp + iy * wd;
					for (ptrdiff_t ix = 0; ix < wd; ix++) d[ix * BLK_LANES] = xr[ix];
				}
				for (ptrdiff_t q = 0; q < ho * wo; q++) dyf[q * BLK_LANES + l] = dyp[q];
			}
			v8f *dxo = NULL;
			if (dx != NULL) {
				memset(dxp, 0, hp * wp * sizeof(v8f));
				dxo = dxp;
			}
			if (k == 3) blkb_k3(dwacc, dxo, t, dyv, wv, ho, wo, wp, s);
			else if (k == 5) blkb_k5(dwacc, dxo, t, dyv, wv, ho, wo, wp, s);
			else blkb_kany(dwacc, dxo, t, dyv, wv, ho, wo, wp, s, k);
			if (dx == NULL) continue;
			for (int l = 0; l < nl; l++) {
				float *dxpl = dx + (img * c + c0 + l) * h * wd;
				for (ptrdiff_t iy = 0; iy < h; iy++) {
					const float *src = dxf + ((iy + p) * wp + p) * BLK_LANES + l;
					float *d = dxpl + iy * wd;
					for (ptrdiff_t ix = 0; ix < wd; ix++) d[ix] = src[ix * BLK_LANES];
				}
			}
		}
		for (int l = 0; l < nl; l++)
			for (ptrdiff_t q = 0; q < kk; q++) dw[(c0 + l) * kk + q] += dwacc[q][l];
	}
	free(buf);
}

// ---- im2col / col2im ----------------------------------------------------

// im2col writes channels [clo, chi) of x (c×h×w) into col ((c·k·k)×(ho·wo)):
// row (ch·k + ky)·k + kx holds x[ch][oy·s−p+ky][ox·s−p+kx], 0 outside.
CONV_CLONES static void im2col(float *col, const float *x, ptrdiff_t clo, ptrdiff_t chi,
		ptrdiff_t h, ptrdiff_t wd, ptrdiff_t ho, ptrdiff_t wo, int k, int s, int p) {
	const ptrdiff_t hw = ho * wo;
	for (ptrdiff_t ch = clo; ch < chi; ch++) {
		const float *xc = x + ch * h * wd;
		for (int ky = 0; ky < k; ky++) {
			for (int kx = 0; kx < k; kx++) {
				float *row = col + ((ch * k + ky) * k + kx) * hw;
				ptrdiff_t lo, hi;
				valid_range(&lo, &hi, wd, wo, kx, s, p);
				const ptrdiff_t off = kx - p;
				for (ptrdiff_t oy = 0; oy < ho; oy++) {
					float *d = row + oy * wo;
					const ptrdiff_t iy = oy * s - p + ky;
					if (iy < 0 || iy >= h) {
						memset(d, 0, wo * sizeof(float));
						continue;
					}
					const float *xr = xc + iy * wd;
					for (ptrdiff_t ox = 0; ox < lo; ox++) d[ox] = 0;
					if (s == 1) memcpy(d + lo, xr + lo + off, (hi - lo) * sizeof(float));
					else for (ptrdiff_t ox = lo; ox < hi; ox++) d[ox] = xr[ox * s + off];
					for (ptrdiff_t ox = hi; ox < wo; ox++) d[ox] = 0;
				}
			}
		}
	}
}

// col2im is im2col's adjoint: it adds col's rows into channels [clo, chi)
// of x, which the caller has initialised.
CONV_CLONES static void col2im(float *x, const float *col, ptrdiff_t clo, ptrdiff_t chi,
		ptrdiff_t h, ptrdiff_t wd, ptrdiff_t ho, ptrdiff_t wo, int k, int s, int p) {
	const ptrdiff_t hw = ho * wo;
	for (ptrdiff_t ch = clo; ch < chi; ch++) {
		float *xc = x + ch * h * wd;
		for (int ky = 0; ky < k; ky++) {
			for (int kx = 0; kx < k; kx++) {
				const float *row = col + ((ch * k + ky) * k + kx) * hw;
				ptrdiff_t lo, hi;
				valid_range(&lo, &hi, wd, wo, kx, s, p);
				const ptrdiff_t off = kx - p;
				for (ptrdiff_t oy = 0; oy < ho; oy++) {
					const ptrdiff_t iy = oy * s - p + ky;
					if (iy < 0 || iy >= h) continue;
					const float *d = row + oy * wo;
					float *xr = xc + iy * wd;
					for (ptrdiff_t ox = lo; ox < hi; ox++) xr[ox * s + off] += d[ox];
				}
			}
		}
	}
}

// plane_sums adds the sum of each plane [plo, phi) of an (N·C)×hw array
// into sums[plane % c] (bias gradients).
CONV_CLONES static void plane_sums(float *sums, const float *x, ptrdiff_t plo, ptrdiff_t phi,
		ptrdiff_t c, ptrdiff_t hw) {
	for (ptrdiff_t pl = plo; pl < phi; pl++) {
		const float *r = x + pl * hw;
		float acc = 0;
		#pragma omp simd reduction(+:acc)
		for (ptrdiff_t i = 0; i < hw; i++) acc += r[i];
		sums[pl % c] += acc;
	}
}
*/
import "C"

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
)

// Conv2D is a 2-D convolution with a square kernel, as torch.nn.Conv2d:
// x (N, InC, H, W) → y (N, OutC, Ho, Wo) with Ho = (H + 2·Pad − K)/Stride + 1.
//
// The algorithm is chosen by shape: a 1×1 stride-1 unpadded dense conv is a
// GEMM straight on the NCHW planes; a depthwise conv (Groups = InC = OutC)
// runs direct loops over (image, channel) planes in parallel; everything
// else (the stem, other grouped convs) goes through im2col and a GEMM.
type Conv2D struct {
	Weight, Bias *Param // Weight (OutC, InC/Groups, K, K); Bias (OutC) or nil

	InC, OutC, K, Stride, Pad, Groups int

	// SkipInputGrad makes Backward compute only parameter gradients and
	// return nil: for a first layer, whose input needs no gradient.
	SkipInputGrad bool

	x    *Tensor   // input of the last Forward, kept for Backward
	y    *Tensor   // output buffer, valid until the next Forward
	dx   *Tensor   // input-gradient buffer, valid until the next Backward
	col  []float32 // im2col scratch (general path)
	dcol []float32 // column-gradient scratch (general path)
	job  convJob   // operands of the parallel kernels
}

// NewConv2D returns a convolution with PyTorch's default initialisation:
// weight and bias uniform in ±1/√fanIn, fanIn = InC/Groups·K·K.
func NewConv2D(inC, outC, k, stride, pad, groups int, bias bool, rng *rand.Rand) *Conv2D {
	if inC <= 0 || outC <= 0 || k <= 0 || stride <= 0 || pad < 0 || groups <= 0 || inC%groups != 0 || outC%groups != 0 {
		panic(fmt.Sprintf("nn.NewConv2D: invalid in=%d out=%d k=%d stride=%d pad=%d groups=%d", inC, outC, k, stride, pad, groups))
	}
	c := &Conv2D{InC: inC, OutC: outC, K: k, Stride: stride, Pad: pad, Groups: groups}
	fanIn := inC / groups * k * k
	c.Weight = NewParam("weight", outC, inC/groups, k, k)
	KaimingUniform(c.Weight.Value, fanIn, rng)
	if bias {
		c.Bias = NewParam("bias", outC)
		KaimingUniform(c.Bias.Value, fanIn, rng)
	}
	return c
}

// Params returns "weight" and, if present, "bias".
func (c *Conv2D) Params() []*Param {
	if c.Bias == nil {
		return []*Param{c.Weight}
	}
	return []*Param{c.Weight, c.Bias}
}

// OutSize returns the output height and width for an h×w input.
func (c *Conv2D) OutSize(h, w int) (ho, wo int) {
	return (h+2*c.Pad-c.K)/c.Stride + 1, (w+2*c.Pad-c.K)/c.Stride + 1
}

func (c *Conv2D) pointwise() bool {
	return c.K == 1 && c.Stride == 1 && c.Pad == 0 && c.Groups == 1
}

func (c *Conv2D) depthwise() bool { return c.Groups == c.InC && c.OutC == c.InC && c.Groups > 1 }

func (c *Conv2D) bias() []float32 {
	if c.Bias == nil {
		return nil
	}
	return c.Bias.Value.Data
}

// checkInput validates x against the layer and returns its dimensions.
func (c *Conv2D) checkInput(x *Tensor) (n, h, w, ho, wo int) {
	n, ch, h, w := x.Dims4()
	ho, wo = c.OutSize(h, w)
	if ch != c.InC || ho <= 0 || wo <= 0 || !sameShape(c.Weight.Value.Shape, []int{c.OutC, c.InC / c.Groups, c.K, c.K}) {
		panic(fmt.Sprintf("%s: nn.Conv2D in=%d out=%d k=%d s=%d p=%d g=%d: x %v, weight %v",
			errShape, c.InC, c.OutC, c.K, c.Stride, c.Pad, c.Groups, x.Shape, c.Weight.Value.Shape))
	}
	return n, h, w, ho, wo
}

// Forward convolves x (N, InC, H, W) into (N, OutC, Ho, Wo). x is kept,
// not copied, for Backward.
func (c *Conv2D) Forward(x *Tensor) *Tensor {
	n, h, w, ho, wo := c.checkInput(x)
	c.x = x
	c.y = Ensure(c.y, n, c.OutC, ho, wo)
	switch {
	case c.pointwise():
		c.job.pointwiseForward(c.y.Data, x.Data, c.Weight.Value.Data, c.bias(), n, c.InC, c.OutC, h*w)
	case c.depthwise():
		c.job.geometry(n, c.InC, h, w, ho, wo, c.K, c.Stride, c.Pad)
		c.job.depthwiseForward(c.y.Data, x.Data, c.Weight.Value.Data, c.bias())
	default:
		c.col = ensureFloats(c.col, c.InC*c.K*c.K*ho*wo)
		c.forwardIm2col(c.y.Data, x.Data, n, h, w, ho, wo)
	}
	return c.y
}

// Backward adds dL/dWeight (and dL/dBias) for the last Forward into the
// Grads and returns dL/dx (nil when SkipInputGrad is set).
func (c *Conv2D) Backward(dy *Tensor) *Tensor {
	if c.x == nil {
		panic("nn.Conv2D: Backward before Forward")
	}
	x := c.x
	n, h, w, ho, wo := c.checkInput(x)
	if !sameShape(dy.Shape, []int{n, c.OutC, ho, wo}) {
		panic(fmt.Sprintf("%s: nn.Conv2D.Backward: dy %v for x %v", errShape, dy.Shape, x.Shape))
	}
	var dx []float32
	if !c.SkipInputGrad {
		c.dx = Ensure(c.dx, x.Shape...)
		dx = c.dx.Data
	}
	if c.Bias != nil {
		planeSums(c.Bias.Grad.Data, dy.Data, n, c.OutC, ho*wo)
	}
	dW := c.Weight.Grad.Data
	switch {
	case c.pointwise():
		c.job.pointwiseBackward(dx, dW, x.Data, dy.Data, c.Weight.Value.Data, n, c.InC, c.OutC, h*w)
	case c.depthwise():
		c.job.geometry(n, c.InC, h, w, ho, wo, c.K, c.Stride, c.Pad)
		c.job.depthwiseBackward(dx, dW, x.Data, dy.Data, c.Weight.Value.Data)
	default:
		c.col = ensureFloats(c.col, c.InC*c.K*c.K*ho*wo)
		c.dcol = ensureFloats(c.dcol, c.InC*c.K*c.K*ho*wo)
		c.backwardIm2col(dx, dW, x.Data, dy.Data, n, h, w, ho, wo)
	}
	if c.SkipInputGrad {
		return nil
	}
	return c.dx
}

// forwardIm2col is the general path: per image, unfold x into columns and
// multiply each group's filters with its rows of columns.
func (c *Conv2D) forwardIm2col(y, x []float32, n, h, w, ho, wo int) {
	hw, inHW := ho*wo, h*w
	c.job.geometry(1, c.InC, h, w, ho, wo, c.K, c.Stride, c.Pad)
	cinG, coutG := c.InC/c.Groups, c.OutC/c.Groups
	ckk := cinG * c.K * c.K
	wt := c.Weight.Value.Data
	for i := range n {
		c.job.im2colParallel(c.col, x[i*c.InC*inHW:(i+1)*c.InC*inHW])
		yi := y[i*c.OutC*hw : (i+1)*c.OutC*hw]
		beta := fillBias(yi, c.bias(), hw)
		for g := range c.Groups {
			Sgemm(false, false, coutG, hw, ckk, 1, wt[g*coutG*ckk:], ckk, c.col[g*ckk*hw:], hw, beta, yi[g*coutG*hw:], hw)
		}
	}
}

func (c *Conv2D) backwardIm2col(dx, dW, x, dy []float32, n, h, w, ho, wo int) {
	hw, inHW := ho*wo, h*w
	c.job.geometry(1, c.InC, h, w, ho, wo, c.K, c.Stride, c.Pad)
	cinG, coutG := c.InC/c.Groups, c.OutC/c.Groups
	ckk := cinG * c.K * c.K
	wt := c.Weight.Value.Data
	for i := range n {
		c.job.im2colParallel(c.col, x[i*c.InC*inHW:(i+1)*c.InC*inHW])
		dyi := dy[i*c.OutC*hw : (i+1)*c.OutC*hw]
		for g := range c.Groups {
			Sgemm(false, true, coutG, ckk, hw, 1, dyi[g*coutG*hw:], hw, c.col[g*ckk*hw:], hw, 1, dW[g*coutG*ckk:], ckk)
			if dx != nil {
				Sgemm(true, false, ckk, hw, coutG, 1, wt[g*coutG*ckk:], ckk, dyi[g*coutG*hw:], hw, 0, c.dcol[g*ckk*hw:], hw)
			}
		}
		if dx != nil {
			dxi := dx[i*c.InC*inHW : (i+1)*c.InC*inHW]
			clear(dxi)
			c.job.col2imParallel(dxi, c.dcol)
		}
	}
}

// conv1x1 computes y_i = W·x_i (+ b) for each image i: W is (cout×cin),
// x_i is (cin×hw) exactly as NCHW stores it, so no unfolding is needed.
// Naive form: y[i][o][p] = b[o] + Σ_c W[o][c]·x[i][c][p].
func conv1x1(y, x, w, bias []float32, n, cin, cout, hw int) {
	for i := range n {
		yi := y[i*cout*hw : (i+1)*cout*hw]
		beta := fillBias(yi, bias, hw)
		Sgemm(false, false, cout, hw, cin, 1, w, cin, x[i*cin*hw:(i+1)*cin*hw], hw, beta, yi, hw)
	}
}

// conv1x1Backward: dW += dy_i·x_iᵀ and dx_i = Wᵀ·dy_i (dx nil: skipped).
func conv1x1Backward(dx, dW, x, dy, w []float32, n, cin, cout, hw int) {
	for i := range n {
		xi := x[i*cin*hw : (i+1)*cin*hw]
		dyi := dy[i*cout*hw : (i+1)*cout*hw]
		Sgemm(false, true, cout, cin, hw, 1, dyi, hw, xi, hw, 1, dW, cin)
		if dx != nil {
			Sgemm(true, false, cin, hw, cout, 1, w, cin, dyi, hw, 0, dx[i*cin*hw:(i+1)*cin*hw], hw)
		}
	}
}

// fillBias sets each hw-long plane of y to its channel's bias and returns
// the GEMM beta to use on top (1 after filling, 0 without a bias).
func fillBias(y, bias []float32, hw int) float32 {
	if bias == nil {
		return 0
	}
	for o, b := range bias {
		fillFloats(y[o*hw:(o+1)*hw], b)
	}
	return 1
}

// fillFloats sets s to v by doubling copies (memmove is much faster than
// a Go store loop).
func fillFloats(s []float32, v float32) {
	if len(s) == 0 {
		return
	}
	s[0] = v
	for i := 1; i < len(s); i *= 2 {
		copy(s[i:], s[:i])
	}
}

// depthwiseMinPlanes is the smallest per-goroutine share of (image,
// channel) planes; below it the goroutine start costs more than it saves.
const depthwiseMinPlanes = 4

// depthwiseBlockedMaxWidth is the widest input plane that takes the
// channel-blocked kernels; wider planes vectorise well enough along their
// rows, and measured faster that way (MobileNetV3-Small shapes).
const depthwiseBlockedMaxWidth = 16

// depthwiseBlockedMaxWidthStrided is the same bound for a strided forward.
// There the flat kernel gathers s² phase planes and passes over the output
// once per phase, which costs more than the blocked kernel's transposes up
// to this width (5×5 s2 on 96×32×24: 82–86 → 57–61 µs on one core; 3×3 s2
// on 240×32×24: 165–170 → 106–119 µs; on 72×64×48 no clear gain, and at 128
// wide the blocked kernel was 1.8–2.3× slower). Against the 3×3
// stride-2 row kernel that came later, the two trade places below it
// (240×32×24: blocked 253 µs, rows 287; 72×48×32: blocked 104, rows 86, on
// a busy host), so the bound stays the same for every kernel size. The
// backward keeps the narrower bound: its blocked form measured slower on
// wider planes.
const depthwiseBlockedMaxWidthStrided = 32

// im2colMinFloats is the least column data per goroutine worth a split.
const im2colMinFloats = 1 << 15

// convJob holds the operands of the parallel C kernels. Its run functions
// are method values made once per layer, so that a warmed-up Forward does
// not allocate a closure on every call.
type convJob struct {
	y, x, w, bias, dx, dw, col    []float32
	n, ch, h, wd, ho, wo, k, s, p int

	dwForward, dwBlocked, dwBackward, dwBackwardBlocked, im2col, col2im func(lo, hi int)

	// pointwiseForward's split: cout, cin and blocks of blockCols columns.
	cout, blocks, blockCols  int
	pointwise                func(lo, hi int)
	pointwiseDW, pointwiseDX func(lo, hi int) // pointwiseBackward's halves
}

func (j *convJob) init() {
	if j.dwForward == nil {
		j.dwForward, j.dwBlocked, j.dwBackward = j.runDWForward, j.runDWBlocked, j.runDWBackward
		j.dwBackwardBlocked = j.runDWBackwardBlocked
		j.im2col, j.col2im = j.runIm2col, j.runCol2im
		j.pointwise = j.runPointwise
		j.pointwiseDW, j.pointwiseDX = j.runPointwiseDW, j.runPointwiseDX
	}
}

// Thresholds of pointwiseForward's split: below pointwiseParallelMin
// multiply-adds a 1×1 convolution runs as one GEMM; a column block is at
// least pointwiseMinCols wide (narrower GEMMs lose OpenBLAS's packing
// efficiency).
const (
	pointwiseParallelMin = 1 << 18
	pointwiseMinCols     = 64
)

// pointwiseForward is conv1x1 spread over cores. With OpenBLAS
// single-threaded (the fastest setting for inference on a loaded 2-core
// machine: its idle threads spin between the many small GEMMs and steal the
// cores from the depthwise and activation goroutines), the GEMMs
// y_i[:, cols] = W·x_i[:, cols] (+ b) of each (image, column block) are
// independent, so each runs on its own goroutine. With OpenBLAS threaded,
// or one core, or a small layer, it is conv1x1 unchanged: splitting a
// threaded OpenBLAS call would oversubscribe the cores.
func (j *convJob) pointwiseForward(y, x, w, bias []float32, n, cin, cout, hw int) {
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || n*cout*cin*hw < pointwiseParallelMin || BLASThreads() != 1 {
		conv1x1(y, x, w, bias, n, cin, cout, hw)
		return
	}
	j.init()
	blocks := 1
	if n < workers {
		blocks = max(1, min((workers+n-1)/n, hw/pointwiseMinCols))
	}
	j.blockCols = ((hw+blocks-1)/blocks + 15) &^ 15 // whole vectors per block
	j.blocks = (hw + j.blockCols - 1) / j.blockCols
	j.y, j.x, j.w, j.bias = y, x, w, bias
	j.n, j.ch, j.cout, j.h, j.wd = n, cin, cout, hw, 1
	ParallelFor(n*j.blocks, 1, j.pointwise)
}

// runPointwise computes the (image, column block) GEMMs [lo, hi).
func (j *convJob) runPointwise(lo, hi int) {
	cin, cout, hw := j.ch, j.cout, j.h
	for t := lo; t < hi; t++ {
		i, b := t/j.blocks, t%j.blocks
		c0 := b * j.blockCols
		c1 := min(c0+j.blockCols, hw)
		yi, xi := j.y[i*cout*hw:(i+1)*cout*hw], j.x[i*cin*hw:(i+1)*cin*hw]
		var beta float32
		if j.bias != nil {
			for o, v := range j.bias {
				fillFloats(yi[o*hw+c0:o*hw+c1], v)
			}
			beta = 1
		}
		Sgemm(false, false, cout, c1-c0, cin, 1, j.w, cin, xi[c0:], hw, beta, yi[c0:], hw)
	}
}

// pointwiseBackward is conv1x1Backward spread over cores, for the same
// reason as pointwiseForward: training spends a fifth of its step in these
// GEMMs, and with OpenBLAS single-threaded they would leave a core idle.
// dW is split by rows (output channels), so each goroutine owns its rows and
// sums them over every image in the serial order: no per-worker buffers and
// the same sum as conv1x1Backward. dx is split by image.
func (j *convJob) pointwiseBackward(dx, dW, x, dy, w []float32, n, cin, cout, hw int) {
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || n*cout*cin*hw < pointwiseParallelMin || BLASThreads() != 1 {
		conv1x1Backward(dx, dW, x, dy, w, n, cin, cout, hw)
		return
	}
	j.init()
	j.dx, j.dw, j.x, j.y, j.w = dx, dW, x, dy, w
	j.n, j.ch, j.cout, j.h = n, cin, cout, hw
	ParallelFor(cout, pointwiseMinRows, j.pointwiseDW)
	if dx != nil {
		ParallelFor(n, 1, j.pointwiseDX)
	}
}

// pointwiseMinRows is the fewest dW rows a goroutine takes.
const pointwiseMinRows = 8

// runPointwiseDW adds rows [lo, hi) of dW += Σ_i dy_i·x_iᵀ (j.y holds dy).
func (j *convJob) runPointwiseDW(lo, hi int) {
	cin, cout, hw := j.ch, j.cout, j.h
	for i := range j.n {
		dyi := j.y[i*cout*hw+lo*hw : i*cout*hw+hi*hw]
		Sgemm(false, true, hi-lo, cin, hw, 1, dyi, hw, j.x[i*cin*hw:(i+1)*cin*hw], hw, 1, j.dw[lo*cin:hi*cin], cin)
	}
}

// runPointwiseDX computes dx_i = Wᵀ·dy_i for images [lo, hi).
func (j *convJob) runPointwiseDX(lo, hi int) {
	cin, cout, hw := j.ch, j.cout, j.h
	for i := lo; i < hi; i++ {
		Sgemm(true, false, cin, hw, cout, 1, j.w, cin, j.y[i*cout*hw:(i+1)*cout*hw], hw, 0, j.dx[i*cin*hw:(i+1)*cin*hw], hw)
	}
}

// nullable returns a C pointer to s, or nil for an empty s.
func nullable(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return f32p(s)
}

func (j *convJob) runDWForward(lo, hi int) {
	C.dw_forward(f32p(j.y), f32p(j.x), f32p(j.w), nullable(j.bias), C.ptrdiff_t(lo), C.ptrdiff_t(hi), C.ptrdiff_t(j.ch),
		C.ptrdiff_t(j.h), C.ptrdiff_t(j.wd), C.ptrdiff_t(j.ho), C.ptrdiff_t(j.wo), C.int(j.k), C.int(j.s), C.int(j.p))
}

func (j *convJob) runDWBlocked(lo, hi int) {
	C.dw_blocked(f32p(j.y), f32p(j.x), f32p(j.w), nullable(j.bias), C.ptrdiff_t(lo), C.ptrdiff_t(hi), C.ptrdiff_t(j.ch),
		C.ptrdiff_t(j.h), C.ptrdiff_t(j.wd), C.ptrdiff_t(j.ho), C.ptrdiff_t(j.wo), C.int(j.k), C.int(j.s), C.int(j.p))
}

func (j *convJob) runDWBackward(lo, hi int) {
	C.dw_backward(nullable(j.dx), f32p(j.dw), f32p(j.x), f32p(j.y), f32p(j.w), C.ptrdiff_t(lo), C.ptrdiff_t(hi),
		C.ptrdiff_t(j.n), C.ptrdiff_t(j.ch), C.ptrdiff_t(j.h), C.ptrdiff_t(j.wd), C.ptrdiff_t(j.ho), C.ptrdiff_t(j.wo),
		C.int(j.k), C.int(j.s), C.int(j.p))
}

func (j *convJob) runDWBackwardBlocked(lo, hi int) {
	C.dw_backward_blocked(nullable(j.dx), f32p(j.dw), f32p(j.x), f32p(j.y), f32p(j.w), C.ptrdiff_t(lo), C.ptrdiff_t(hi),
		C.ptrdiff_t(j.n), C.ptrdiff_t(j.ch), C.ptrdiff_t(j.h), C.ptrdiff_t(j.wd), C.ptrdiff_t(j.ho), C.ptrdiff_t(j.wo),
		C.int(j.k), C.int(j.s), C.int(j.p))
}

func (j *convJob) runIm2col(lo, hi int) {
	C.im2col(f32p(j.col), f32p(j.x), C.ptrdiff_t(lo), C.ptrdiff_t(hi), C.ptrdiff_t(j.h), C.ptrdiff_t(j.wd),
		C.ptrdiff_t(j.ho), C.ptrdiff_t(j.wo), C.int(j.k), C.int(j.s), C.int(j.p))
}

func (j *convJob) runCol2im(lo, hi int) {
	C.col2im(f32p(j.x), f32p(j.col), C.ptrdiff_t(lo), C.ptrdiff_t(hi), C.ptrdiff_t(j.h), C.ptrdiff_t(j.wd),
		C.ptrdiff_t(j.ho), C.ptrdiff_t(j.wo), C.int(j.k), C.int(j.s), C.int(j.p))
}

// geometry sets the plane sizes and kernel geometry of the next call.
func (j *convJob) geometry(n, ch, h, wd, ho, wo, k, s, p int) {
	j.init()
	j.n, j.ch, j.h, j.wd, j.ho, j.wo, j.k, j.s, j.p = n, ch, h, wd, ho, wo, k, s, p
}

// depthwiseForward computes, for every plane (i, c) of x (n, ch, h, wd),
// y[i][c][oy][ox] = b[c] + Σ_{ky,kx} w[c][ky][kx]·x[i][c][oy·s−p+ky][ox·s−p+kx]
// with zeros outside x (bias may be nil); planes are split across goroutines.
func (j *convJob) depthwiseForward(y, x, w, bias []float32) {
	j.y, j.x, j.w, j.bias = y, x, w, bias
	if j.blockedForwardFits() {
		ParallelFor(j.n*((j.ch+15)/16), 1, j.dwBlocked)
	} else {
		ParallelFor(j.n*j.ch, depthwiseMinPlanes, j.dwForward)
	}
	j.y, j.x, j.w, j.bias = nil, nil, nil, nil
}

// blockedForwardFits reports whether the depthwise forward of the current
// geometry takes the channel-blocked kernel: on narrow planes, and on
// strided ones up to depthwiseBlockedMaxWidthStrided with more than one
// group of 16 channels (a single group would run on one core).
func (j *convJob) blockedForwardFits() bool {
	if j.s > 1 && j.ch > 16 && j.wd <= depthwiseBlockedMaxWidthStrided {
		return C.dw_blocked_fits(C.int(j.k)) != 0
	}
	return j.blockedFits()
}

// blockedFits reports whether the depthwise convolution of the current
// geometry takes the channel-blocked kernels (forward and backward).
func (j *convJob) blockedFits() bool {
	return j.wd <= depthwiseBlockedMaxWidth && C.dw_blocked_fits(C.int(j.k)) != 0
}

// depthwiseBackward overwrites dx (unless nil) and adds into dW; work is
// split by channel (on narrow planes by the blocked kernel's groups of 16
// channels) so that each filter and plane has one writer.
func (j *convJob) depthwiseBackward(dx, dW, x, dy, w []float32) {
	j.dx, j.dw, j.x, j.y, j.w = dx, dW, x, dy, w
	if groups := (j.ch + 15) / 16; groups > 1 && j.blockedFits() {
		ParallelFor(groups, 1, j.dwBackwardBlocked)
	} else {
		ParallelFor(j.ch, max(1, depthwiseMinPlanes/j.n), j.dwBackward)
	}
	j.dx, j.dw, j.x, j.y, j.w = nil, nil, nil, nil, nil
}

// im2colParallel unfolds one image x (ch×h×wd) into col ((ch·k·k)×(ho·wo)):
// col[(c·k+ky)·k+kx][oy·wo+ox] = x[c][oy·s−p+ky][ox·s−p+kx] (0 outside).
func (j *convJob) im2colParallel(col, x []float32) {
	if need := j.ch * j.k * j.k * j.ho * j.wo; len(col) < need || len(x) < j.ch*j.h*j.wd {
		panic(fmt.Sprintf("%s: im2col col %d (need %d), x %d", errShape, len(col), need, len(x)))
	}
	j.col, j.x = col, x
	ParallelFor(j.ch, max(1, im2colMinFloats/(j.k*j.k*j.ho*j.wo)), j.im2col)
	j.col, j.x = nil, nil
}

// col2imParallel adds col ((ch·k·k)×(ho·wo)) into one image x (ch×h×wd):
// the adjoint of im2colParallel.
func (j *convJob) col2imParallel(x, col []float32) {
	if need := j.ch * j.k * j.k * j.ho * j.wo; len(col) < need || len(x) < j.ch*j.h*j.wd {
		panic(fmt.Sprintf("%s: col2im col %d (need %d), x %d", errShape, len(col), need, len(x)))
	}
	j.col, j.x = col, x
	ParallelFor(j.ch, max(1, im2colMinFloats/(j.k*j.k*j.ho*j.wo)), j.col2im)
	j.col, j.x = nil, nil
}

// planeSums adds the sum of each hw-plane of x ((n·ch) planes) into
// sums[plane % ch]: the bias gradient of an NCHW output.
func planeSums(sums, x []float32, n, ch, hw int) {
	if len(sums) != ch || len(x) != n*ch*hw {
		panic(fmt.Sprintf("%s: planeSums sums %d, x %d, n=%d c=%d hw=%d", errShape, len(sums), len(x), n, ch, hw))
	}
	if hw == 0 {
		return
	}
	C.plane_sums(f32p(sums), f32p(x), 0, C.ptrdiff_t(n*ch), C.ptrdiff_t(ch), C.ptrdiff_t(hw))
}

// f32p returns a C pointer to s's first element; s must be non-empty.
func f32p(s []float32) *C.float { return (*C.float)(&s[0]) }

// ensureFloats returns s with length n, reallocating only when too small.
func ensureFloats(s []float32, n int) []float32 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float32, n)
}

// FoldBatchNorm folds an inference-mode BatchNorm that follows c into c's
// weight and bias, so that c.Forward(x) equals BN(conv(x)) with
// BN(z) = (z − mean)/√(variance + eps)·gamma + beta per output channel. A
// bias is created when c has none (and then appears in Params).
func (c *Conv2D) FoldBatchNorm(gamma, beta, mean, variance []float32, eps float32) {
	if len(gamma) != c.OutC || len(beta) != c.OutC || len(mean) != c.OutC || len(variance) != c.OutC {
		panic(fmt.Sprintf("%s: nn.Conv2D.FoldBatchNorm: out=%d, gamma %d, beta %d, mean %d, var %d",
			errShape, c.OutC, len(gamma), len(beta), len(mean), len(variance)))
	}
	if c.Bias == nil {
		c.Bias = NewParam("bias", c.OutC)
	}
	per := c.Weight.Value.Len() / c.OutC
	w, b := c.Weight.Value.Data, c.Bias.Value.Data
	for o := range c.OutC {
		// In float64 so that folding adds no rounding beyond the final store.
		scale := float64(gamma[o]) / math.Sqrt(float64(variance[o])+float64(eps))
		row := w[o*per : (o+1)*per]
		for i, v := range row {
			row[i] = float32(float64(v) * scale)
		}
		b[o] = float32((float64(b[o])-float64(mean[o]))*scale + float64(beta[o]))
	}
}
