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
