package dyrelu

import (
	"math"

	"github.com/dypose/dypose/nn"
)

// mean returns the average of x, summed in float64 with four accumulators
// (independent chains keep the adds pipelined; float64 keeps a 12288-element
// plane exact to float32 precision).
func mean(x []float32) float32 {
	if len(x) >= cgoMin {
		return meanC(x)
	}
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		q := x[i : i+4 : i+4]
		s0 += float64(q[0])
		s1 += float64(q[1])
		s2 += float64(q[2])
		s3 += float64(q[3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return float32((s0 + s1 + s2 + s3) / float64(len(x)))
}

// linear computes dst (n, out) = x (n, in) · wᵀ + b with w (out, in), as
// torch.nn.functional.linear.
func linear(dst, x, w, b []float32, n, in, out int) {
	for s := 0; s < n; s++ {
		copy(dst[s*out:(s+1)*out], b)
	}
	nn.Sgemm(false, true, n, out, in, 1, x, in, w, in, 1, dst, out)
}

// linearBackward is linear's backward: dW (out, in) += dyᵀ·x, db += Σ_n dy,
// dx (n, in) = dy·w (overwritten).
func linearBackward(dx, dW, db, dy, x, w []float32, n, in, out int) {
	nn.Sgemm(true, false, out, in, n, 1, dy, out, x, in, 1, dW, in)
	for s := 0; s < n; s++ {
		for j, v := range dy[s*out : (s+1)*out] {
			db[j] += v
		}
	}
	nn.Sgemm(false, false, n, in, out, 1, dy, out, w, in, 0, dx, in)
}

// sigmoid returns 1/(1+e^−v).
func sigmoid(v float32) float32 { return 1 / (1 + expf(-v)) }

// Range limits of expf: above expHi the result overflows float32, below
// expLo it underflows to zero.
const (
	expHi = 88.72283
	expLo = -103.97208
)

// expf returns e^v in float32, within 2 ulp of math.Exp for normal results.
// It reduces v = k·ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts so the
// reduction is exact), evaluates a degree-7 Taylor polynomial for e^r (the
// truncation error r⁸/8! < 2e-9 is below float32's epsilon) and scales by
// 2^k through the exponent bits. It is 3–4× faster than going through
// float64 math.Exp, which matters for the spatial softmax over H·W.
//
// Naive version: float32(math.Exp(float64(v))).
func expf(v float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2Hi = 0.693145751953125      // exact in float32, low bits zero
		ln2Lo = 1.42860682030941723e-6 // ln2 − ln2Hi
	)
	switch {
	case v != v: // NaN
		return v
	case v > expHi:
		return float32(math.Inf(1))
	case v < expLo:
		return 0
	}
	t := v * log2e
	if t < 0 {
		t -= 0.5
	} else {
		t += 0.5
	}
	k := int32(t) // round to nearest
	kf := float32(k)
	r := (v - kf*ln2Hi) - kf*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	switch {
	case k < -125: // 2^k is subnormal: scale in two steps
		return p * math.Float32frombits(uint32(k+127+64)<<23) * 0x1p-64
	case k > 127: // 2^k overflows, p·2^k may not
		return p * 2 * math.Float32frombits(uint32(k-1+127)<<23)
	}
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// softmaxDiv replaces z by softmax(z/τ) (the division, not a multiply by
// 1/τ, as torch evaluates z / tau).
func softmaxDiv(z []float32, tau float32) {
	mx := float32(math.Inf(-1))
	for i, v := range z {
		v /= tau
		z[i] = v
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range z {
		e := expf(v - mx)
		z[i] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for i := range z {
		z[i] *= inv
	}
}

// sumAxpy adds a·x into z and returns Σx in float64 (mean's and axpy's
// passes over one plane fused into one read).
func sumAxpy(z []float32, a float32, x []float32) float64 {
	if len(z) >= cgoMin {
		return sumAxpyC(z, a, x)
	}
	x = x[:len(z)]
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		z[i] += a * x[i]
		z[i+1] += a * x[i+1]
		s0 += float64(x[i])
		s1 += float64(x[i+1])
	}
	for ; i < len(x); i++ {
		z[i] += a * x[i]
		s0 += float64(x[i])
	}
	return s0 + s1
}

// axpy adds a·x into z.
func axpy(z []float32, a float32, x []float32) {
	if len(z) >= cgoMin {
		axpyC(z, a, x)
		return
	}
	x = x[:len(z)]
	for i, v := range x {
		z[i] += a * v
	}
}

// apply2 is applyK for K = 2 without attention, with the four coefficients
// in registers: dst[i] = max(a1·x[i] + b1, a2·x[i] + b2). The builtin max
// compiles to a branch-free MAXSS sequence; an if-based max mispredicts on
// about half the elements of real activations and runs 5–6× slower.
func apply2(dst, x []float32, a1, b1, a2, b2 float32) {
	if len(x) >= cgoMin {
		apply2C(dst, x, a1, b1, a2, b2)
		return
	}
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = max(a1*v+b1, a2*v+b2)
	}
}

// apply2Att is applyK for K = 2 with attention:
// dst[i] = max(a1·x[i] + b1, a2·x[i] + b2) · pi[i].
func apply2Att(dst, x, pi []float32, a1, b1, a2, b2 float32) {
	if len(x) >= cgoMin {
		apply2AttC(dst, x, pi, a1, b1, a2, b2)
		return
	}
	dst, pi = dst[:len(x)], pi[:len(x)]
	for i, v := range x {
		dst[i] = max(a1*v+b1, a2*v+b2) * pi[i]
	}
}

// applyK is the general (and naive) activation of one plane:
//
//	dst[i] = max_k(a[k]·x[i] + b[k]) · pi[i]   (pi nil: no attention)
//
// apply2 and apply2Att are its K = 2 specialisations.
func applyK(dst, x, pi []float32, a, b []float32) {
	for i, v := range x {
		m := a[0]*v + b[0]
		for k := 1; k < len(a); k++ {
			m = max(m, a[k]*v+b[k])
		}
		if pi != nil {
			m *= pi[i]
		}
		dst[i] = m
	}
}

// dotMax adds dy[i]·max_k(a[k]·x[i] + b[k]) into acc[i]: the gradient of π
// from one channel.
func dotMax(acc, dy, x, a, b []float32) {
	dy, x = dy[:len(acc)], x[:len(acc)]
	if len(a) == 2 {
		a1, b1, a2, b2 := a[0], b[0], a[1], b[1]
		for i, v := range x {
			acc[i] += dy[i] * max(a1*v+b1, a2*v+b2)
		}
		return
	}
	for i, v := range x {
		m := a[0]*v + b[0]
		for k := 1; k < len(a); k++ {
			m = max(m, a[k]*v+b[k])
		}
		acc[i] += dy[i] * m
	}
}

// backPlane is the backward of one plane's activation. With g = dy·π
// (dy when pi is nil) and w_k the share of the gradient that piece k gets,
// it writes dx[i] = Σ_k g·w_k·a[k] and sets dcoef = (Σ g·w_k·x, k = 1..K,
// then Σ g·w_k, k = 1..K). The shares follow autograd through a chain of
// pairwise torch.maximum: the running max m and piece u_k compare; the
// larger gets all, and at an exact tie each side gets half (so with three
// equal pieces the shares are ¼, ¼, ½).
func backPlane(dx, dcoef, x, dy, pi, a, b []float32) {
	if len(a) == 2 {
		backPlane2(dx, dcoef, x, dy, pi, a[0], b[0], a[1], b[1])
		return
	}
	backPlaneK(dx, dcoef, x, dy, pi, a, b)
}

// backPlaneK is backPlane for any K (and the naive twin of backPlane2).
func backPlaneK(dx, dcoef, x, dy, pi, a, b []float32) {
	k := len(a)
	var sums [2 * maxStackK]float64
	var shares [maxStackK]float32
	acc, w := sums[:], shares[:]
	if k > maxStackK {
		acc, w = make([]float64, 2*k), make([]float32, k)
	}
	for i, v := range x {
		g := dy[i]
		if pi != nil {
			g *= pi[i]
		}
		m := a[0]*v + b[0]
		w[0] = 1
		for j := 1; j < k; j++ {
			u := a[j]*v + b[j]
			switch {
			case u > m:
				for q := 0; q < j; q++ {
					w[q] = 0
				}
				w[j], m = 1, u
			case u == m:
				for q := 0; q < j; q++ {
					w[q] /= 2
				}
				w[j] = 0.5
			default:
				w[j] = 0
			}
		}
		var d float32
		for j := 0; j < k; j++ {
			gj := g * w[j]
			d += gj * a[j]
			acc[j] += float64(gj * v)
			acc[k+j] += float64(gj)
		}
		dx[i] = d
	}
	for j := range dcoef[:2*k] {
		dcoef[j] = float32(acc[j])
	}
}

// backPlane2 is backPlaneK for K = 2 with the coefficients in registers.
func backPlane2(dx, dcoef, x, dy, pi []float32, a1, b1, a2, b2 float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	var da1, da2, db1, db2 float64
	for i, v := range x {
		g := dy[i]
		if pi != nil {
			g *= pi[i]
		}
		u1, u2 := a1*v+b1, a2*v+b2
		// Piece 1's share is 1, ½ at a tie (as torch.maximum splits it) or
		// 0, computed as h/2 from two compares the compiler turns into SETcc:
		// a branch here would mispredict on half the elements.
		h := 0
		if u1 >= u2 {
			h++
		}
		if u1 > u2 {
			h++
		}
		g1 := g * (float32(h) * 0.5)
		g2 := g - g1
		dx[i] = g1*a1 + g2*a2
		da1 += float64(g1 * v)
		da2 += float64(g2 * v)
		db1 += float64(g1)
		db2 += float64(g2)
	}
	dcoef[0], dcoef[1], dcoef[2], dcoef[3] = float32(da1), float32(da2), float32(db1), float32(db2)
}
