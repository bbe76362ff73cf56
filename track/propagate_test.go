package track

import (
	"testing"

	"github.com/dypose/dypose/detect"
	"github.com/stretchr/testify/assert"
)

func TestBoxFromKeypoints(t *testing.T) {
	tests := []struct {
		name    string
		kps     []float32
		enlarge float32
		want    detect.Box
		ok      bool
	}{
		{
			name: "bounds enlarged about the centre",
			// confident: (100,100) (140,200); ignored: (0,0) at 0.1
			kps:     []float32{100, 100, 0.8, 140, 200, 0.6, 0, 0, 0.1},
			enlarge: 1.25,
			// centre (120,150), half size (20,50)·1.25 = (25,62.5)
			want: detect.Box{X: 95, Y: 87.5, W: 50, H: 125, Score: 0.7},
			ok:   true,
		},
		{
			name:    "clipped to the frame",
			kps:     []float32{10, 20, 1, 630, 470, 1},
			enlarge: 1.5,
			// centre (320,245), half size (310,225)·1.5 = (465,337.5) → frame
			want: detect.Box{X: 0, Y: 0, W: 640, H: 480, Score: 1},
			ok:   true,
		},
		{
			name:    "no enlargement",
			kps:     []float32{10, 20, 0.5, 30, 60, 0.5, 20, 40, 0.5},
			enlarge: 1,
			want:    detect.Box{X: 10, Y: 20, W: 20, H: 40, Score: 0.5},
			ok:      true,
		},
		{name: "one confident keypoint", kps: []float32{10, 20, 0.9, 30, 60, 0.2}, enlarge: 1.25},
		{name: "none", kps: nil, enlarge: 1.25},
		{name: "all on one line", kps: []float32{10, 20, 0.9, 10, 60, 0.9}, enlarge: 1.25},
		{name: "outside the frame", kps: []float32{700, 500, 0.9, 800, 600, 0.9}, enlarge: 1.25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := BoxFromKeypoints(tt.kps, 0.3, tt.enlarge, 640, 480)
			assert.Equal(t, tt.ok, ok)
			if tt.ok {
				assert.InDeltaSlice(t, []float32{tt.want.X, tt.want.Y, tt.want.W, tt.want.H, tt.want.Score},
					[]float32{got.X, got.Y, got.W, got.H, got.Score}, 1e-5)
			}
		})
	}
	assert.Panics(t, func() { BoxFromKeypoints(make([]float32, 4), 0.3, 1.25, 640, 480) })
}
