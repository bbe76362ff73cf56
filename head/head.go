package head

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/dypose/dypose/nn"
)

// Kind selects the head's upsampling.
type Kind int

const (
	// DWUp upsamples with bilinear ×2 followed by a 3×3 depthwise and a 1×1
	// pointwise convolution (each + BN + activation), three times: a light
	// head for a light backbone (default).
	DWUp Kind = iota
	// Deconv is SimpleBaseline's head: three 4×4 stride-2 transposed
	// convolutions (no bias) + BN + activation.
	Deconv
)

// String returns "dwup" or "deconv".
func (k Kind) String() string {
	switch k {
	case DWUp:
		return "dwup"
	case Deconv:
		return "deconv"
	default:
		return fmt.Sprintf("Kind(%d)", int(k))
	}
}

// DefaultChannels is the default width of the upsampling stages: 128 for
// DWUp, SimpleBaseline's 256 for Deconv.
func (k Kind) DefaultChannels() int {
	switch k {
	case DWUp:
		return 128
	case Deconv:
		return 256
	default:
		panic(fmt.Sprintf("head: unknown kind %d", int(k)))
	}
}

// Head BatchNorm settings: PyTorch's defaults, as SimpleBaseline uses.
const (
	BNEps      = 1e-5
	BNMomentum = 0.1
)

// Stages is the number of ×2 upsampling stages: stride 32 → 4.
const Stages = 3

// finalInitStd is SimpleBaseline's N(0, 0.001) initialisation of the head.
const finalInitStd = 0.001

// NewAct returns the activation layer for a stage of the given width.
type NewAct func(channels int) nn.Layer

// Head maps a stride-32 feature map (N, InC, H, W) to K heatmaps
// (N, K, 8H, 8W). Parameters are named "layers.<stage>.<i>..." (DWUp) or
// "deconv_layers.<i>..." (Deconv), then "final_layer.weight/bias".
type Head struct {
	Kind       Kind
	Layers     *nn.Sequential // the upsampling stages
	FinalLayer *nn.Conv2D     // 1×1 conv with bias to K heatmaps
	// Laterals, when present (NewLateral), map the backbone's stride-16, 8
	// and 4 features (1×1 conv + BN, "laterals.<i>...") onto the outputs of
	// stages 0, 1 and 2, where they are added: the upsampling path gets
	// back the spatial detail that a stride-32 map (4×3 cells for a 128×96
	// crop) no longer has.
	Laterals []*nn.Sequential

	sums [Stages]*nn.Tensor // stage output + lateral, per stage
}

// New returns a head of the given kind from inC channels through stages of
// `channels` to `keypoints` heatmaps, with activations from act.
func New(kind Kind, inC, channels, keypoints int, act NewAct, rng *rand.Rand) *Head {
	h := &Head{Kind: kind}
	var stages []nn.Layer
	for range Stages {
		switch kind {
		case DWUp:
			dw := nn.NewConv2D(inC, inC, 3, 1, 1, inC, false, rng)
			pw := nn.NewConv2D(inC, channels, 1, 1, 0, 1, false, rng)
			normalInit(dw.Weight.Value, rng)
			normalInit(pw.Weight.Value, rng)
			stages = append(stages, nn.NewSequential(
				&nn.Upsample2x{},
				dw, nn.NewBatchNorm2D(inC, BNEps, BNMomentum), act(inC),
				pw, nn.NewBatchNorm2D(channels, BNEps, BNMomentum), act(channels),
			))
		case Deconv:
			up := nn.NewConvTranspose2D(inC, channels, 4, 2, 1, false, rng)
			normalInit(up.Weight.Value, rng)
			stages = append(stages, up, nn.NewBatchNorm2D(channels, BNEps, BNMomentum), act(channels))
		default:
			panic(fmt.Sprintf("head: unknown kind %d", int(kind)))
		}
		inC = channels
	}
	h.Layers = nn.NewSequential(stages...)
	h.FinalLayer = nn.NewConv2D(channels, keypoints, 1, 1, 0, 1, true, rng)
	normalInit(h.FinalLayer.Weight.Value, rng)
	h.FinalLayer.Bias.Value.Zero()
	return h
}

// NewLateral returns a DWUp head (see New) with lateral connections from
// backbone features of skipC channels at strides 16, 8 and 4. Use it with
// ForwardSkips and BackwardSkips.
func NewLateral(inC int, skipC [Stages]int, channels, keypoints int, act NewAct, rng *rand.Rand) *Head {
	h := New(DWUp, inC, channels, keypoints, act, rng)
	for _, c := range skipC {
		conv := nn.NewConv2D(c, channels, 1, 1, 0, 1, false, rng)
		normalInit(conv.Weight.Value, rng)
		h.Laterals = append(h.Laterals, nn.NewSequential(conv, nn.NewBatchNorm2D(channels, BNEps, BNMomentum)))
	}
	return h
}

