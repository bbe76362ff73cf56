package backbone

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dypose/dypose/nn"
)

const errShape = "backbone: shape mismatch"

// ConvBN is a convolution (no bias) → BatchNorm → optional activation, as
// torchvision's Conv2dNormActivation; its children are named "0" (conv),
// "1" (BN) and "2" (activation).
type ConvBN struct {
	Conv *nn.Conv2D
	BN   *nn.BatchNorm2D
	Act  nn.Layer // nil for the linear projection of a block

	// Fused is set by Fuse: BN has been folded into Conv, Forward skips it
	// and Backward is no longer available.
	Fused bool
}

// NewConvBN returns conv(k×k, stride, "same" padding, groups) → BN(eps,
// momentum) → act. The conv weight is drawn as torchvision initialises
// MobileNetV3 (Kaiming normal, fan-out mode); BN starts at identity.
func NewConvBN(in, out, k, stride, groups int, eps, momentum float32, act nn.Layer, rng *rand.Rand) *ConvBN {
	conv := nn.NewConv2D(in, out, k, stride, (k-1)/2, groups, false, rng)
	KaimingNormalFanOut(conv.Weight.Value, rng)
	return &ConvBN{Conv: conv, BN: nn.NewBatchNorm2D(out, eps, momentum), Act: act}
}

// KaimingNormalFanOut fills a conv weight (OutC, InC/G, K, K) from
// N(0, 2/fanOut), fanOut = OutC·K·K (PyTorch's kaiming_normal_ with
// mode="fan_out", as torchvision initialises MobileNetV3 convs).
func KaimingNormalFanOut(w *nn.Tensor, rng *rand.Rand) {
	fanOut := w.Shape[0]
	for _, d := range w.Shape[2:] {
		fanOut *= d
	}
	std := math.Sqrt(2 / float64(fanOut))
	for i := range w.Data {
		w.Data[i] = float32(rng.NormFloat64() * std)
	}
}

// Forward computes act(BN(conv(x))).
func (c *ConvBN) Forward(x *nn.Tensor) *nn.Tensor {
	y := c.Conv.Forward(x)
	if !c.Fused {
		y = c.BN.Forward(y)
	}
	if c.Act != nil {
		y = c.Act.Forward(y)
	}
	return y
}

// Backward back-propagates through act, BN and conv.
func (c *ConvBN) Backward(dy *nn.Tensor) *nn.Tensor {
	if c.Fused {
		panic("backbone: ConvBN.Backward after Fuse")
	}
	if c.Act != nil {
		dy = c.Act.Backward(dy)
	}
	return c.Conv.Backward(c.BN.Backward(dy))
}

// Params returns "0.weight", "1.weight", "1.bias", "1.running_mean",
// "1.running_var" and the activation's ("2.fc1.weight", ...). After Fuse,
// the conv's new bias replaces the BN entries.
func (c *ConvBN) Params() []*nn.Param {
	ps := nn.Prefixed("0", c.Conv.Params())
	if !c.Fused {
		ps = append(ps, nn.Prefixed("1", c.BN.Params())...)
	}
	if c.Act != nil {
		ps = append(ps, nn.Prefixed("2", c.Act.Params())...)
	}
	return ps
}

// SetTraining sets the mode of BN and the activation.
func (c *ConvBN) SetTraining(on bool) {
	c.BN.SetTraining(on)
	if c.Act != nil {
		nn.SetTraining(c.Act, on)
	}
}

// Fuse folds BN's running statistics into the conv for inference.
func (c *ConvBN) Fuse() {
	if c.Fused {
		return
	}
	bn := c.BN
	c.Conv.FoldBatchNorm(bn.Weight.Value.Data, bn.Bias.Value.Data, bn.RunningMean.Value.Data, bn.RunningVar.Value.Data, bn.Eps)
	c.Fused = true
	// The conv's output now feeds only the activation: let it work in place,
	// and take over the conv's bias where it can (see dyrelu.FoldInputBias).
	if a, ok := c.Act.(inplaceSetter); ok {
		a.SetInplace(true)
	}
	if a, ok := c.Act.(biasFolder); ok && a.FoldInputBias(c.Conv.Bias.Value.Data) {
		c.Conv.Bias = nil
	}
}

// inplaceSetter is an activation that can overwrite its input at
// inference (dyrelu.DyReLU).
type inplaceSetter interface{ SetInplace(bool) }

// biasFolder is an activation that can add its input's per-channel bias
// itself at inference, more cheaply than the convolution before it
// (dyrelu.DyReLU); FoldInputBias reports whether it took the bias.
type biasFolder interface{ FoldInputBias([]float32) bool }

