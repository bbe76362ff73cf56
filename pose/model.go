package pose

import (
	"fmt"
	"math/rand/v2"

	"github.com/dypose/dypose/backbone"
	"github.com/dypose/dypose/dyrelu"
	"github.com/dypose/dypose/head"
	"github.com/dypose/dypose/nn"
)

const errShape = "pose: shape mismatch"

// Model is a top-down pose network: a MobileNetV3 backbone and a heatmap
// head. It maps crops x (N,3,H,W) (RGB, ImageNet-normalised) to heatmaps
// (N,K,H/4,W/4). Parameter names are the PyTorch twin's: the backbone's
// "features.*" (torchvision's names) and "head.*".
type Model struct {
	Arch     Arch
	Meta     Meta
	Backbone *backbone.MobileNetV3
	Head     *head.Head

	fused bool
	// The backbone's stride-16, 8 and 4 maps for a head with laterals.
	skips [head.Stages]*nn.Tensor
	// Predict's buffers: the mirrored input, the first pass's heatmaps and
	// the flipped-back second pass.
	xFlip, hm, hmBack *nn.Tensor
}

// New builds a model of the given architecture with fresh weights from
// rng, and the default Meta for its keypoint count (COCO for 17).
func New(arch Arch, rng *rand.Rand) *Model {
	bb := backbone.New(backbone.Config{Size: arch.Size, Act: arch.Act, Width: arch.Width, DyReLU: dyrelu.DefaultConfig()}, rng)
	// The head uses ReLU for the baseline and DY-ReLU-C for every DY-ReLU
	// network: the paper finds the spatial variant C best in the keypoint
	// head, whatever the backbone uses.
	act := func(int) nn.Layer { return &nn.ReLU{} }
	if arch.Act != backbone.Baseline {
		act = func(c int) nn.Layer { return dyrelu.New(dyrelu.C, c, dyrelu.DefaultConfig(), rng) }
	}
	var hd *head.Head
	if arch.Lateral {
		var skipC [head.Stages]int
		for i, s := range bb.Skips {
			skipC[i] = s.Channels
		}
		hd = head.NewLateral(bb.OutChannels, skipC, arch.HeadChannels, arch.Keypoints, act, rng)
	} else {
		hd = head.New(arch.Head, bb.OutChannels, arch.HeadChannels, arch.Keypoints, act, rng)
	}
	return &Model{Arch: arch, Meta: DefaultMeta(arch.Keypoints), Backbone: bb, Head: hd}
}

// Forward returns the heatmaps (N,K,H/4,W/4); the tensor is the model's
// buffer, valid until the next Forward.
func (m *Model) Forward(x *nn.Tensor) *nn.Tensor {
	_, c, h, w := x.Dims4()
	if c != 3 {
		panic(fmt.Sprintf("%s: input %v, want (N,3,H,W)", errShape, x.Shape))
	}
	if m.Arch.Lateral {
		if err := m.Arch.CheckInput(h, w); err != nil {
			panic(fmt.Sprintf("%s: %v", errShape, err))
		}
		y := m.Backbone.ForwardSkips(x, &m.skips)
		return m.Head.ForwardSkips(y, m.skips)
	}
	return m.Head.Forward(m.Backbone.Forward(x))
}

// Backward takes dL/dheatmaps, adds into every parameter gradient and
// returns dL/dx.
func (m *Model) Backward(dy *nn.Tensor) *nn.Tensor {
	if m.fused {
		panic("pose: Backward on a fused model")
	}
	if m.Arch.Lateral {
		return m.Backbone.BackwardSkips(m.Head.BackwardSkips(dy))
	}
	return m.Backbone.Backward(m.Head.Backward(dy))
}

// Params returns the parameters and buffers, named as in the checkpoint.
func (m *Model) Params() []*nn.Param {
	return append(m.Backbone.Params(), nn.Prefixed("head", m.Head.Params())...)
}

// SetTraining switches between training (BN batch statistics, state kept
// for Backward) and inference.
func (m *Model) SetTraining(on bool) {
	if on && m.fused {
		panic("pose: SetTraining(true) on a fused model")
	}
	m.Backbone.SetTraining(on)
	m.Head.SetTraining(on)
}

