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
	}{
		{"no display", "", "no display"},
		{"no camera", ":99", "no camera at --device 63"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DISPLAY", tt.display)
			t.Setenv("WAYLAND_DISPLAY", "")
			app := newApp()
			app.Writer, app.ErrWriter = &bytes.Buffer{}, &bytes.Buffer{}
			err := app.Run([]string{"keypoints", "webcam", "--device", "63"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