func normalInit(t *nn.Tensor, rng *rand.Rand) {
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64() * finalInitStd)
	}
}

// Forward returns the heatmaps (N, K, 8H, 8W) of a head without laterals.
func (h *Head) Forward(x *nn.Tensor) *nn.Tensor {
	if h.Laterals != nil {
		panic("head: Forward on a head with laterals; use ForwardSkips")
	}
	return h.FinalLayer.Forward(h.Layers.Forward(x))
}

// Backward returns dL/dx and adds into the parameter gradients.
func (h *Head) Backward(dy *nn.Tensor) *nn.Tensor {
	if h.Laterals != nil {
		panic("head: Backward on a head with laterals; use BackwardSkips")
	}
	return h.Layers.Backward(h.FinalLayer.Backward(dy))
}

// ForwardSkips returns the heatmaps of a head with laterals from the
// stride-32 map x and the backbone's stride-16, 8 and 4 maps.
func (h *Head) ForwardSkips(x *nn.Tensor, skips [Stages]*nn.Tensor) *nn.Tensor {
	for i, st := range h.Layers.Layers {
		y := st.Forward(x)
		h.sums[i] = nn.Ensure(h.sums[i], y.Shape...)
		copy(h.sums[i].Data, y.Data)
		nn.AddInto(h.sums[i], h.Laterals[i].Forward(skips[i]))
		x = h.sums[i]
	}
	return h.FinalLayer.Forward(x)
}

// BackwardSkips is Backward for ForwardSkips: it returns dL/dx and
// dL/dskips.
func (h *Head) BackwardSkips(dy *nn.Tensor) (dx *nn.Tensor, dskips [Stages]*nn.Tensor) {
	dy = h.FinalLayer.Backward(dy)
	for i := Stages - 1; i >= 0; i-- {
		// The sum passes dy unchanged to both of its branches.
		dskips[i] = h.Laterals[i].Backward(dy)
		dy = h.Layers.Layers[i].Backward(dy)
	}
	return dy, dskips
}

// Params returns the stage parameters, the final layer's and the
// laterals'.
func (h *Head) Params() []*nn.Param {
	name := "layers"
	if h.Kind == Deconv {
		name = "deconv_layers"
	}
	ps := append(nn.Prefixed(name, h.Layers.Params()), nn.Prefixed("final_layer", h.FinalLayer.Params())...)
	for i, l := range h.Laterals {
		ps = append(ps, nn.Prefixed("laterals."+strconv.Itoa(i), l.Params())...)
	}
	return ps
}

// SetTraining sets the mode of every BN and activation.
func (h *Head) SetTraining(on bool) {
	h.Layers.SetTraining(on)
	for _, l := range h.Laterals {
		l.SetTraining(on)
	}
}

// Fuse prepares the head for inference only: it folds each BatchNorm that
// follows a convolution (the DWUp stages' depthwise and pointwise convs)
// into that convolution and leaves a pass-through in its place, so the
// remaining layers keep their names. The transposed convolutions of a
// Deconv head keep their BNs. A fused head cannot be trained.
func (h *Head) Fuse() {
	for _, st := range h.Layers.Layers {
		if seq, ok := st.(*nn.Sequential); ok {
			fuseSequential(seq)
		}
	}
	for _, l := range h.Laterals {
		fuseSequential(l)
	}
}

// fuseSequential folds each BatchNorm of seq that follows a convolution.
func fuseSequential(seq *nn.Sequential) {
	for i := 1; i < len(seq.Layers); i++ {
		conv, ok1 := seq.Layers[i-1].(*nn.Conv2D)
		bn, ok2 := seq.Layers[i].(*nn.BatchNorm2D)
		if !ok1 || !ok2 {
			continue
		}
		conv.FoldBatchNorm(bn.Weight.Value.Data, bn.Bias.Value.Data, bn.RunningMean.Value.Data, bn.RunningVar.Value.Data, bn.Eps)
		seq.Layers[i] = foldedBN{}
		// The conv's output now feeds only the activation: let it work in
		// place and add the conv's bias itself where it can (a 1×1 conv
		// would otherwise write the bias into its output before the GEMM).
		if i+1 < len(seq.Layers) {
			if a, ok := seq.Layers[i+1].(interface{ SetInplace(bool) }); ok {
				a.SetInplace(true)
			}
			if a, ok := seq.Layers[i+1].(interface{ FoldInputBias([]float32) bool }); ok && a.FoldInputBias(conv.Bias.Value.Data) {
				conv.Bias = nil
			}
		}
	}
}

// foldedBN stands where Fuse removed a BatchNorm: Forward returns x.
type foldedBN struct{}

func (foldedBN) Forward(x *nn.Tensor) *nn.Tensor { return x }
func (foldedBN) Backward(*nn.Tensor) *nn.Tensor {
	panic("head: Backward through a BatchNorm folded by Fuse")
}
func (foldedBN) Params() []*nn.Param { return nil }
