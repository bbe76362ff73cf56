package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestModelSummaryCmd(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		// Totals of scripts/twin.py summary for the same architectures.
		{"mission", []string{"--arch", "mnv3-small-dyrelu-c"}, []string{"features.12", "576×8×6", "total", "2233648", "146476976"}},
		{"baseline 128x96", []string{"--arch", "mnv3-small-baseline", "--input", "128x96"}, []string{"17×32×24", "1045617"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			app := newApp()
			app.Writer = &out
			require.NoError(t, app.Run(append([]string{"keypoints", "model", "summary"}, tt.args...)))
			for _, w := range tt.want {
				assert.Contains(t, out.String(), w)
			}
		})
	}
	app := newApp()
	app.Writer = &bytes.Buffer{}
	assert.Error(t, app.Run([]string{"keypoints", "model", "summary", "--arch", "mnv3-tiny-relu"}))
	assert.Error(t, app.Run([]string{"keypoints", "model", "summary", "--input", "256"}))
}

func TestModelImportLateralInput(t *testing.T) {
	app := newApp()
	app.Writer = &bytes.Buffer{}
	err := app.Run([]string{"keypoints", "model", "import", "--arch", "mnv3-small-dyrelu-c-lat", "--input", "100x96",
		"--in", "twin.safetensors", "--out", t.TempDir() + "/m.safetensors"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "multiples of 32")
}
