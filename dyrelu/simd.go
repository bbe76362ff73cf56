package dyrelu

/*
#cgo CFLAGS: -O3 -std=c11 -Wno-psabi
#include <stddef.h>

// The per-element DY-ReLU loops in C, so GCC vectorises them (Go's compiler
// does not): each is compiled for AVX-512, AVX2 and baseline x86-64 and the
// loader picks the best clone. ISO C mode (-std=c11) implies
// -ffp-contract=off, which keeps a·x + b as a rounded multiply then add, as
// the Go references (kernels.go's applyK, reference_test.go) compute it, so
// element-wise results agree to the bit; sums differ only in their order.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DY_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DY_CLONES
#endif

static inline float fmaxf_go(float a, float b) { return a > b ? a : b; }

// sum8 adds the 8 partial sums of the kernels' double accumulators, in a
// fixed tree order.
static inline double sum8(const double *s) {
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

// dy_sum adds x in double precision, 8 partial sums (the Go loop uses 4:
// sums agree to float32 rounding, not bit for bit).
DY_CLONES double dy_sum(const float *restrict x, ptrdiff_t n) {
	double s[8] = {0};
	ptrdiff_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++) s[j] += (double)x[i + j];
	for (; i < n; i++) s[0] += (double)x[i];
	return sum8(s);
}

// Whole-range kernels: one cgo call per worker chunk instead of one per
// plane, so the 48- and 192-element planes of the late stages run in C too.
// The per-plane loops are inlined into each clone and vectorised there.
static inline __attribute__((always_inline)) void apply2_plane(float *dst, const float *x,
		const float *pi, ptrdiff_t p, float a1, float b1, float a2, float b2) {
	if (pi == NULL) {
		if (dst == x) {
			float *restrict d = dst;
			for (ptrdiff_t i = 0; i < p; i++) d[i] = fmaxf_go(a1 * d[i] + b1, a2 * d[i] + b2);
		} else {
			float *restrict d = dst;
			const float *restrict s = x;
			for (ptrdiff_t i = 0; i < p; i++) d[i] = fmaxf_go(a1 * s[i] + b1, a2 * s[i] + b2);
		}
		return;
	}
	const float *restrict w = pi;
	if (dst == x) {
		float *restrict d = dst;
		for (ptrdiff_t i = 0; i < p; i++) d[i] = fmaxf_go(a1 * d[i] + b1, a2 * d[i] + b2) * w[i];
	} else {
		float *restrict d = dst;
		const float *restrict s = x;
		for (ptrdiff_t i = 0; i < p; i++) d[i] = fmaxf_go(a1 * s[i] + b1, a2 * s[i] + b2) * w[i];
	}
}

// dy_apply2_planes applies K = 2 to planes [lo, hi) of x (N, c, p) into dst
// (which may be x). coef is (N, 4, cc): rows a1, a2, b1, b2; channel ch
// uses column ch % cc. pi is (N, p), or NULL without attention.
DY_CLONES void dy_apply2_planes(float *dst, const float *x, const float *pi, const float *coef,
		ptrdiff_t p, ptrdiff_t c, ptrdiff_t cc, ptrdiff_t lo, ptrdiff_t hi) {
	for (ptrdiff_t i = lo; i < hi; i++) {
		ptrdiff_t s = i / c, g = (i % c) % cc;
		const float *cf = coef + s * 4 * cc + g;
		apply2_plane(dst + i * p, x + i * p, pi ? pi + s * p : NULL, p, cf[0], cf[2 * cc], cf[cc], cf[3 * cc]);
	}
}

// dy_pool_spatial is poolSpatialRange for one sample's channels [c0, c1):
// z (p) = Σ ws[ch]·x_ch (z cleared first) and pooled[ch] = mean(x_ch), over
// one read of each plane; x and pooled point at the sample's first channel.
DY_CLONES void dy_pool_spatial(float *restrict z, float *restrict pooled, const float *restrict ws,
		const float *restrict x, ptrdiff_t p, ptrdiff_t c0, ptrdiff_t c1) {
	for (ptrdiff_t i = 0; i < p; i++) z[i] = 0;
	for (ptrdiff_t ch = c0; ch < c1; ch++) {
		const float *restrict xs = x + ch * p;
		float a = ws[ch];
		double s[8] = {0};
		ptrdiff_t i = 0;
		for (; i + 8 <= p; i += 8)
			for (int j = 0; j < 8; j++) {
				z[i + j] += a * xs[i + j];
				s[j] += (double)xs[i + j];
			}
		for (; i < p; i++) {
			z[i] += a * xs[i];
			s[0] += (double)xs[i];
		}
		double sum = sum8(s);
		pooled[ch] = (float)(sum / (double)p);
	}
}

// expf8 is kernels' Go expf (reference_test.go) on 8 lanes, written with
// GCC's vector extensions: GCC does not if-convert the range checks of a
// scalar version, which then stays scalar. Branch-free selects give the same
// bits as the Go branches, lane by lane.
typedef float vf8 __attribute__((vector_size(32)));
typedef int vi8 __attribute__((vector_size(32)));

static inline __attribute__((always_inline)) vf8 sel8(vi8 m, vf8 a, vf8 b) {
	return (vf8)(((vi8)a & m) | ((vi8)b & ~m));
}

static inline __attribute__((always_inline)) vf8 expf8(vf8 v) {
	const float log2e = 1.44269504088896341f, ln2hi = 0.693145751953125f, ln2lo = 1.42860682030941723e-6f;
	const float hi = 88.72283f, lo = -103.97208f;
	vf8 zero = {0}, half = zero + 0.5f;
	vi8 nan = v != v, over = v > hi, under = v < lo;
	vf8 c = sel8(over, zero + hi, sel8(under, zero + lo, sel8(nan, zero, v)));
	vf8 t = c * log2e;
	t = t + sel8(t < 0, -half, half);
	vi8 k = __builtin_convertvector(t, vi8); // truncates: round half away from zero
	vf8 kf = __builtin_convertvector(k, vf8);
	vf8 r = (c - kf * ln2hi) - kf * ln2lo;
	vf8 q = 1 + r * (1 + r * (1.0f / 2 + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
	vi8 sub = k < -125, big = k > 127;
	vi8 kk = (k & ~(sub | big)) | ((k + 64) & sub) | ((k - 1) & big);
	vf8 q2 = sel8(big, q * 2, q);
	vf8 y = q2 * (vf8)((kk + 127) << 23);
	y = sel8(sub, y * 0x1p-64f, y);
	y = sel8(over, zero + __builtin_inff(), y);
	y = sel8(under, zero, y);
	return sel8(nan, v, y);
}

// expf_n writes expf(x) into dst for n elements (dst may be x): whole
// vectors, then the tail through a padded vector.
static inline __attribute__((always_inline)) void expf_n(float *dst, const float *x, ptrdiff_t n) {
	ptrdiff_t i = 0;
	for (; i + 8 <= n; i += 8) {
		vf8 v;
		__builtin_memcpy(&v, x + i, sizeof v);
		v = expf8(v);
		__builtin_memcpy(dst + i, &v, sizeof v);
	}
	if (i < n) {
		vf8 v = {0};
		__builtin_memcpy(&v, x + i, (size_t)(n - i) * sizeof(float));
		v = expf8(v);
		__builtin_memcpy(dst + i, &v, (size_t)(n - i) * sizeof(float));
	}
}

// dy_attention is attention for one sample: soft = softmax(z/τ) over the p
// positions (z given in soft) and pi = min(γ·soft, 1).
DY_CLONES void dy_attention(float *restrict soft, float *restrict pi, ptrdiff_t p, float tau, float gamma) {
	float m[8];
	for (int j = 0; j < 8; j++) m[j] = -__builtin_inff();
	ptrdiff_t i = 0;
	for (; i + 8 <= p; i += 8)
		for (int j = 0; j < 8; j++) {
			float v = soft[i + j] / tau;
			soft[i + j] = v;
			m[j] = m[j] > v ? m[j] : v;
		}
	for (; i < p; i++) {
		float v = soft[i] / tau;
		soft[i] = v;
		m[0] = m[0] > v ? m[0] : v;
	}
	float mx = m[0];
	for (int j = 1; j < 8; j++) mx = mx > m[j] ? mx : m[j];
	for (i = 0; i < p; i++) soft[i] -= mx;
	expf_n(soft, soft, p);
	double s[8] = {0};
	for (i = 0; i + 8 <= p; i += 8)
		for (int j = 0; j < 8; j++) s[j] += (double)soft[i + j];
	for (; i < p; i++) s[0] += (double)soft[i];
	float inv = (float)(1 / sum8(s));
	for (i = 0; i < p; i++) {
		float v = soft[i] * inv;
		soft[i] = v;
		float g = gamma * v;
		pi[i] = g < 1 ? g : 1;
	}
}

// dy_sigmoid_coef replaces sig by σ(sig) and writes row = init + λ·(2σ − 1).
DY_CLONES void dy_sigmoid_coef(float *restrict sig, float *restrict row, ptrdiff_t n, float init, float lambda) {
	for (ptrdiff_t i = 0; i < n; i++) sig[i] = -sig[i];
	expf_n(sig, sig, n);
	for (ptrdiff_t i = 0; i < n; i++) {
		float v = 1 / (1 + sig[i]);
		sig[i] = v;
		row[i] = init + lambda * (2 * v - 1);
	}
}

// dy_back_planes2 is planeBackRange for K = 2 over planes [lo, hi) of
// (N, c, p): with g = dy·π and piece 1's share h/2 (h = [u1 ≥ u2] + [u1 > u2],
// torch.maximum's split at ties), dx = g1·a1 + g2·a2 (+ dz·ws[ch] for the
// spatial branch) and dcoef (4 per plane) = Σ g1·x, Σ g2·x, Σ g1, Σ g2; with
// dz, dws[plane] = Σ dz·x. pi and dz are (N, p) or NULL (variant B).
DY_CLONES void dy_back_planes2(float *dx, float *dcoef, float *dws, const float *x, const float *dy,
		const float *pi, const float *dz, const float *coef, const float *ws,
		ptrdiff_t p, ptrdiff_t c, ptrdiff_t cc, ptrdiff_t lo, ptrdiff_t hi) {
	for (ptrdiff_t i = lo; i < hi; i++) {
		ptrdiff_t s = i / c, ch = i % c, g = ch % cc;
		const float *cf = coef + s * 4 * cc + g;
		float a1 = cf[0], a2 = cf[cc], b1 = cf[2 * cc], b2 = cf[3 * cc];
		const float *restrict xs = x + i * p, *restrict gs = dy + i * p;
		const float *restrict ps = pi ? pi + s * p : NULL, *restrict zs = dz ? dz + s * p : NULL;
		float *restrict d = dx + i * p;
		float w = zs ? ws[ch] : 0;
		double acc[4][8] = {{0}};
		ptrdiff_t q = 0;
		for (; q + 8 <= p; q += 8)
			for (int j = 0; j < 8; j++) {
				float v = xs[q + j], gg = ps ? gs[q + j] * ps[q + j] : gs[q + j];
				float u1 = a1 * v + b1, u2 = a2 * v + b2;
				float h = (float)((u1 >= u2) + (u1 > u2));
				float g1 = gg * (h * 0.5f), g2 = gg - g1;
				float o = g1 * a1 + g2 * a2;
				d[q + j] = zs ? o + zs[q + j] * w : o;
				acc[0][j] += (double)(g1 * v);
				acc[1][j] += (double)(g2 * v);
				acc[2][j] += (double)g1;
				acc[3][j] += (double)g2;
			}
		for (; q < p; q++) {
			float v = xs[q], gg = ps ? gs[q] * ps[q] : gs[q];
			float u1 = a1 * v + b1, u2 = a2 * v + b2;
			float h = (float)((u1 >= u2) + (u1 > u2));
			float g1 = gg * (h * 0.5f), g2 = gg - g1;
			float o = g1 * a1 + g2 * a2;
			d[q] = zs ? o + zs[q] * w : o;
			acc[0][0] += (double)(g1 * v);
			acc[1][0] += (double)(g2 * v);
			acc[2][0] += (double)g1;
			acc[3][0] += (double)g2;
		}
		for (int r = 0; r < 4; r++) dcoef[i * 4 + r] = (float)sum8(acc[r]);
		if (zs) {
			double t[8] = {0};
			q = 0;
			for (; q + 8 <= p; q += 8)
				for (int j = 0; j < 8; j++) t[j] += (double)zs[q + j] * (double)xs[q + j];
			for (; q < p; q++) t[0] += (double)zs[q] * (double)xs[q];
			dws[i] = (float)sum8(t);
		}
	}
}

// dy_dpi2 is dpiRange for K = 2 over the positions [q0, q1) of sample s:
// dpi[q] = Σ_ch dy·max(a1·x + b1, a2·x + b2), channels in order.
DY_CLONES void dy_dpi2(float *restrict dpi, const float *restrict x, const float *restrict dy,
		const float *restrict coef, ptrdiff_t p, ptrdiff_t c, ptrdiff_t cc, ptrdiff_t s, ptrdiff_t q0, ptrdiff_t q1) {
	ptrdiff_t n = q1 - q0;
	for (ptrdiff_t q = 0; q < n; q++) dpi[q] = 0;
	for (ptrdiff_t ch = 0; ch < c; ch++) {
		const float *cf = coef + s * 4 * cc + ch % cc;
		float a1 = cf[0], a2 = cf[cc], b1 = cf[2 * cc], b2 = cf[3 * cc];
		const float *xs = x + (s * c + ch) * p + q0, *gs = dy + (s * c + ch) * p + q0;
		for (ptrdiff_t q = 0; q < n; q++) {
			float v = xs[q];
			dpi[q] += gs[q] * fmaxf_go(a1 * v + b1, a2 * v + b2);
		}
	}
}

// dy_add_planes adds g[i]·scale to every element of plane i, [lo, hi).
DY_CLONES void dy_add_planes(float *restrict x, const float *restrict g, float scale, ptrdiff_t p, ptrdiff_t lo, ptrdiff_t hi) {
	for (ptrdiff_t i = lo; i < hi; i++) {
		float v = g[i] / scale;
		float *restrict row = x + i * p;
		for (ptrdiff_t q = 0; q < p; q++) row[q] += v;
	}
}

// dy_expf is expf_n, for the tests.
void dy_expf(float *restrict dst, const float *restrict x, ptrdiff_t n) {
	expf_n(dst, x, n);
}
*/
import "C"

