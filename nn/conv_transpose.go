package nn

import (
	"fmt"
	"math/rand/v2"
)

// ConvTranspose2D is a transposed (fractionally strided) convolution with a
// square kernel, as torch.nn.ConvTranspose2d with output_padding 0 and one
// group: x (N, InC, H, W) → y (N, OutC, Ho, Wo), Ho = (H−1)·Stride − 2·Pad + K.
// It is the adjoint of a Conv2D with the same K, Stride, Pad; SimpleBaseline's
// head uses K=4, Stride=2, Pad=1 to double the resolution.
//
// Per image, a GEMM computes every input pixel's contribution to each
// (output channel, ky, kx), col = Wᵀ·x (OutC·K·K × H·W), and col2im adds the
// columns into the output planes.
type ConvTranspose2D struct {
	Weight, Bias *Param // Weight (InC, OutC, K, K), as PyTorch stores it; Bias (OutC) or nil

	InC, OutC, K, Stride, Pad int

	x   *Tensor
	y   *Tensor
	dx  *Tensor
	col []float32 // (OutC·K·K) × (H·W) scratch
	job convJob
}

// NewConvTranspose2D returns a transposed convolution initialised as
// PyTorch does: its fan-in is computed from weight dimension 1 (OutC·K·K),
// so weight and bias are uniform in ±1/√(OutC·K·K).
func NewConvTranspose2D(inC, outC, k, stride, pad int, bias bool, rng *rand.Rand) *ConvTranspose2D {
	if inC <= 0 || outC <= 0 || k <= 0 || stride <= 0 || pad < 0 {
		panic(fmt.Sprintf("nn.NewConvTranspose2D: invalid in=%d out=%d k=%d stride=%d pad=%d", inC, outC, k, stride, pad))
	}
	c := &ConvTranspose2D{InC: inC, OutC: outC, K: k, Stride: stride, Pad: pad}
	fanIn := outC * k * k
	c.Weight = NewParam("weight", inC, outC, k, k)
	KaimingUniform(c.Weight.Value, fanIn, rng)
	if bias {
		c.Bias = NewParam("bias", outC)
		KaimingUniform(c.Bias.Value, fanIn, rng)
	}
	return c
}

// Params returns "weight" and, if present, "bias".
func (c *ConvTranspose2D) Params() []*Param {
	if c.Bias == nil {
		return []*Param{c.Weight}
	}
	return []*Param{c.Weight, c.Bias}
}

// OutSize returns the output height and width for an h×w input.
func (c *ConvTranspose2D) OutSize(h, w int) (ho, wo int) {
	return (h-1)*c.Stride - 2*c.Pad + c.K, (w-1)*c.Stride - 2*c.Pad + c.K
}

func (c *ConvTranspose2D) checkInput(x *Tensor) (n, h, w, ho, wo int) {
	n, ch, h, w := x.Dims4()
	ho, wo = c.OutSize(h, w)
	if ch != c.InC || ho <= 0 || wo <= 0 || !sameShape(c.Weight.Value.Shape, []int{c.InC, c.OutC, c.K, c.K}) {
		panic(fmt.Sprintf("%s: nn.ConvTranspose2D in=%d out=%d k=%d s=%d p=%d: x %v, weight %v",
			errShape, c.InC, c.OutC, c.K, c.Stride, c.Pad, x.Shape, c.Weight.Value.Shape))
	}
	// The output geometry as seen by col2im: an (ho×wo) "input" convolved
	// with (K, Stride, Pad) has exactly h×w positions.
	c.job.geometry(1, c.OutC, ho, wo, h, w, c.K, c.Stride, c.Pad)
	return n, h, w, ho, wo
}

// Forward computes y (N, OutC, Ho, Wo); x is kept, not copied, for Backward.
// Naive form: y[i][o][iy·s−p+ky][ix·s−p+kx] += Σ_c W[c][o][ky][kx]·x[i][c][iy][ix], plus b[o].
func (c *ConvTranspose2D) Forward(x *Tensor) *Tensor {
	n, h, w, ho, wo := c.checkInput(x)
	c.x = x
	c.y = Ensure(c.y, n, c.OutC, ho, wo)
	hw, ohw, okk := h*w, ho*wo, c.OutC*c.K*c.K
	c.col = ensureFloats(c.col, okk*hw)
	for i := range n {
		xi := x.Data[i*c.InC*hw : (i+1)*c.InC*hw]
		yi := c.y.Data[i*c.OutC*ohw : (i+1)*c.OutC*ohw]
		Sgemm(true, false, okk, hw, c.InC, 1, c.Weight.Value.Data, okk, xi, hw, 0, c.col, hw)
		if c.Bias != nil {
			fillBias(yi, c.Bias.Value.Data, ohw)
		} else {
			clear(yi)
		}
		c.job.col2imParallel(yi, c.col)
	}
	return c.y
}

// Backward adds dL/dWeight (and dL/dBias) into the Grads and returns dL/dx:
// per image, col = im2col(dy), dx = W·col and dW += x·colᵀ.
func (c *ConvTranspose2D) Backward(dy *Tensor) *Tensor {
	if c.x == nil {
		panic("nn.ConvTranspose2D: Backward before Forward")
	}
	x := c.x
	n, h, w, ho, wo := c.checkInput(x)
	if !sameShape(dy.Shape, []int{n, c.OutC, ho, wo}) {
		panic(fmt.Sprintf("%s: nn.ConvTranspose2D.Backward: dy %v for x %v", errShape, dy.Shape, x.Shape))
	}
	if c.Bias != nil {
		planeSums(c.Bias.Grad.Data, dy.Data, n, c.OutC, ho*wo)
	}
	c.dx = Ensure(c.dx, x.Shape...)
	hw, ohw, okk := h*w, ho*wo, c.OutC*c.K*c.K
	c.col = ensureFloats(c.col, okk*hw)
	for i := range n {
		xi := x.Data[i*c.InC*hw : (i+1)*c.InC*hw]
		c.job.im2colParallel(c.col, dy.Data[i*c.OutC*ohw:(i+1)*c.OutC*ohw])
		Sgemm(false, false, c.InC, hw, okk, 1, c.Weight.Value.Data, okk, c.col, hw, 0, c.dx.Data[i*c.InC*hw:(i+1)*c.InC*hw], hw)
		Sgemm(false, true, c.InC, okk, hw, 1, xi, hw, c.col, hw, 1, c.Weight.Grad.Data, okk)
	}
	return c.dx
}
