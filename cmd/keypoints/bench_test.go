package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBenchCmd(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	tests := []struct {
		name    string
		args    []string
		want    []string // substrings of the text output
		json    bool
		wantErr bool
	}{
		{"text skip-train", []string{"--arch", "mnv3-small-baseline", "--input", "64x64", "--reps", "2", "--warmup", "1", "--skip-train", "--threads", "1"},
			[]string{"arch mnv3-small-baseline", "input 64x64", "infer b1", "infer b8", "allocs/infer"}, false, false},
		{"json with train", []string{"--arch", "mnv3-small-dyrelu-c", "--input", "64x64", "--reps", "2", "--warmup", "1", "--train-reps", "1", "--json", "--threads", "1", "--cpuprofile", prof},
			nil, true, false},
		{"bad input", []string{"--input", "64"}, nil, false, true},
		{"bad arch", []string{"--arch", "mnv3-tiny-relu", "--input", "64x64"}, nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			app := newApp()
			app.Writer = &out
			err := app.Run(append([]string{"keypoints", "bench"}, tt.args...))
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			for _, w := range tt.want {
				assert.Contains(t, out.String(), w)
			}
			assert.NotContains(t, out.String(), "train b32", "skip-train must not time training")
			if !tt.json {
				return
			}
			var got map[string]any
			require.NoError(t, json.Unmarshal(out.Bytes(), &got))
			for _, k := range []string{"arch", "params", "infer_b1_ms", "infer_b8_ms", "train_b32_ms", "allocs_per_infer"} {
				assert.Contains(t, got, k)
			}
			assert.Equal(t, "mnv3-small-dyrelu-c", got["arch"])
			assert.Greater(t, got["train_b32_ms"], 0.0)
			st, err := os.Stat(prof)
			require.NoError(t, err)
			assert.Positive(t, st.Size())
		})
	}
}
