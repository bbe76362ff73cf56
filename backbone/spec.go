package backbone

import "fmt"

// Size selects the MobileNetV3 layer table.
type Size int

const (
	// Small is MobileNetV3-Small (11 blocks, final 1×1 conv to 576).
	Small Size = iota
	// Large is MobileNetV3-Large (15 blocks, final 1×1 conv to 960).
	Large
)

// String returns "small" or "large", as in architecture names.
func (s Size) String() string {
	switch s {
	case Small:
		return "small"
	case Large:
		return "large"
	default:
		return fmt.Sprintf("Size(%d)", int(s))
	}
}

// Activation selects the nonlinearities of the network.
type Activation int

const (
	// Baseline is MobileNetV3 as published: ReLU or h-swish per block,
	// squeeze-and-excitation where the table says so.
	Baseline Activation = iota
	// DyReLUA, DyReLUB and DyReLUC remove every SE module and replace every
	// ReLU and h-swish (stem, blocks, final conv) by DY-ReLU of that variant.
	DyReLUA
	DyReLUB
	DyReLUC
)

// String returns the name used in architecture names: "baseline",
// "dyrelu-a", "dyrelu-b", "dyrelu-c".
func (a Activation) String() string {
	switch a {
	case Baseline:
		return "baseline"
	case DyReLUA:
		return "dyrelu-a"
	case DyReLUB:
		return "dyrelu-b"
	case DyReLUC:
		return "dyrelu-c"
	default:
		return fmt.Sprintf("Activation(%d)", int(a))
	}
}

// BlockSpec is one row of a MobileNetV3 table: an inverted residual block.
type BlockSpec struct {
	Kernel int  // depthwise kernel size
	Expand int  // expansion channels (before the width multiplier)
	Out    int  // output channels (before the width multiplier)
	SE     bool // squeeze-and-excitation after the depthwise conv
	HSwish bool // h-swish (true) or ReLU
	Stride int  // depthwise stride
}

// Channel constants of the tables (before the width multiplier).
const (
	StemChannels      = 16 // 3×3 stride-2 stem conv
	LastConvExpansion = 6  // final 1×1 conv: 6 × the last block's output
	Divisor           = 8  // channel counts are rounded to multiples of 8
	SEReduction       = 4  // SE squeeze width: MakeDivisible(exp/4, 8)
)

// Blocks returns the layer table of s ("Searching for MobileNetV3",
// Tables 1 and 2, as torchvision builds them). The slice is new on every
// call.
func (s Size) Blocks() []BlockSpec {
	const re, hs = false, true
	switch s {
	case Small:
		return []BlockSpec{
			{3, 16, 16, true, re, 2},
			{3, 72, 24, false, re, 2},
			{3, 88, 24, false, re, 1},
			{5, 96, 40, true, hs, 2},
			{5, 240, 40, true, hs, 1},
			{5, 240, 40, true, hs, 1},
			{5, 120, 48, true, hs, 1},
			{5, 144, 48, true, hs, 1},
			{5, 288, 96, true, hs, 2},
			{5, 576, 96, true, hs, 1},
			{5, 576, 96, true, hs, 1},
		}
	case Large:
		return []BlockSpec{
			{3, 16, 16, false, re, 1},
			{3, 64, 24, false, re, 2},
			{3, 72, 24, false, re, 1},
			{5, 72, 40, true, re, 2},
			{5, 120, 40, true, re, 1},
			{5, 120, 40, true, re, 1},
			{3, 240, 80, false, hs, 2},
			{3, 200, 80, false, hs, 1},
			{3, 184, 80, false, hs, 1},
			{3, 184, 80, false, hs, 1},
			{3, 480, 112, true, hs, 1},
			{3, 672, 112, true, hs, 1},
			{5, 672, 160, true, hs, 2},
			{5, 960, 160, true, hs, 1},
			{5, 960, 160, true, hs, 1},
		}
	default:
		panic(fmt.Sprintf("backbone: unknown size %d", int(s)))
	}
}

// MakeDivisible rounds v to the nearest multiple of divisor, never below
// divisor and never more than 10% below v (torchvision's _make_divisible,
// from the TensorFlow MobileNet code).
func MakeDivisible(v float64, divisor int) int {
	d := float64(divisor)
	n := max(divisor, int(v+d/2)/divisor*divisor)
	if float64(n) < 0.9*v {
		n += divisor
	}
	return n
}
