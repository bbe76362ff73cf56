package nn

import (
	"math"
	"math/rand/v2"
)

// KaimingUniform fills t as PyTorch's default for Conv and Linear weights
// (kaiming_uniform_ with a = √5): U(−1/√fanIn, 1/√fanIn).
func KaimingUniform(t *Tensor, fanIn int, rng *rand.Rand) {
	Uniform(t, 1/math.Sqrt(float64(fanIn)), rng)
}

// Uniform fills t with values drawn from U(−bound, bound).
func Uniform(t *Tensor, bound float64, rng *rand.Rand) {
	for i := range t.Data {
		t.Data[i] = float32((rng.Float64()*2 - 1) * bound)
	}
}

// Fill sets every element of t to v.
func Fill(t *Tensor, v float32) {
	for i := range t.Data {
		t.Data[i] = v
	}
}