import "unsafe"

// cgoMin is the shortest plane mean (variants A and B, one call per plane)
// hands to C: below it a cgo call (~30–60 ns) costs more than the Go loop
// saves. The whole-range kernels make one call per worker chunk instead.
const cgoMin = 96

func fp(s []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(s))) }

// meanC is mean in C (double-precision partial sums).
func meanC(x []float32) float32 {
	return float32(float64(C.dy_sum(fp(x), C.ptrdiff_t(len(x)))) / float64(len(x)))
}

// applyPlanesC applies K = 2 to planes [lo, hi) of x into dst (dst may be
// x): coef is (N, 4, cc), pi (N, p) or nil.
func applyPlanesC(dst, x, pi, coef []float32, p, c, cc, lo, hi int) {
	_, _ = dst[hi*p-1], x[hi*p-1]
	var pp *C.float
	if pi != nil {
		_ = pi[((hi-1)/c+1)*p-1]
		pp = fp(pi)
	}
	_ = coef[((hi-1)/c+1)*4*cc-1]
	C.dy_apply2_planes(fp(dst), fp(x), pp, fp(coef), C.ptrdiff_t(p), C.ptrdiff_t(c), C.ptrdiff_t(cc), C.ptrdiff_t(lo), C.ptrdiff_t(hi))
}

