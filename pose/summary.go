package pose

import (
	"fmt"
	"io"
	"strconv"

	"github.com/dypose/dypose/backbone"
	"github.com/dypose/dypose/dyrelu"
	"github.com/dypose/dypose/head"
	"github.com/dypose/dypose/nn"
)

// LayerCost is one row of a Summary: a top-level module of the network.
type LayerCost struct {
	Name   string // state-dict prefix, e.g. "features.3" or "head.final_layer"
	Out    [3]int // output (C, H, W) for one input
	Params int64  // trainable parameters
	MAdds  int64  // multiply-adds of convolutions and linear layers
	// DyReLUMAdds is the elementwise work of the DY-ReLU layers (pooling,
	// a·x+b per piece, softmax and the ×π of variant C) that MAdds leaves
	// out: dyrelu.Cost minus the hyper function's linear layers.
	DyReLUMAdds int64
}

// Summary lists per-module output shapes, parameters and multiply-adds of
// a model for one H×W input.
type Summary struct {
	Arch                       Arch
	InputH, InputW             int
	Layers                     []LayerCost
	Params, MAdds, DyReLUMAdds int64 // totals
	BackboneParams, HeadParams int64
	BackboneMAdds, HeadMAdds   int64
}

// Summarize computes the Summary of m for an h×w input. MAdds follow the
// convention of the MobileNet and DY-ReLU papers and of scripts/twin.py's
// counter: convolutions (including transposed ones and DY-ReLU's 1×1
// spatial conv) and linear layers count Cout·Ho·Wo·Cin/G·K²; BN,
// activations, pooling, upsampling and residual adds are free.
func (m *Model) Summarize(h, w int) Summary {
	s := Summary{Arch: m.Arch, InputH: h, InputW: w}
	c := 3
	add := func(name string, l nn.Layer, inHead bool) {
		row := LayerCost{Name: name, Params: int64(nn.CountParams(l.Params()))}
		c, h, w = layerCost(l, c, h, w, &row)
		row.Out = [3]int{c, h, w}
		s.Layers = append(s.Layers, row)
		s.Params += row.Params
		s.MAdds += row.MAdds
		s.DyReLUMAdds += row.DyReLUMAdds
		if inHead {
			s.HeadParams += row.Params
			s.HeadMAdds += row.MAdds
		} else {
			s.BackboneParams += row.Params
			s.BackboneMAdds += row.MAdds
		}
	}
	for i, l := range m.Backbone.Features.Layers {
		add("features."+strconv.Itoa(i), l, false)
	}
	stages := "head.layers."
	if m.Arch.Head == head.Deconv {
		stages = "head.deconv_layers."
	}
	for i, l := range m.Head.Layers.Layers {
		add(stages+strconv.Itoa(i), l, true)
		if m.Head.Laterals != nil {
			// The lateral's 1×1 conv reads the skip at this stage's size.
			c = m.Backbone.Skips[i].Channels
			add("head.laterals."+strconv.Itoa(i), m.Head.Laterals[i], true)
		}
	}
	add("head.final_layer", m.Head.FinalLayer, true)
	return s
}

// layerCost walks l for a (c,h,w) input, adds its costs to row and returns
// the output shape.
func layerCost(l nn.Layer, c, h, w int, row *LayerCost) (int, int, int) {
	switch l := l.(type) {
	case *nn.Conv2D:
		ho, wo := l.OutSize(h, w)
		row.MAdds += int64(l.OutC) * int64(ho*wo) * int64(l.InC/l.Groups*l.K*l.K)
		return l.OutC, ho, wo
	case *nn.ConvTranspose2D:
		ho, wo := l.OutSize(h, w)
		row.MAdds += int64(l.InC) * int64(h*w) * int64(l.OutC*l.K*l.K)
		return l.OutC, ho, wo
	case *nn.Upsample2x:
		return c, 2 * h, 2 * w
	case *nn.BatchNorm2D, *nn.ReLU, *nn.HardSwish:
		return c, h, w
	case *dyrelu.DyReLU:
		linear := int64(l.Channels*l.Hidden + l.Hidden*2*l.Config.K*dyreluCc(l))
		if l.Variant == dyrelu.C {
			linear += int64(l.Channels * h * w)
		}
		_, total := l.Cost(h, w)
		row.MAdds += linear
		row.DyReLUMAdds += total - linear
		return c, h, w
	case *backbone.ConvBN:
		c, h, w = layerCost(l.Conv, c, h, w, row)
		if l.Act != nil {
			c, h, w = layerCost(l.Act, c, h, w, row)
		}
		return c, h, w
	case *backbone.SqueezeExcitation:
		row.MAdds += int64(l.FC1.InC*l.FC1.OutC + l.FC2.InC*l.FC2.OutC)
		return c, h, w
	case *backbone.InvertedResidual:
		return layerCost(l.Block, c, h, w, row)
	case *nn.Sequential:
		for _, s := range l.Layers {
			c, h, w = layerCost(s, c, h, w, row)
		}
		return c, h, w
	default:
		panic(fmt.Sprintf("pose: Summarize: unknown layer %T", l))
	}
}

// dyreluCc is the number of coefficient columns: 1 for A, C otherwise.
func dyreluCc(d *dyrelu.DyReLU) int {
	if d.Variant == dyrelu.A {
		return 1
	}
	return d.Channels
}

// Write prints the summary as an aligned table with totals.
func (s Summary) Write(out io.Writer) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(out, format, args...)
		}
	}
	p("%s, input %dx%d (HxW)\n", s.Arch, s.InputH, s.InputW)
	p("%-22s %-16s %12s %14s %14s\n", "layer", "output (C,H,W)", "params", "MAdds", "DY-ReLU elem")
	for _, r := range s.Layers {
		p("%-22s %-16s %12d %14d %14d\n", r.Name, fmt.Sprintf("%d×%d×%d", r.Out[0], r.Out[1], r.Out[2]), r.Params, r.MAdds, r.DyReLUMAdds)
	}
	p("%-22s %-16s %12d %14d\n", "backbone", "", s.BackboneParams, s.BackboneMAdds)
	p("%-22s %-16s %12d %14d\n", "head", "", s.HeadParams, s.HeadMAdds)
	p("%-22s %-16s %12d %14d %14d\n", "total", "", s.Params, s.MAdds, s.DyReLUMAdds)
	p("total: %.3f M params, %.3f G MAdds (conv/linear), %.3f G with DY-ReLU elementwise work\n",
		float64(s.Params)/1e6, float64(s.MAdds)/1e9, float64(s.MAdds+s.DyReLUMAdds)/1e9)
	return err
}
