package coco_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/coco"
)

func TestFindSplit(t *testing.T) {
	tests := []struct {
		name    string
		files   []string // created empty; a name ending in / is a folder
		want    coco.Split
		wantErr []string
	}{
		{name: "synth layout", files: []string{"annotations/person_keypoints_val.json", "images/val/"},
			want: coco.Split{Annotations: "annotations/person_keypoints_val.json", Images: "images/val"}},
		{name: "coco 2017 layout", files: []string{"annotations/person_keypoints_val2017.json", "val2017/"},
			want: coco.Split{Annotations: "annotations/person_keypoints_val2017.json", Images: "val2017"}},
		{name: "synth layout first", files: []string{"annotations/person_keypoints_val.json", "images/val/", "annotations/person_keypoints_val2017.json", "val2017/"},
			want: coco.Split{Annotations: "annotations/person_keypoints_val.json", Images: "images/val"}},
		{name: "image folder missing", files: []string{"annotations/person_keypoints_val2017.json"},
			wantErr: []string{"coco: data ", "person_keypoints_val2017.json found but its image folder", "val2017 is missing"}},
		{name: "image folder is a file", files: []string{"annotations/person_keypoints_val.json", "images/val"},
			wantErr: []string{"its image folder"}},
		{name: "nothing", files: []string{"annotations/person_keypoints_train.json", "images/train/"},
			wantErr: []string{"no val annotations", "person_keypoints_val.json and ", "person_keypoints_val2017.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				p := filepath.Join(dir, f)
				if f[len(f)-1] == '/' {
					require.NoError(t, os.MkdirAll(p, 0o755))
					continue
				}
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, nil, 0o644))
			}
			got, err := coco.FindSplit(dir, "val")
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, s := range tt.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, coco.Split{Annotations: filepath.Join(dir, tt.want.Annotations), Images: filepath.Join(dir, tt.want.Images)}, got)
		})
	}
}
