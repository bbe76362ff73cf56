package nn_test

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// layerBench is one inference-mode layer at one shape. The cases are the
// layers of MobileNetV3-Small on a 256×192 crop at batch 1, plus the
// SimpleBaseline-style head; scripts/bench_layers_torch.py times the same
// cases under the same names.
type layerBench struct {
	name  string
	build func(rng *rand.Rand) nn.Layer
	in    []int // input shape
}

func convBench(cin, cout, k, s, groups, h, w int) layerBench {
	kind := "pw"
	switch {
	case groups > 1:
		kind = "dw"
	case k > 1:
		kind = "conv"
	}
	name := fmt.Sprintf("%s_k%ds%d_%dto%d_%dx%d", kind, k, s, cin, cout, h, w)
	return layerBench{name, func(rng *rand.Rand) nn.Layer {
		return nn.NewConv2D(cin, cout, k, s, k/2, groups, false, rng)
	}, []int{1, cin, h, w}}
}

func dwBench(c, k, s, h, w int) layerBench   { return convBench(c, c, k, s, c, h, w) }
func pwBench(cin, cout, h, w int) layerBench { return convBench(cin, cout, 1, 1, 1, h, w) }

func layerBenches() []layerBench {
	return []layerBench{
		convBench(3, 16, 3, 2, 1, 256, 192), // stem
		dwBench(16, 3, 2, 128, 96),          // block 1 (no expansion)
		pwBench(16, 16, 64, 48),
		pwBench(16, 72, 64, 48), // block 2
		dwBench(72, 3, 2, 64, 48),
		pwBench(72, 24, 32, 24),
		pwBench(24, 88, 32, 24), // block 3
		dwBench(88, 3, 1, 32, 24),
		pwBench(88, 24, 32, 24),
		pwBench(24, 96, 32, 24), // block 4
		dwBench(96, 5, 2, 32, 24),
		pwBench(96, 40, 16, 12),
		pwBench(40, 240, 16, 12), // blocks 5, 6
		dwBench(240, 5, 1, 16, 12),
		pwBench(240, 40, 16, 12),
		pwBench(40, 120, 16, 12), // block 7
		dwBench(120, 5, 1, 16, 12),
		pwBench(120, 48, 16, 12),
		pwBench(48, 144, 16, 12), // block 8
		dwBench(144, 5, 1, 16, 12),
		pwBench(144, 48, 16, 12),
		pwBench(48, 288, 16, 12), // block 9
		dwBench(288, 5, 2, 16, 12),
		pwBench(288, 96, 8, 6),
		pwBench(96, 576, 8, 6), // blocks 10, 11 expansion and the final conv
		dwBench(576, 5, 1, 8, 6),
		pwBench(576, 96, 8, 6),
		{"linear_576to144", func(rng *rand.Rand) nn.Layer { return nn.NewLinear(576, 144, true, rng) }, []int{1, 576, 1, 1}},
		{"linear_144to576", func(rng *rand.Rand) nn.Layer { return nn.NewLinear(144, 576, true, rng) }, []int{1, 144}},
		{"gap_576_8x6", func(*rand.Rand) nn.Layer { return &nn.GlobalAvgPool{} }, []int{1, 576, 8, 6}},
		{"gap_240_16x12", func(*rand.Rand) nn.Layer { return &nn.GlobalAvgPool{} }, []int{1, 240, 16, 12}},
		{"up2x_256_8x6", func(*rand.Rand) nn.Layer { return &nn.Upsample2x{} }, []int{1, 256, 8, 6}},
		{"up2x_256_16x12", func(*rand.Rand) nn.Layer { return &nn.Upsample2x{} }, []int{1, 256, 16, 12}},
		{"deconv_k4s2_576to256_8x6", func(rng *rand.Rand) nn.Layer {
			return nn.NewConvTranspose2D(576, 256, 4, 2, 1, false, rng)
		}, []int{1, 576, 8, 6}},
		{"deconv_k4s2_256to256_8x6", func(rng *rand.Rand) nn.Layer {
			return nn.NewConvTranspose2D(256, 256, 4, 2, 1, false, rng)
		}, []int{1, 256, 8, 6}},
		{"deconv_k4s2_256to256_16x12", func(rng *rand.Rand) nn.Layer {
			return nn.NewConvTranspose2D(256, 256, 4, 2, 1, false, rng)
		}, []int{1, 256, 16, 12}},
	}
}

// BenchmarkLayers times Forward of every case; compare with
// `/usr/bin/python3 scripts/bench_layers_torch.py` run on the same machine.
func BenchmarkLayers(b *testing.B) {
	for _, lb := range layerBenches() {
		b.Run(lb.name, func(b *testing.B) {
			rng := nntest.Rand(1)
			l := lb.build(rng)
			x := nntest.RandTensor(rng, lb.in...)
			l.Forward(x)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				l.Forward(x)
			}
			// CPU time per op as well as wall time: on a machine shared with
			// other jobs, a single-threaded run's CPU time excludes the time
			// spent descheduled, which wall time does not.
			b.ReportMetric(float64(cpuTime()-cpu0)/1e3/float64(b.N), "cpu-µs/op")
		})
	}
}

// cpuTime returns the process's user+system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkConv2DBackward times the training step of the three conv paths
// (batch 8), so that changes to the backward kernels can be measured.
func BenchmarkConv2DBackward(b *testing.B) {
	for _, lb := range []layerBench{
		convBench(3, 16, 3, 2, 1, 256, 192),
		dwBench(72, 3, 2, 64, 48),
		dwBench(240, 5, 1, 16, 12),
		pwBench(40, 240, 16, 12),
	} {
		b.Run(lb.name, func(b *testing.B) {
			rng := nntest.Rand(1)
			l := lb.build(rng)
			in := append([]int{8}, lb.in[1:]...)
			x := nntest.RandTensor(rng, in...)
			dy := nntest.RandTensor(rng, l.Forward(x).Shape...)
			b.ReportAllocs()
			for b.Loop() {
				l.Forward(x)
				l.Backward(dy)
			}
		})
	}
}
