package render

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMeter(t *testing.T) {
	tests := []struct {
		name    string
		alpha   float64
		frames  [][2]time.Duration // interval, latency
		fps     float64
		latency time.Duration
		format  string
		wantErr bool
	}{
		{name: "no frames", alpha: 0.1, fps: 0, latency: 0, format: "0.0 FPS  0.0 ms"},
		{
			name: "first frame sets the averages", alpha: 0.1,
			frames: [][2]time.Duration{{40 * time.Millisecond, 20 * time.Millisecond}},
			fps:    25, latency: 20 * time.Millisecond, format: "25.0 FPS  20.0 ms",
		},
		{
			// interval: 0.040 + 0.5·(0.060 − 0.040) = 0.050 s → 20 FPS;
			// latency: 0.020 + 0.5·(0.030 − 0.020) = 0.025 s.
			name: "later frames move by alpha", alpha: 0.5,
			frames: [][2]time.Duration{{40 * time.Millisecond, 20 * time.Millisecond}, {60 * time.Millisecond, 30 * time.Millisecond}},
			fps:    20, latency: 25 * time.Millisecond, format: "20.0 FPS  25.0 ms",
		},
		{name: "alpha 0", alpha: 0, wantErr: true},
		{name: "alpha above 1", alpha: 1.5, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMeter(tt.alpha)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			for _, f := range tt.frames {
				m.Add(f[0], f[1])
			}
			assert.InDelta(t, tt.fps, m.FPS(), 1e-9)
			assert.InDelta(t, float64(tt.latency), float64(m.Latency()), float64(time.Microsecond))
			assert.Equal(t, tt.format, string(m.Format(nil)))
		})
	}
}
