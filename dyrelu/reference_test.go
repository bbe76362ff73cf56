package dyrelu

import "math"

// Go references for the C kernels of simd.go: the production code calls
// the C versions only.

// sigmoid returns 1/(1+e^−v).
func sigmoid(v float32) float32 { return 1 / (1 + expf(-v)) }

// Range limits of expf: above expHi the result overflows float32, below
// expLo it underflows to zero.
const (
	expHi = 88.72283
	expLo = -103.97208
)

// expf returns e^v in float32 (the reference for simd.go's expf8, which
// must return the same bits), within 2 ulp of math.Exp for normal results.
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
