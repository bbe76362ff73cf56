package coco

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	tinyAnn  = "../testdata/coco/person_keypoints_tiny.json"
	tinyDets = "../testdata/coco/detections_tiny.json"
	tinyImgs = "../testdata/coco/images"
)

func TestLoadTiny(t *testing.T) {
	ds, err := Load(tinyAnn)
	require.NoError(t, err)
	assert.Len(t, ds.Images, 3)
	assert.Len(t, ds.Annotations, 7)
	require.Len(t, ds.Categories, 1)
	assert.Equal(t, "person", ds.Person.Name)
	kp := ds.Person.Keypoints
	assert.Equal(t, COCONames(), kp.Names)
	assert.Equal(t, COCOSkeleton(), kp.Skeleton, "skeleton converted to 0-based")
	assert.Equal(t, [][2]int{{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}, {11, 12}, {13, 14}, {15, 16}}, kp.FlipPairs)
	assert.InDeltaSlice(t, COCOSigmas(), kp.Sigmas, 0)

	im, ok := ds.Image(2)
	require.True(t, ok)
	assert.Equal(t, Image{ID: 2, FileName: "000000000002.jpg", Width: 160, Height: 120}, im)
	_, ok = ds.Image(99)
	assert.False(t, ok)

	anns := ds.ImageAnnotations(3)
	require.Len(t, anns, 2)
	assert.Equal(t, int64(5), anns[0].ID)
	assert.True(t, anns[1].IsCrowd)
	a := anns[0]
	require.Len(t, a.Keypoints, 17)
	labelled := 0
	for _, k := range a.Keypoints {
		if k[2] > 0 {
			labelled++
		}
	}
	assert.Equal(t, a.NumKeypoints, labelled)
}