// Fuse prepares the model for inference only: it switches to eval mode and
// folds the BatchNorms of the backbone and of a DWUp head into their
// convolutions. A fused model cannot be trained or saved.
func (m *Model) Fuse() {
	m.SetTraining(false)
	m.Backbone.Fuse()
	m.Head.Fuse()
	m.fused = true
}

// Fused reports whether Fuse was called.
func (m *Model) Fused() bool { return m.fused }

// Predict returns heatmaps for x (N,3,H,W) in the model's current mode.
// With flip, it also runs the mirrored input, flips those heatmaps back
// (swapping Meta.FlipPairs, shifted by AlignedFlipShift so that both passes
// put a joint's peak at the same place) and averages the two. The result is
// the model's buffer, valid until the next Predict or Forward.
func (m *Model) Predict(x *nn.Tensor, flip bool) *nn.Tensor {
	y := m.Forward(x)
	if !flip {
		return y
	}
	m.hm = nn.Ensure(m.hm, y.Shape...)
	copy(m.hm.Data, y.Data)
	m.xFlip = nn.Ensure(m.xFlip, x.Shape...)
	FlipHorizontal(m.xFlip, x)
	yf := m.Forward(m.xFlip)
	m.hmBack = nn.Ensure(m.hmBack, yf.Shape...)
	FlipBack(m.hmBack, yf, m.Meta.FlipPairs, AlignedFlipShift(x.Shape[3], yf.Shape[3]))
	for i, v := range m.hmBack.Data {
		m.hm.Data[i] = 0.5 * (m.hm.Data[i] + v)
	}
	return m.hm
}

// BatchNorms returns the model's BatchNorm2D layers in forward order
// (backbone, head stages, laterals): data-parallel training links each to
// the same layer of the other replicas.
func (m *Model) BatchNorms() []*nn.BatchNorm2D { return layersOf[*nn.BatchNorm2D](m) }

// DyReLUs returns the model's DY-ReLU layers in forward order (backbone,
// head stages); none in the baseline.
func (m *Model) DyReLUs() []*dyrelu.DyReLU { return layersOf[*dyrelu.DyReLU](m) }

// layersOf returns the model's layers of type T in forward order.
func layersOf[T nn.Layer](m *Model) []T {
	var out []T
	m.walk(func(l nn.Layer) {
		if t, ok := l.(T); ok {
			out = append(out, t)
		}
	})
	return out
}

// walk calls visit on every layer of the model in forward order: the
// backbone, the head's stages, its laterals.
func (m *Model) walk(visit func(nn.Layer)) {
	walk(m.Backbone.Features, visit)
	walk(m.Head.Layers, visit)
	for _, l := range m.Head.Laterals {
		walk(l, visit)
	}
}

func walk(l nn.Layer, visit func(nn.Layer)) {
	visit(l)
	switch l := l.(type) {
	case *backbone.ConvBN:
		visit(l.BN)
		if l.Act != nil {
			walk(l.Act, visit)
		}
	case *backbone.InvertedResidual:
		walk(l.Block, visit)
	case *nn.Sequential:
		for _, s := range l.Layers {
			walk(s, visit)
		}
	}
}

// HyperUnits counts the units of the hidden layers of a model's DY-ReLU
// hyper functions (DeadHyperUnits).
type HyperUnits struct {
	Dead  int // activated by no sample
	Total int
}

// DeadHyperUnits runs fn and counts the hyper-function units that none of
// the samples of its forward passes activated. Such a unit passes no
// gradient to its fc1 weights, so training cannot bring it back, and its
// layer's coefficients lose that much of their dependence on the input.
// The hyper functions read channel means, which vary little between
// samples, so a unit tends to be on for all of a batch or for none
// (notes/dyrelu.md, "Dead hyper-function units").
func (m *Model) DeadHyperUnits(fn func() error) (HyperUnits, error) {
	ds := m.DyReLUs()
	for _, d := range ds {
		d.Activity = make([]int64, d.Hidden)
	}
	defer func() {
		for _, d := range ds {
			d.Activity = nil
		}
	}()
	if err := fn(); err != nil {
		return HyperUnits{}, err
	}
	var u HyperUnits
	for _, d := range ds {
		for _, a := range d.Activity {
			if a == 0 {
				u.Dead++
			}
		}
		u.Total += d.Hidden
	}
	return u, nil
}
