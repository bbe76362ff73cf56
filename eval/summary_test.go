package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummaryJSON(t *testing.T) {
	s := &Summary{Params: DefaultParams()}
	for i := range s.Stats {
		s.Stats[i] = 1 / float64(i+3)
	}
	s.Stats[4] = -1
	out := s.JSON()
	assert.Regexp(t, `^\{"AP":0\.333`, out)
	var back map[string]float64
	require.NoError(t, json.Unmarshal([]byte(out), &back))
	require.Len(t, back, NumStats)
	for i, n := range StatNames {
		assert.InDelta(t, s.Stats[i], back[n], 0, "%s round-trips exactly", n)
	}
}

func TestSummaryLines(t *testing.T) {
	s := &Summary{Params: DefaultParams()}
	s.Stats = [NumStats]float64{0.7125, 0.5, 0.25, -1, 0.0005, 1, 0, 0, 0, 0}
	lines0005 := " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets= 20 ] = 0.001" // as Python formats 0.0005
	lines := s.Lines()
	require.Len(t, lines, NumStats)
	assert.Equal(t, " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 0.713", lines[0]) // Python also prints 0.713
	assert.Equal(t, " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets= 20 ] = 0.500", lines[1])
	assert.Equal(t, " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets= 20 ] = -1.000", lines[3])
	assert.Equal(t, lines0005, lines[4])
	assert.Equal(t, " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets= 20 ] = 0.000", lines[9])
}

func TestRunInfo(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "results.json")
	_, ok, err := ReadRunInfo(res)
	require.NoError(t, err)
	assert.False(t, ok, "no sidecar yet")

	want := RunInfo{BoxSource: "gt", FlipTest: true, Decode: "argmax+quarter-offset", InputSize: [2]int{192, 256}, Model: "m.safetensors", OKSNMSThr: 0.9}
	require.NoError(t, WriteRunInfo(res, want))
	got, ok, err := ReadRunInfo(res)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, want, got)
	assert.Equal(t, "boxes gt, flip test on, decode argmax+quarter-offset, input 192x256, model m.safetensors, OKS-NMS 0.9", got.String())

	require.NoError(t, os.WriteFile(RunInfoPath(res), []byte("{oops"), 0o644))
	_, _, err = ReadRunInfo(res)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "results.json.meta.json")
}

func TestWritePerKeypoint(t *testing.T) {
	s := &Summary{Params: DefaultParams(), PerKeypoint: []KeypointStat{{"nose", 12, 0.8125}, {"left_eye", 0, -1}}}
	var b bytes.Buffer
	require.NoError(t, s.WritePerKeypoint(&b))
	assert.Contains(t, b.String(), " nose                    12     0.812\n")
	assert.Contains(t, b.String(), " left_eye                 0    -1.000\n")
}

// Example evaluates one perfect detection of a 2-keypoint person.
func ExampleEvaluate() {
	gt, err := ParseGroundTruth([]byte(`{
	  "images": [{"id": 1}],
	  "categories": [{"id": 1, "name": "person", "keypoints": ["head", "foot"], "sigmas": [0.1, 0.1]}],
	  "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "keypoints": [50, 20, 2, 50, 150, 2],
	                   "num_keypoints": 2, "area": 5000, "bbox": [30, 10, 40, 150], "iscrowd": 0}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res := []Result{{ImageID: 1, CategoryID: 1, Keypoints: []float64{51, 21, 0.9, 49, 149, 0.8}, Score: 0.9}}
	p := DefaultParams()
	p.Sigmas, _ = gt.Sigmas()
	s, err := Evaluate(gt, res, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("OKS %.4f\n", OKS(res[0].Keypoints, &gt.Annotations[0], p.Sigmas))
	fmt.Println(s.Lines()[0])
	fmt.Println(s.Lines()[4])
	// Output:
	// OKS 0.9950
	//  Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 1.000
	//  Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets= 20 ] = -1.000
}

// TestByThreshold: one person found at OKS exp(-81/400) ≈ 0.817 is a true
// positive up to the 0.80 threshold and a miss from 0.85 on; on the
// pycocotools fixtures the thresholds agree with AP50, AP75 and, averaged,
// with AP and AR.
func TestByThreshold(t *testing.T) {
	gt, err := ParseGroundTruth([]byte(`{
	  "images": [{"id": 1}],
	  "categories": [{"id": 1, "name": "person", "keypoints": ["head", "foot"], "sigmas": [0.1, 0.1]}],
	  "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "keypoints": [50, 20, 2, 50, 150, 2],
	                   "num_keypoints": 2, "area": 5000, "bbox": [30, 10, 40, 150], "iscrowd": 0}]}`))
	require.NoError(t, err)
	res := []Result{{ImageID: 1, CategoryID: 1, Keypoints: []float64{59, 20, 0.9, 41, 150, 0.8}, Score: 0.9}}
	p := DefaultParams()
	p.Sigmas, _ = gt.Sigmas()
	s, err := Evaluate(gt, res, p)
	require.NoError(t, err)
	by := s.ByThreshold()
	require.Len(t, by, 10)
	for i, st := range by {
		want := 1.0
		if st.OKS > 0.817 {
			want = 0
		}
		assert.InDelta(t, 0.5+0.05*float64(i), st.OKS, 1e-12)
		assert.InDelta(t, want, st.AP, 1e-12, "AP at %.2f", st.OKS)
		assert.InDelta(t, want, st.AR, 1e-12, "AR at %.2f", st.OKS)
	}
	var b bytes.Buffer
	require.NoError(t, s.WriteThresholds(&b))
	assert.Contains(t, b.String(), " 0.80   1.000   1.000\n 0.85   0.000   0.000\n")

	for _, name := range fixtureCases(t) {
		gt, res, _ := loadCase(t, name)
		p := DefaultParams()
		p.Sigmas, err = gt.Sigmas()
		require.NoError(t, err)
		s, err := Evaluate(gt, res, p)
		require.NoError(t, err)
		by := s.ByThreshold()
		assert.Equal(t, s.Stats[1], by[0].AP, "%s: AP50", name)
		assert.Equal(t, s.Stats[2], by[5].AP, "%s: AP75", name)
		assert.Equal(t, s.Stats[6], by[0].AR, "%s: AR50", name)
		var ap, ar float64
		for _, st := range by {
			ap += st.AP / 10
			ar += st.AR / 10
		}
		if s.Stats[0] >= 0 {
			assert.InDelta(t, s.Stats[0], ap, 1e-12, "%s: AP", name)
			assert.InDelta(t, s.Stats[5], ar, 1e-12, "%s: AR", name)
		}
	}
}