// poolSpatialC writes z (p) = Σ ws[ch]·x_ch and pooled[ch] = mean(x_ch) for
// channels [c0, c1) of one sample: x and pooled start at its channel 0.
func poolSpatialC(z, pooled, ws, x []float32, p, c0, c1 int) {
	if c0 == c1 {
		clear(z[:p])
		return
	}
	_, _, _, _ = z[p-1], pooled[c1-1], ws[c1-1], x[c1*p-1]
	C.dy_pool_spatial(fp(z), fp(pooled), fp(ws), fp(x), C.ptrdiff_t(p), C.ptrdiff_t(c0), C.ptrdiff_t(c1))
}

// attentionC is softmaxDiv(soft, τ) followed by pi = min(γ·soft, 1).
func attentionC(soft, pi []float32, tau, gamma float32) {
	_ = pi[len(soft)-1]
	C.dy_attention(fp(soft), fp(pi), C.ptrdiff_t(len(soft)), C.float(tau), C.float(gamma))
}

// sigmoidCoefC replaces sig by σ(sig) and writes row = init + λ·(2σ − 1).
func sigmoidCoefC(sig, row []float32, init, lambda float32) {
	if len(sig) == 0 {
		return
	}
	_ = row[len(sig)-1]
	C.dy_sigmoid_coef(fp(sig), fp(row), C.ptrdiff_t(len(sig)), C.float(init), C.float(lambda))
}

