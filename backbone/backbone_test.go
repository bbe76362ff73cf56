package backbone

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dypose/dypose/dyrelu"
	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func TestMakeDivisible(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		want int
	}{
		{"exact", 16, 16},
		{"rounds down", 17, 16},
		{"rounds half up", 20, 24},
		{"never below divisor", 3, 8},
		{"never 10% below", 11, 16}, // 8 < 0.9·11, so add 8
		{"SE squeeze of 72", 18, 24},
		{"width 0.75 of 88", 66, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, MakeDivisible(tt.v, 8))
		})
	}
}

func TestTorchvisionCounts(t *testing.T) {
	// The Baseline feature extractor plus torchvision's classifier
	// (Linear(C,1024|1280) → h-swish → Linear(→1000)) must give
	// torchvision's published parameter counts: 2,542,856 (Small) and
	// 5,483,032 (Large).
	tests := []struct {
		size       Size
		out, last  int
		classifier int
		want       int
	}{
		{Small, 576, 1024, 0, 2542856},
		{Large, 960, 1280, 0, 5483032},
	}
	for _, tt := range tests {
		t.Run(tt.size.String(), func(t *testing.T) {
			m := New(Config{Size: tt.size, Act: Baseline, Width: 1, DyReLU: dyrelu.DefaultConfig()}, nntest.Rand(1))
			assert.Equal(t, tt.out, m.OutChannels)
			cls := tt.out*tt.last + tt.last + tt.last*1000 + 1000
			assert.Equal(t, tt.want, nn.CountParams(m.Params())+cls)
		})
	}
}

func TestNamesAndShapes(t *testing.T) {
	m := New(DefaultConfig(), nntest.Rand(1))
	ps := m.Params()
	tests := []struct {
		name  string
		shape []int
	}{
		{"features.0.0.weight", []int{16, 3, 3, 3}},
		{"features.0.1.running_var", []int{16}},
		{"features.0.2.fc1.weight", []int{4, 16}},
		{"features.1.block.0.0.weight", []int{16, 1, 3, 3}},
		{"features.2.block.0.0.weight", []int{72, 16, 1, 1}},
		{"features.4.block.1.0.weight", []int{96, 1, 5, 5}},
		{"features.12.0.weight", []int{576, 96, 1, 1}},
		{"features.12.2.spatial.weight", []int{1, 576, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := nn.Lookup(ps, tt.name)
			if assert.NotNil(t, p) {
				assert.Equal(t, tt.shape, p.Value.Shape)
			}
		})
	}
	assert.Nil(t, nn.Lookup(ps, "features.1.block.1.fc1.weight"), "DY-ReLU networks have no SE")
	base := New(Config{Size: Small, Act: Baseline, Width: 1}, nntest.Rand(1))
	assert.Equal(t, []int{8, 16, 1, 1}, nn.Lookup(base.Params(), "features.1.block.1.fc1.weight").Value.Shape)
}

func TestGradSqueezeExcitation(t *testing.T) {
	rng := nntest.Rand(1)
	se := NewSqueezeExcitation(8, 8, rng)
	nn.Uniform(se.FC1.Weight.Value, 0.5, rng)
	nn.Uniform(se.FC2.Weight.Value, 0.5, rng)
	nntest.GradCheck(t, se, nntest.RandTensor(rng, 2, 8, 3, 4), nntest.GradCheckOptions{Seed: 2, Eps: 1e-3, RelTol: 5e-2})
}

// Composite blocks (InvertedResidual with SE or DY-ReLU) are checked
// against the PyTorch twin's gradients in package pose (TestTwin), which is
// far tighter than finite differences through BN and kinks in float32.

func TestFuse(t *testing.T) {
	rng := nntest.Rand(5)
	m := New(Config{Size: Small, Act: Baseline, Width: 0.5}, rng)
	for _, p := range m.Params() {
		if p.Value.Len() > 0 && len(p.Value.Shape) == 1 {
			nn.Uniform(p.Value, 0.3, rng)
			for i := range p.Value.Data {
				p.Value.Data[i] += 1 // positive variances and scales
			}
		}
	}
	x := nntest.RandTensor(rng, 1, 3, 64, 64)
	want := m.Forward(x).Clone()
	m.Fuse()
	nntest.AssertClose(t, want, m.Forward(x), 1e-4, "fused features")
}

// TestBackwardSkips holds BackwardSkips to the sum of the gradients that
// flow from the output and from each skip separately (backward is linear
// in dy for a fixed forward): the full Backward of the output's gradient
// plus, per skip, the Backward of the layers up to it.
func TestBackwardSkips(t *testing.T) {
	for _, size := range []Size{Small, Large} {
		t.Run(size.String(), func(t *testing.T) {
			rng := nntest.Rand(6)
			m := New(Config{Size: size, Act: DyReLUC, Width: 0.25, DyReLU: dyrelu.DefaultConfig()}, rng)
			m.SetTraining(true)
			x := nntest.RandTensor(rng, 2, 3, 64, 64)
			var skips [3]*nn.Tensor
			y := m.ForwardSkips(x, &skips)
			for i, s := range skips {
				assert.Equal(t, []int{2, m.Skips[i].Channels, 64 / m.Skips[i].Stride, 64 / m.Skips[i].Stride}, s.Shape, "skip %d", i)
			}
			assert.Equal(t, []int{16, 8, 4}, []int{m.Skips[0].Stride, m.Skips[1].Stride, m.Skips[2].Stride})
			dy := nntest.RandTensor(rng, y.Shape...)
			var dskips [3]*nn.Tensor
			for i, s := range skips {
				dskips[i] = nntest.RandTensor(rng, s.Shape...)
			}
			got := m.BackwardSkips(dy.Clone(), dskips).Clone()
			want := m.Backward(dy.Clone()).Clone()
			for i, s := range m.Skips {
				prefix := nn.NewSequential(m.Features.Layers[:s.Index+1]...)
				nn.AddInto(want, prefix.Backward(dskips[i].Clone()))
			}
			nntest.AssertClose(t, want, got, 1e-4, "dL/dx")
		})
	}
}
