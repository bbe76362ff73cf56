package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebcamErrors(t *testing.T) {
	tests := []struct {
		name, display, want string
		args                []string
	}{
		{"no display", "", "no display", nil},
		{"no camera", ":99", "no camera at --device 63", nil},
		{"bad box padding", ":99", "--box-padding -1", []string{"--box-padding", "-1"}},
		{"bad decode", ":99", `--decode "soft-argmax": want argmax or dark`, []string{"--decode", "soft-argmax"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DISPLAY", tt.display)
			t.Setenv("WAYLAND_DISPLAY", "")
			app := newApp()
			app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
			err := app.Run(append([]string{"keypoints", "webcam", "--device", "63"}, tt.args...))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