func TestKeypointInfoDerived(t *testing.T) {
	kp := COCOKeypoints()
	for i, up := range kp.Upper {
		assert.Equal(t, i <= 10, up, "keypoint %d (%s): SimpleBaseline's upper body is ids 0–10", i, kp.Names[i])
	}
	tests := []struct {
		name    string
		names   []string
		skel    [][2]int
		pairs   [][2]int
		wantErr string
	}{
		{name: "custom set", names: []string{"head", "right_hand", "left_hand", "left_foot", "right_foot"},
			pairs: [][2]int{{2, 1}, {3, 4}}},
		{name: "missing partner", names: []string{"nose", "left_eye"}, wantErr: "no right_eye partner"},
		{name: "duplicate", names: []string{"a", "a"}, wantErr: "appears twice"},
		{name: "skeleton out of range", names: []string{"a", "b"}, skel: [][2]int{{0, 2}}, wantErr: "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := NewKeypointInfo(tc.names, tc.skel)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.pairs, info.FlipPairs)
			assert.Nil(t, info.Sigmas, "sigmas only for COCO's names")
			assert.Equal(t, []bool{true, true, true, false, false}, info.Upper)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	good, err := os.ReadFile(tinyAnn)
	require.NoError(t, err)
	text := string(good)
	dir := t.TempDir()
	tests := []struct {
		name string
		body string   // file contents; empty: the file does not exist
		want []string // substrings of the error
	}{
		{name: "missing file", want: []string{"no such file"}},
		{name: "truncated", body: text[:len(text)/2], want: []string{"unexpected EOF", ":"}},
		{name: "syntax error", body: strings.Replace(text, `"license": 1},`, `"license": 1}`, 1),
			want: []string{":6:3", "expected comma"}},
		{name: "wrong type", body: strings.Replace(text, `"width": 160`, `"width": "160"`, 1),
			want: []string{":5:", "jsonImage.width"}},
		{name: "keypoint count", body: strings.Replace(text, `"keypoints": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "num_keypoints": 0}`, `"keypoints": [0, 0, 0], "num_keypoints": 0}`, 1),
			want: []string{"annotation 6", "3 keypoint values, want 51"}},
		{name: "unknown image", body: strings.Replace(text, `{"id": 7, "image_id": 2`, `{"id": 7, "image_id": 42`, 1),
			want: []string{"annotation 7", "unknown image id 42"}},
		{name: "unknown category", body: strings.Replace(text, `{"id": 7, "image_id": 2, "category_id": 1`, `{"id": 7, "image_id": 2, "category_id": 3`, 1),
			want: []string{"annotation 7", "unknown category id 3"}},
		{name: "no keypoint category", body: `{"images": [], "annotations": [], "categories": [{"id": 1, "name": "cat"}]}`,
			want: []string{"no category with keypoints"}},
		{name: "no image size", body: strings.Replace(text, `"width": 160, "height": 120, "license": 1},`, `"license": 1},`, 1),
			want: []string{"image 0 (id 1)", "width 0, height 0, want both positive"}},
		{name: "visibility", body: strings.Replace(text, `127.68, 6.57, 2,`, `127.68, 6.57, 3,`, 1),
			want: []string{"annotation 3", "visibility 3, want 0, 1 or 2"}},
		{name: "not an object", body: `[1, 2]`, want: []string{":1:2", "found '[', want '{'"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "f"+string(rune('a'+i))+".json")
			if tc.body != "" {
				require.NotEqual(t, text, tc.body, "the test's edit must change the file")
				require.NoError(t, os.WriteFile(path, []byte(tc.body), 0o644))
			}
			_, err := Load(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), path, "the error names the file")
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestLoadDetections(t *testing.T) {
	tests := []struct {
		name      string
		thr       float64
		wantN     int
		wantFirst Detection
	}{
		{name: "all", thr: 0, wantN: 5, wantFirst: Detection{ImageID: 1, CategoryID: 1, BBox: [4]float64{66.5, 43.2, 50.1, 72.8}, Score: 0.98}},
		{name: "threshold keeps score >= thr", thr: 0.71, wantN: 4},
		{name: "high", thr: 0.95, wantN: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dets, err := LoadDetections(tinyDets, tc.thr)
			require.NoError(t, err)
			assert.Len(t, dets, tc.wantN)
			if tc.wantFirst != (Detection{}) {
				assert.Equal(t, tc.wantFirst, dets[0])
			}
		})
	}
	dir := t.TempDir()
	for _, tc := range []struct{ name, body, want string }{
		{"malformed", "[\n {\"image_id\": 1, \"bbox\": [1,2,3,4], \"score\": 0.5},\n {\"image_id\": 2 \"bbox\": []}\n]", ":3:"},
		{"bad bbox", `[{"image_id": 1, "bbox": [1,2,3], "score": 0.5}]`, "detection 0: bbox has 3 values"},
		{"no score", `[{"image_id": 1, "bbox": [1,2,3,4]}]`, "detection 0: no score"},
		{"trailing", `[] []`, "data after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			require.NoError(t, os.WriteFile(path, []byte(tc.body), 0o644))
			_, err := LoadDetections(path, 0)
			require.Error(t, err)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSamples(t *testing.T) {
	ds, err := Load(tinyAnn)
	require.NoError(t, err)
	samples := AnnotationSamples(ds, tinyImgs, 192, 256, BoxPadding)
	ids := make([]int64, len(samples))
	for i, s := range samples {
		ids[i] = s.AnnID
		assert.Equal(t, filepath.Join(tinyImgs, "00000000000"+string(rune('0'+s.ImageID))+".jpg"), s.ImagePath)
	}
	assert.Equal(t, []int64{1, 2, 3, 4, 5}, ids, "the crowd (6) and the unlabelled person (7) are left out")

	// Annotation 3 has bbox [100, 0, 53, 84] on a 160×120 image: clipped as
	// SimpleBaseline (x2 = min(159, 100 + 52)), then aspect-fixed and padded.
	s := samples[2]
	assert.InDeltaSlice(t, []float64{100, 0, 52, 83}, s.Box[:], 1e-12)
	assert.InDeltaSlice(t, []float64{126, 41.5}, s.Center[:], 1e-12)
	assert.InDeltaSlice(t, []float64{83 * 0.75 / 200 * 1.25, 83.0 / 200 * 1.25}, s.Scale[:], 1e-12)

	dets, err := LoadDetections(tinyDets, 0.1)
	require.NoError(t, err)
	ds2, err := DetectionSamples(ds, dets, tinyImgs, 192, 256, BoxPadding)
	require.NoError(t, err)
	require.Len(t, ds2, 3, "category 2 and the 0.05 box are dropped")
	assert.InDelta(t, 0.93, ds2[2].Score, 1e-12)
	assert.Nil(t, ds2[0].Joints)

	_, err = DetectionSamples(ds, []Detection{{ImageID: 77, CategoryID: 1, BBox: [4]float64{1, 1, 5, 5}}}, tinyImgs, 192, 256, BoxPadding)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "image id 77")

	// Boxes without an area have nothing to crop (AffineTransform panics
	// on a zero scale): skipped.
	flat := []Detection{
		{ImageID: 1, CategoryID: 1, BBox: [4]float64{5, 5, 0, 0}},
		{ImageID: 1, CategoryID: 1, BBox: [4]float64{5, 5, 10, 0}},
		{ImageID: 1, CategoryID: 1, BBox: [4]float64{5, 5, -3, 10}},
		{ImageID: 1, CategoryID: 1, BBox: [4]float64{5, 5, math.NaN(), 10}},
		{ImageID: 1, CategoryID: 1, BBox: [4]float64{5, 5, 10, 20}, Score: 0.5},
	}
	ds3, err := DetectionSamples(ds, flat, tinyImgs, 192, 256, BoxPadding)
	require.NoError(t, err)
	require.Len(t, ds3, 1)
	assert.InDelta(t, 0.5, ds3[0].Score, 0)
}

func TestCleanBox(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   [4]float64
		want [4]float64
		ok   bool
	}{
		{"inside", [4]float64{10, 20, 31, 41}, [4]float64{10, 20, 30, 40}, true},
		{"clipped", [4]float64{-5, 100, 200, 50}, [4]float64{0, 100, 159, 19}, true},
		{"a line has a scale", [4]float64{10, 20, 0, 41}, [4]float64{10, 20, 0, 40}, true},
		{"a point has none", [4]float64{10, 20, 0, 0}, [4]float64{}, false},
		{"a one-pixel box is a point", [4]float64{10, 20, 1, 1}, [4]float64{}, false},
		{"outside", [4]float64{1e30, 20, 5, 5}, [4]float64{}, false},
		{"NaN", [4]float64{math.NaN(), 20, 5, 5}, [4]float64{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := cleanBox(tc.in, 160, 120)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}
