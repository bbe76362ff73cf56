package dyrelu

import (
	"testing"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// smallSites are the DY-ReLU sites of the SE-free MobileNetV3-Small at a
// 256×192 input, one entry per distinct (C, H, W) with its number of sites:
// the stem, the expansion and depthwise activations of the 11 blocks, and
// the final 1×1 conv (23 sites). scripts/bench_dyrelu_torch.py uses the
// same names.
var smallSites = []struct {
	name    string
	c, h, w int
	count   int
}{
	{"stem_16x128x96", 16, 128, 96, 1},
	{"16x64x48", 16, 64, 48, 1},
	{"72x64x48", 72, 64, 48, 1},
	{"72x32x24", 72, 32, 24, 1},
	{"88x32x24", 88, 32, 24, 2},
	{"96x32x24", 96, 32, 24, 1},
	{"96x16x12", 96, 16, 12, 1},
	{"240x16x12", 240, 16, 12, 4},
	{"120x16x12", 120, 16, 12, 2},
	{"144x16x12", 144, 16, 12, 2},
	{"288x16x12", 288, 16, 12, 1},
	{"288x8x6", 288, 8, 6, 1},
	{"576x8x6", 576, 8, 6, 5},
}

// BenchmarkForwardC times DY-ReLU-C inference (batch 1) at every site, and
// "all_sites" runs the 23 sites of one image in sequence.
func BenchmarkForwardC(b *testing.B) {
	for _, s := range smallSites {
		b.Run(s.name, func(b *testing.B) {
			d := New(C, s.c, DefaultConfig(), nntest.Rand(1))
			d.SetTraining(false)
			x := nntest.RandTensor(nntest.Rand(2), 1, s.c, s.h, s.w)
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				d.Forward(x)
			}
			reportCPU(b, cpu)
		})
	}
	b.Run("all_sites", func(b *testing.B) {
		var layers []*DyReLU
		var inputs []*nn.Tensor
		for i, s := range smallSites {
			for range s.count {
				d := New(C, s.c, DefaultConfig(), nntest.Rand(uint64(i)))
				d.SetTraining(false)
				layers = append(layers, d)
				inputs = append(inputs, nntest.RandTensor(nntest.Rand(uint64(100+i)), 1, s.c, s.h, s.w))
			}
		}
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			for i, d := range layers {
				d.Forward(inputs[i])
			}
		}
		reportCPU(b, cpu)
	})
}

// reportCPU adds the process CPU time per op since start (all threads) as
// the metric "cpu-ns/op".
func reportCPU(b *testing.B, start int64) {
	if end := processCPU(); start >= 0 && end >= 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkTrainStep times Forward+Backward of DY-ReLU-C at batch 8 on
// three representative sites.
func BenchmarkTrainStep(b *testing.B) {
	for _, s := range []struct {
		name    string
		c, h, w int
	}{{"16x128x96", 16, 128, 96}, {"240x16x12", 240, 16, 12}, {"576x8x6", 576, 8, 6}} {
		b.Run(s.name, func(b *testing.B) {
			d := New(C, s.c, DefaultConfig(), nntest.Rand(1))
			x := nntest.RandTensor(nntest.Rand(2), 8, s.c, s.h, s.w)
			dy := nntest.RandTensor(nntest.Rand(3), 8, s.c, s.h, s.w)
			b.ReportAllocs()
			for b.Loop() {
				d.Forward(x)
				d.Backward(dy)
			}
		})
	}
}
