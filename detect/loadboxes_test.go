package detect

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadBoxes(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		f, err := os.CreateTemp(dir, "dets-*.json")
		require.NoError(t, err)
		_, err = f.WriteString(body)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		return f.Name()
	}
	good := write(`[
		{"image_id": 7, "category_id": 1, "bbox": [10, 20, 30, 40], "score": 0.5},
		{"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.9, "file_name": "val/000007.jpg"},
		{"image_id": 7, "category_id": 3, "bbox": [5, 5, 5, 5], "score": 0.99},
		{"image_id": 7, "category_id": 1, "bbox": [0, 0, 0, 10], "score": 0.8},
		{"image_id": 8, "category_id": 1, "bbox": [100.5, 0, 50, 60.25], "score": 0.05}
	]`)
	tests := []struct {
		name    string
		path    string
		thr     float32
		id      int64
		file    string
		wantID  []Box
		wantFN  []Box
		images  int
		wantErr string
	}{
		{
			name: "persons by score, others and empty boxes dropped", path: good, thr: 0, id: 7, file: "/data/000007.jpg",
			wantID: []Box{{1, 2, 3, 4, 0.9}, {10, 20, 30, 40, 0.5}},
			wantFN: []Box{{1, 2, 3, 4, 0.9}},
			images: 2,
		},
		{name: "low score kept at threshold 0", path: good, thr: 0, id: 8, wantID: []Box{{100.5, 0, 50, 60.25, 0.05}}, images: 2},
		{name: "threshold drops image 8", path: good, thr: 0.1, id: 8, wantID: nil, images: 1},
		{name: "unknown image", path: good, thr: 0, id: 99, file: "x.jpg", wantID: nil, wantFN: nil, images: 2},
		{name: "missing file", path: filepath.Join(dir, "nope.json"), wantErr: "no such file"},
		{name: "not json", path: write(`{"image_id": 1`), wantErr: "unexpected end"},
		{name: "bbox of 3", path: write(`[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3], "score": 0.5}]`), wantErr: "entry 0: bbox has 3 numbers"},
		{name: "no score", path: write(`[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}]`), wantErr: "no score"},
		{name: "no image id", path: write(`[{"category_id": 1, "bbox": [1, 2, 3, 4], "score": 1}]`), wantErr: "no image_id"},
		{name: "bbox beyond float32", path: write(`[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 1e39, 4], "score": 0.5}]`), wantErr: "entry 0: bbox [1 2 1e+39 4] is not finite in float32"},
		{name: "score above 1", path: write(`[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 1.5}]`), wantErr: "score 1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := LoadBoxes(tt.path, tt.thr)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.images, d.Images())
			assertBoxes(t, tt.wantID, d.ByID(tt.id))
			if tt.file != "" {
				assertBoxes(t, tt.wantFN, d.ByName(tt.file))
			}
		})
	}
}

func assertBoxes(t *testing.T, want, got []Box) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range got {
		assert.InDeltaSlice(t, boxSlice(want[i]), boxSlice(got[i]), 1e-6, "box %d", i)
	}
}
