package nn_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func TestSchedulesMatchPyTorch(t *testing.T) {
	tf := nntest.LoadFixture(t, "nn_misc_sched.safetensors")
	tests := []struct {
		name string
		s    nn.Schedule
	}{
		{"multistep", nn.MultiStep{Base: 5e-4, Milestones: []int{9, 3, 7, 7}, Gamma: 0.1}},
		{"cosine", nn.Cosine{Base: 0.1, Min: 1e-3, Epochs: 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := nntest.Get(t, tf, tc.name)
			for epoch, w := range want.Data {
				got := tc.s.LR(epoch, 1000*epoch)
				assert.InDelta(t, w, got, 1e-6*float64(w), "epoch %d", epoch)
			}
		})
	}
}

func TestSchedulesHandComputed(t *testing.T) {
	// mmpose's MobileNetV2 recipe: 5e-4, ×0.1 at 170 and 200, 500 warm-up
	// iterations from ratio 0.001.
	recipe := nn.Warmup{Schedule: nn.MultiStep{Base: 5e-4, Milestones: []int{170, 200}, Gamma: 0.1}, Iters: 500, Ratio: 0.001}
	tests := []struct {
		name        string
		s           nn.Schedule
		epoch, iter int
		want        float64
	}{
		{"multistep before", recipe, 169, 1e6, 5e-4},
		{"multistep at 170", recipe, 170, 1e6, 5e-5},
		{"multistep at 200", recipe, 209, 1e6, 5e-6},
		{"warmup start", recipe, 0, 0, 5e-4 * 0.001},
		{"warmup middle", recipe, 0, 250, 5e-4 * (1 - 0.5*0.999)},
		{"warmup last", recipe, 0, 499, 5e-4 * (1 - 0.002*0.999)},
		{"warmup done", recipe, 1, 500, 5e-4},
		{"cosine start", nn.Cosine{Base: 1, Min: 0.1, Epochs: 4}, 0, 0, 1},
		{"cosine quarter", nn.Cosine{Base: 1, Min: 0.1, Epochs: 4}, 1, 0, 0.1 + 0.9*(1+math.Sqrt2/2)/2},
		{"cosine half", nn.Cosine{Base: 1, Min: 0.1, Epochs: 4}, 2, 0, 0.55},
		{"cosine end", nn.Cosine{Base: 1, Min: 0.1, Epochs: 4}, 4, 0, 0.1},
		{"cosine per iteration, start", nn.Cosine{Base: 1, Min: 0.1, Epochs: 4, Iters: 400}, 0, 0, 1},
		{"cosine per iteration, mid-epoch", nn.Cosine{Base: 1, Min: 0.1, Epochs: 4, Iters: 400}, 0, 50, 0.1 + 0.9*(1+math.Cos(math.Pi/8))/2},
		{"cosine per iteration, half", nn.Cosine{Base: 1, Min: 0.1, Epochs: 4, Iters: 400}, 1, 200, 0.55},
		{"cosine per iteration, last", nn.Cosine{Base: 1, Min: 0.1, Epochs: 4, Iters: 400}, 3, 399, 0.1 + 0.9*(1+math.Cos(math.Pi*399/400))/2},
		{"constant", nn.Constant(3e-4), 7, 7, 3e-4},
		{"warmup constant", nn.Warmup{Schedule: nn.Constant(1), Iters: 10, Ratio: 0.1}, 0, 5, 1 - 0.5*0.9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.want, tc.s.LR(tc.epoch, tc.iter), 1e-12)
		})
	}
	assert.Panics(t, func() { nn.Cosine{Base: 1}.LR(0, 0) }, "Epochs 0")
	assert.NotPanics(t, func() { nn.Cosine{Base: 1, Iters: 10}.LR(0, 0) }, "Iters alone")
}