// expfC writes expf(x) into dst; it exists for the tests, which hold it
// to kernels' Go expf bit for bit.
func expfC(dst, x []float32) {
	if len(x) == 0 {
		return
	}
	_ = dst[len(x)-1]
	C.dy_expf(fp(dst), fp(x), C.ptrdiff_t(len(x)))
}

// backPlanesC is planeBackRange for K = 2 (see dy_back_planes2); pi, dz and
// dws are nil for variant B.
func backPlanesC(dx, dcoefP, dws, x, dy, pi, dz, coef, ws []float32, p, c, cc, lo, hi int) {
	_, _, _, _ = dx[hi*p-1], x[hi*p-1], dy[hi*p-1], dcoefP[hi*4-1]
	last := (hi-1)/c + 1 // samples touched
	_ = coef[last*4*cc-1]
	var pp, zp, wp, dwp *C.float
	if pi != nil {
		_, _, _, _ = pi[last*p-1], dz[last*p-1], ws[c-1], dws[hi-1]
		pp, zp, wp, dwp = fp(pi), fp(dz), fp(ws), fp(dws)
	}
	C.dy_back_planes2(fp(dx), fp(dcoefP), dwp, fp(x), fp(dy), pp, zp, fp(coef), wp,
		C.ptrdiff_t(p), C.ptrdiff_t(c), C.ptrdiff_t(cc), C.ptrdiff_t(lo), C.ptrdiff_t(hi))
}

// dpiC is dpiRange for K = 2 over positions [q0, q1) of sample s into dpi.
func dpiC(dpi, x, dy, coef []float32, p, c, cc, s, q0, q1 int) {
	_ = dpi[q1-q0-1]
	_, _ = x[(s+1)*c*p-1], dy[(s+1)*c*p-1]
	_ = coef[(s+1)*4*cc-1]
	C.dy_dpi2(fp(dpi), fp(x), fp(dy), fp(coef), C.ptrdiff_t(p), C.ptrdiff_t(c), C.ptrdiff_t(cc),
		C.ptrdiff_t(s), C.ptrdiff_t(q0), C.ptrdiff_t(q1))
}

// addPlanesC adds g[i]/scale to every element of plane i of x, [lo, hi).
func addPlanesC(x, g []float32, scale float32, p, lo, hi int) {
	_, _ = x[hi*p-1], g[hi-1]
	C.dy_add_planes(fp(x), fp(g), C.float(scale), C.ptrdiff_t(p), C.ptrdiff_t(lo), C.ptrdiff_t(hi))
}