// SqueezeExcitation rescales each channel of x (N,C,H,W) by a gate from
// its global context: s = mean_{h,w} x, g = hardsigmoid(fc2(relu(fc1(s)))),
// y = x·g. fc1 and fc2 are 1×1 convolutions with bias, named as in
// torchvision.
type SqueezeExcitation struct {
	FC1, FC2 *nn.Conv2D // "fc1" (S, C, 1, 1), "fc2" (C, S, 1, 1)

	pool nn.GlobalAvgPool
	relu nn.ReLU
	gate nn.HardSigmoid

	x, g, y, dx *nn.Tensor
	dg          *nn.Tensor
}

// NewSqueezeExcitation returns an SE module over c channels squeezing to s.
func NewSqueezeExcitation(c, s int, rng *rand.Rand) *SqueezeExcitation {
	se := &SqueezeExcitation{
		FC1: nn.NewConv2D(c, s, 1, 1, 0, 1, true, rng),
		FC2: nn.NewConv2D(s, c, 1, 1, 0, 1, true, rng),
	}
	for _, conv := range []*nn.Conv2D{se.FC1, se.FC2} {
		KaimingNormalFanOut(conv.Weight.Value, rng)
		conv.Bias.Value.Zero()
	}
	return se
}

// Forward returns x·g.
func (se *SqueezeExcitation) Forward(x *nn.Tensor) *nn.Tensor {
	n, c, h, w := x.Dims4()
	g := se.gate.Forward(se.FC2.Forward(se.relu.Forward(se.FC1.Forward(se.pool.Forward(x)))))
	se.x, se.g = x, g
	se.y = nn.Ensure(se.y, n, c, h, w)
	p := h * w
	for i, gi := range g.Data {
		src, dst := x.Data[i*p:(i+1)*p], se.y.Data[i*p:(i+1)*p]
		for j, v := range src {
			dst[j] = v * gi
		}
	}
	return se.y
}

// Backward returns dx = dy·g + (gradient through the gate)/(H·W).
func (se *SqueezeExcitation) Backward(dy *nn.Tensor) *nn.Tensor {
	if !dy.SameShape(se.x) {
		panic(fmt.Sprintf("%s: SE backward dy %v, x %v", errShape, dy.Shape, se.x.Shape))
	}
	n, c, h, w := dy.Dims4()
	p := h * w
	se.dg = nn.Ensure(se.dg, n, c, 1, 1)
	for i := range se.dg.Data {
		xs, ds := se.x.Data[i*p:(i+1)*p], dy.Data[i*p:(i+1)*p]
		var acc float32
		for j, v := range ds {
			acc += v * xs[j]
		}
		se.dg.Data[i] = acc
	}
	dpool := se.pool.Backward(se.FC1.Backward(se.relu.Backward(se.FC2.Backward(se.gate.Backward(se.dg)))))
	se.dx = nn.Ensure(se.dx, n, c, h, w)
	for i, gi := range se.g.Data {
		ds, dp, out := dy.Data[i*p:(i+1)*p], dpool.Data[i*p:(i+1)*p], se.dx.Data[i*p:(i+1)*p]
		for j, v := range ds {
			out[j] = v*gi + dp[j]
		}
	}
	return se.dx
}

// Params returns "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias".
func (se *SqueezeExcitation) Params() []*nn.Param {
	return append(nn.Prefixed("fc1", se.FC1.Params()), nn.Prefixed("fc2", se.FC2.Params())...)
}

// InvertedResidual is a MobileNetV3 block: [1×1 expand conv+BN+act],
// k×k depthwise conv+BN+act, [SE], 1×1 project conv+BN, plus the input
// when the stride is 1 and the widths match. Its children are "block.0",
// "block.1", ... in that order (torchvision's names).
type InvertedResidual struct {
	Block  *nn.Sequential
	UseRes bool

	y, dx *nn.Tensor
}

// Forward returns block(x) (+ x).
func (b *InvertedResidual) Forward(x *nn.Tensor) *nn.Tensor {
	y := b.Block.Forward(x)
	if !b.UseRes {
		return y
	}
	if !y.SameShape(x) {
		panic(fmt.Sprintf("%s: residual x %v, block(x) %v", errShape, x.Shape, y.Shape))
	}
	b.y = nn.Ensure(b.y, y.Shape...)
	for i, v := range y.Data {
		b.y.Data[i] = v + x.Data[i]
	}
	return b.y
}

// Backward returns block'(dy) (+ dy).
func (b *InvertedResidual) Backward(dy *nn.Tensor) *nn.Tensor {
	dx := b.Block.Backward(dy)
	if !b.UseRes {
		return dx
	}
	b.dx = nn.Ensure(b.dx, dx.Shape...)
	for i, v := range dx.Data {
		b.dx.Data[i] = v + dy.Data[i]
	}
	return b.dx
}

// Params returns the block's parameters under "block.".
func (b *InvertedResidual) Params() []*nn.Param { return nn.Prefixed("block", b.Block.Params()) }

// SetTraining sets the mode of every layer of the block.
func (b *InvertedResidual) SetTraining(on bool) { b.Block.SetTraining(on) }
