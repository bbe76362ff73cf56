package pose

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/backbone"
	"github.com/dypose/dypose/head"
)

func TestParseArch(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Arch
		str  string // canonical form; "" means in
	}{
		{"mission", "mnv3-small-dyrelu-c", Arch{backbone.Small, backbone.DyReLUC, head.DWUp, 1, 128, 17, false}, ""},
		{"large baseline", "mnv3-large-baseline", Arch{backbone.Large, backbone.Baseline, head.DWUp, 1, 128, 17, false}, ""},
		{"variant a deconv", "mnv3-small-dyrelu-a-deconv", Arch{backbone.Small, backbone.DyReLUA, head.Deconv, 1, 256, 17, false}, ""},
		{"all suffixes", "mnv3-large-dyrelu-b-deconv-w0.75-hc64-k5", Arch{backbone.Large, backbone.DyReLUB, head.Deconv, 0.75, 64, 5, false}, ""},
		{"lateral", "mnv3-small-dyrelu-c-lat-hc64", Arch{backbone.Small, backbone.DyReLUC, head.DWUp, 1, 64, 17, true}, ""},
		{"case and defaults spelled out", " MNV3-Small-DyReLU-C-w1-hc128-k17 ", Arch{backbone.Small, backbone.DyReLUC, head.DWUp, 1, 128, 17, false}, "mnv3-small-dyrelu-c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseArch(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, a)
			want := tt.str
			if want == "" {
				want = tt.in
			}
			assert.Equal(t, want, a.String())
			back, err := ParseArch(a.String())
			require.NoError(t, err)
			assert.Equal(t, a, back)
		})
	}
}

func TestParseArchErrors(t *testing.T) {
	tests := []struct{ name, in, msg string }{
		{"empty", "", "prefix"},
		{"other family", "resnet50", "prefix"},
		{"size", "mnv3-tiny-dyrelu-c", "size"},
		{"activation", "mnv3-small-dyrelu-d", "activation"},
		{"glued activation", "mnv3-small-dyrelu-cc", "activation"},
		{"suffix", "mnv3-small-dyrelu-c-fast", "suffix"},
		{"order", "mnv3-small-dyrelu-c-w0.5-deconv", "order"},
		{"repeat", "mnv3-small-dyrelu-c-k5-k6", "order"},
		{"width", "mnv3-small-dyrelu-c-w0", "(0, 4]"},
		{"width nan", "mnv3-small-dyrelu-c-wnan", "(0, 4]"},
		{"keypoints", "mnv3-small-dyrelu-c-k0", "[1, 1024]"},
		{"too many keypoints", "mnv3-small-dyrelu-c-k1025", "[1, 1024]"},
		{"head channels", "mnv3-small-dyrelu-c-hc0", "[1, 1024]"},
		{"head too wide", "mnv3-small-dyrelu-c-hc1000000000", "[1, 1024]"},
		{"trailing dash", "mnv3-small-dyrelu-c-", "suffix"},
		{"lateral deconv", "mnv3-small-dyrelu-c-deconv-lat", "DWUp"},
		{"lateral order", "mnv3-small-dyrelu-c-w0.5-lat", "order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseArch(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}
