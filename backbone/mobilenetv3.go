package backbone

import (
	"fmt"
	"math/rand/v2"

	"github.com/dypose/dypose/dyrelu"
	"github.com/dypose/dypose/nn"
)

// torchvision's MobileNetV3 BatchNorm settings (PyTorch's defaults are eps
// 1e-5, momentum 0.1).
const (
	BNEps      = 1e-3
	BNMomentum = 0.01
)

// Config describes a MobileNetV3 backbone.
type Config struct {
	Size   Size
	Act    Activation
	Width  float64       // width multiplier; 1 is the published network
	DyReLU dyrelu.Config // hyper-parameters of every DY-ReLU (unused by Baseline)
}

// DefaultConfig returns MobileNetV3-Small with DY-ReLU-C at width 1.
func DefaultConfig() Config {
	return Config{Size: Small, Act: DyReLUC, Width: 1, DyReLU: dyrelu.DefaultConfig()}
}

// MobileNetV3 is the feature extractor of MobileNetV3 (everything before
// the classifier): x (N,3,H,W) → (N, OutChannels, ⌈H/32⌉, ⌈W/32⌉). Its
// parameters are named as torchvision's: "features.0.0.weight" (stem conv),
// "features.1.block.0.0.weight" (first block), ..., "features.12.1.bias"
// (final conv's BN, Small).
type MobileNetV3 struct {
	Config      Config
	Features    *nn.Sequential // stem ConvBN, InvertedResidual blocks, final ConvBN
	OutChannels int
	// Skips are where a head's lateral connections leave the backbone: the
	// last layers at strides 16, 8 and 4, in the order a head upsamples
	// through them.
	Skips [3]Skip
}

// Skip is the output of Features.Layers[Index]: a feature map at Stride
// with Channels channels.
type Skip struct{ Index, Stride, Channels int }

// New builds a backbone with fresh weights drawn from rng.
func New(cfg Config, rng *rand.Rand) *MobileNetV3 {
	if !(cfg.Width > 0) {
		panic(fmt.Sprintf("backbone: width multiplier %g", cfg.Width))
	}
	adjust := func(c int) int { return MakeDivisible(float64(c)*cfg.Width, Divisor) }
	act := func(hswish bool, channels int) nn.Layer {
		switch cfg.Act {
		case Baseline:
			if hswish {
				return &nn.HardSwish{}
			}
			return &nn.ReLU{}
		case DyReLUA:
			return dyrelu.New(dyrelu.A, channels, cfg.DyReLU, rng)
		case DyReLUB:
			return dyrelu.New(dyrelu.B, channels, cfg.DyReLU, rng)
		case DyReLUC:
			return dyrelu.New(dyrelu.C, channels, cfg.DyReLU, rng)
		default:
			panic(fmt.Sprintf("backbone: unknown activation %d", int(cfg.Act)))
		}
	}
	cin := adjust(StemChannels)
	layers := []nn.Layer{NewConvBN(3, cin, 3, 2, 1, BNEps, BNMomentum, act(true, cin), rng)}
	var skips [3]Skip
	stride := 2
	for _, s := range cfg.Size.Blocks() {
		exp, out := adjust(s.Expand), adjust(s.Out)
		var block []nn.Layer
		if exp != cin {
			block = append(block, NewConvBN(cin, exp, 1, 1, 1, BNEps, BNMomentum, act(s.HSwish, exp), rng))
		}
		block = append(block, NewConvBN(exp, exp, s.Kernel, s.Stride, exp, BNEps, BNMomentum, act(s.HSwish, exp), rng))
		if s.SE && cfg.Act == Baseline {
			block = append(block, NewSqueezeExcitation(exp, MakeDivisible(float64(exp/SEReduction), Divisor), rng))
		}
		block = append(block, NewConvBN(exp, out, 1, 1, 1, BNEps, BNMomentum, nil, rng))
		layers = append(layers, &InvertedResidual{Block: nn.NewSequential(block...), UseRes: s.Stride == 1 && cin == out})
		cin = out
		stride *= s.Stride
		for i, want := range []int{16, 8, 4} {
			if stride == want {
				skips[i] = Skip{Index: len(layers) - 1, Stride: stride, Channels: out}
			}
		}
	}
	last := LastConvExpansion * cin
	layers = append(layers, NewConvBN(cin, last, 1, 1, 1, BNEps, BNMomentum, act(true, last), rng))
	return &MobileNetV3{Config: cfg, Features: nn.NewSequential(layers...), OutChannels: last, Skips: skips}
}

// Forward returns the stride-32 feature map.
func (m *MobileNetV3) Forward(x *nn.Tensor) *nn.Tensor { return m.Features.Forward(x) }

// Backward returns dL/dx and adds into every parameter's gradient.
func (m *MobileNetV3) Backward(dy *nn.Tensor) *nn.Tensor { return m.Features.Backward(dy) }

// ForwardSkips is Forward that also stores the feature maps at Skips in
// skips (layers' buffers, valid until the next Forward).
func (m *MobileNetV3) ForwardSkips(x *nn.Tensor, skips *[3]*nn.Tensor) *nn.Tensor {
	for i, l := range m.Features.Layers {
		x = l.Forward(x)
		for j, s := range m.Skips {
			if s.Index == i {
				skips[j] = x
			}
		}
	}
	return x
}

// BackwardSkips is Backward for ForwardSkips: dy is dL/d(output) and
// dskips[j] dL/d(skips[j]) (nil: none). It returns dL/dx.
func (m *MobileNetV3) BackwardSkips(dy *nn.Tensor, dskips [3]*nn.Tensor) *nn.Tensor {
	for i := len(m.Features.Layers) - 1; i >= 0; i-- {
		for j, s := range m.Skips {
			if s.Index == i && dskips[j] != nil {
				// dy is the gradient buffer of layer i+1's input, read by
				// nothing else, so the skip's gradient can join it in place.
				nn.AddInto(dy, dskips[j])
			}
		}
		dy = m.Features.Layers[i].Backward(dy)
	}
	return dy
}

// Params returns the parameters and BN buffers under "features.".
func (m *MobileNetV3) Params() []*nn.Param { return nn.Prefixed("features", m.Features.Params()) }

// SetTraining switches BN (and DY-ReLU's saved state) between training
// and inference.
func (m *MobileNetV3) SetTraining(on bool) { m.Features.SetTraining(on) }

// Fuse folds every BatchNorm into its convolution for inference. The
// parameter list changes (convs gain biases, BN entries go), so a fused
// backbone cannot be trained or saved as a checkpoint.
func (m *MobileNetV3) Fuse() {
	for _, l := range m.Features.Layers {
		switch l := l.(type) {
		case *ConvBN:
			l.Fuse()
		case *InvertedResidual:
			for _, b := range l.Block.Layers {
				if cb, ok := b.(*ConvBN); ok {
					cb.Fuse()
				}
			}
		}
	}
}
