package dyrelu

import "github.com/dypose/dypose/nn"

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
	if n == 1 {
		nn.Sgemv(out, in, 1, w, in, x, 1, dst)
		return
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

// applyK is the general (and naive) activation of one plane:
//
//	dst[i] = max_k(a[k]·x[i] + b[k]) · pi[i]   (pi nil: no attention)
//
// simd.go's dy_apply2_planes is its K = 2 specialisation.
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
// from one channel (K ≠ 2; simd.go's dy_dpi2 is the K = 2 form).
func dotMax(acc, dy, x, a, b []float32) {
	dy, x = dy[:len(acc)], x[:len(acc)]
	for i, v := range x {
		m := a[0]*v + b[0]
		for k := 1; k < len(a); k++ {
			m = max(m, a[k]*v+b[k])
		}
		acc[i] += dy[i] * m
	}
}

// backPlaneK is the backward of one plane's activation, for any K (simd.go's
// dy_back_planes2 is the K = 2 form). With g = dy·π (dy when pi is nil) and
// w_k the share of the gradient that piece k gets, it writes
// dx[i] = Σ_k g·w_k·a[k] and sets dcoef = (Σ g·w_k·x, k = 1..K, then
// Σ g·w_k, k = 1..K). The shares follow autograd through a chain of
// pairwise torch.maximum: the running max m and piece u_k compare; the
// larger gets all, and at an exact tie each side gets half (so with three
// equal pieces the shares are ¼, ¼, ½).
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
