package head

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dypose/dypose/dyrelu"
	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// TestFuseMatchesUnfused folds the DWUp head's BNs (with non-trivial
// statistics) and checks the heatmaps are unchanged and the BNs are gone;
// a Deconv head keeps its BNs.
func TestFuseMatchesUnfused(t *testing.T) {
	dyC := func(c int) nn.Layer { return dyrelu.New(dyrelu.C, c, dyrelu.DefaultConfig(), nntest.Rand(uint64(c))) }
	tests := []struct {
		name     string
		kind     Kind
		act      NewAct
		wantBNs  bool
		channels int
	}{
		{"dwup", DWUp, relu, false, 16},
		{"dwup-dyrelu-c", DWUp, dyC, false, 16}, // DY-ReLU takes over the conv biases
		{"deconv", Deconv, relu, true, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(tt.kind, 8, tt.channels, 5, tt.act, nntest.Rand(1))
			rng := nntest.Rand(3)
			for _, p := range h.Params() {
				r := nntest.RandTensor(rng, p.Value.Len()).Data
				for i := range p.Value.Data {
					switch {
					case strings.HasSuffix(p.Name, "running_var"):
						p.Value.Data[i] = 0.5 + r[i]*r[i]
					case strings.HasSuffix(p.Name, "running_mean"), strings.HasSuffix(p.Name, "bias"):
						p.Value.Data[i] = 0.2 * r[i]
					default:
						p.Value.Data[i] = 0.3 * r[i]
					}
				}
			}
			h.SetTraining(false)
			x := nntest.RandTensor(nntest.Rand(2), 2, 8, 4, 3)
			want := h.Forward(x).Clone()
			h.Fuse()
			nntest.AssertClose(t, want, h.Forward(x), 1e-4, "fused head")
			hasBN := false
			for _, p := range h.Params() {
				hasBN = hasBN || strings.HasSuffix(p.Name, "running_mean")
			}
			assert.Equal(t, tt.wantBNs, hasBN)
			if !tt.wantBNs {
				assert.Panics(t, func() { h.Backward(nn.New(want.Shape...)) })
			}
		})
	}
}
