package dyrelu

// Cost returns the number of trainable parameters of d and the multiply-adds
// of one Forward for one (C, h, w) input (batch 1). Every elementwise
// operation counts as one multiply-add, like a multiply followed by an add:
//
//	pooling                 C·H·W      (one add per element)
//	fc1, fc2                C·Hidden + Hidden·2K·Cc
//	coefficients            2K·Cc      (α + λ·(2σ − 1))
//	apply                   K·C·H·W    (a·x + b per piece; the max is free)
//	C only: spatial conv    C·H·W
//	        softmax, clamp  3·H·W      (÷τ, normalise, ×γ)
//	        ×π              C·H·W
//
// Activation functions (ReLU, σ, exp) are not counted, as FLOP counters
// for MobileNets usually leave them out.
func (d *DyReLU) Cost(h, w int) (params, madds int64) {
	c, hd, k, cc := int64(d.Channels), int64(d.Hidden), int64(d.Config.K), int64(d.cc())
	m := 2 * k * cc
	p := int64(h) * int64(w)
	params = c*hd + hd + hd*m + m
	madds = c*p + c*hd + hd*m + m + k*c*p
	if d.Variant == C {
		params += c + 1
		madds += c*p + 3*p + c*p
	}
	return params, madds
}
