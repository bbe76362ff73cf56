package nn_test

import (
	"fmt"
	"testing"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// actShapes are MobileNetV3-Small activation shapes (C,H,W) for a 256×192
// input at batch 1; scripts/bench_act_torch.py times the same cases.
var actShapes = [][3]int{{16, 128, 96}, {72, 64, 48}, {240, 16, 12}, {576, 8, 6}}

func shapeName(s [3]int) string { return fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]) }

func benchLayer(b *testing.B, l nn.Layer, s [3]int) {
	x := nntest.RandTensor(nntest.Rand(1), 1, s[0], s[1], s[2])
	nn.Uniform(x, 6, nntest.Rand(2)) // spread over the kinks of every activation
	l.Forward(x)
	b.SetBytes(int64(4 * x.Len()))
	b.ReportAllocs()
	for b.Loop() {
		l.Forward(x)
	}
}

func BenchmarkBatchNorm2DEval(b *testing.B) {
	for _, s := range actShapes {
		b.Run(shapeName(s), func(b *testing.B) {
			bn := nn.NewBatchNorm2D(s[0], 1e-3, 0.01)
			nn.Uniform(bn.RunningMean.Value, 1, nntest.Rand(3))
			benchLayer(b, bn, s)
		})
	}
}

// BenchmarkHardSwish has no in-place case: rerunning HardSwish on its own
// output drives the values into denormals, which measures something else.
func BenchmarkHardSwish(b *testing.B) {
	for _, s := range actShapes {
		b.Run(shapeName(s), func(b *testing.B) { benchLayer(b, &nn.HardSwish{}, s) })
	}
}

func BenchmarkReLU(b *testing.B) {
	for _, s := range actShapes {
		b.Run(shapeName(s), func(b *testing.B) { benchLayer(b, &nn.ReLU{}, s) })
		b.Run(shapeName(s)+"/inplace", func(b *testing.B) { benchLayer(b, &nn.ReLU{Inplace: true}, s) })
	}
}
