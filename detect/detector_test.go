package detect

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"
)

func TestWholeImage(t *testing.T) {
	tests := []struct {
		name    string
		rows    int
		cols    int
		want    Box
		wantErr bool
	}{
		{"640x480", 480, 640, Box{W: 640, H: 480, Score: 1}, false},
		{"portrait", 256, 192, Box{W: 192, H: 256, Score: 1}, false},
		{"empty", 0, 0, Box{}, true},
	}
	var d Detector = &WholeImage{}
	defer d.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := gocv.NewMat()
			if tt.rows > 0 {
				img.Close()
				img = gocv.NewMatWithSize(tt.rows, tt.cols, gocv.MatTypeCV8UC3)
			}
			defer img.Close()
			got, err := d.Detect(img)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, tt.want, got[0])
		})
	}
}
