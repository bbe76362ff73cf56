package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// RunInfoSuffix is appended to a results file's path to name its sidecar:
// results.json → results.json.meta.json.
const RunInfoSuffix = ".meta.json"

// RunInfo says how dypose produced a results file. Box source and flip
// test change AP by several points, so every reported number should come
// with them. dypose writes it next to the results (WriteRunInfo);
// `keypoints eval` prints it when present.
type RunInfo struct {
	// BoxSource is where person boxes came from: "gt" (ground-truth
	// boxes), a detections file (e.g. COCO_val2017_detections_AP_H_56_person.json)
	// or a detector name.
	BoxSource string `json:"box_source"`
	FlipTest  bool   `json:"flip_test"`
	// Decode names the heatmap decoder, e.g. "argmax+quarter-offset".
	Decode    string `json:"decode"`
	InputSize [2]int `json:"input_size"` // width, height of the network input
	Model     string `json:"model"`      // checkpoint path or model name
	// BoxPadding is how much each box was enlarged before cropping (0: not
	// recorded).
	BoxPadding float64 `json:"box_padding,omitempty"`
	// Rescore and OKSNMS record the post-processing settings, e.g.
	// "box*mean(kpt>0.2)" and 0.9 (0: not applied).
	Rescore   string  `json:"rescore,omitempty"`
	OKSNMSThr float64 `json:"oks_nms_thr,omitempty"`
}

// RunInfoPath returns the sidecar path of a results file.
func RunInfoPath(resultsPath string) string { return resultsPath + RunInfoSuffix }

// WriteRunInfo writes info as the sidecar of resultsPath.
func WriteRunInfo(resultsPath string, info RunInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("eval: encode run info: %w", err)
	}
	if err := os.WriteFile(RunInfoPath(resultsPath), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("eval: write run info: %w", err)
	}
	return nil
}

// ReadRunInfo reads the sidecar of resultsPath. ok is false, with a nil
// error, when there is none.
func ReadRunInfo(resultsPath string) (info RunInfo, ok bool, err error) {
	path := RunInfoPath(resultsPath)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return RunInfo{}, false, nil
	}
	if err != nil {
		return RunInfo{}, false, fmt.Errorf("eval: read run info: %w", err)
	}
	if err := decodeJSON(data, &info); err != nil {
		return RunInfo{}, false, fmt.Errorf("eval: run info %s: %w", path, err)
	}
	return info, true, nil
}

// String describes the run on one line, e.g.
// "boxes gt, flip test on, decode argmax+quarter-offset, input 192x256, model m.safetensors".
func (r RunInfo) String() string {
	flip := "off"
	if r.FlipTest {
		flip = "on"
	}
	parts := []string{
		"boxes " + orUnknown(r.BoxSource),
		"flip test " + flip,
		"decode " + orUnknown(r.Decode),
		fmt.Sprintf("input %dx%d", r.InputSize[0], r.InputSize[1]),
		"model " + orUnknown(r.Model),
	}
	if r.BoxPadding > 0 {
		parts = append(parts, fmt.Sprintf("box padding %g", r.BoxPadding))
	}
	if r.Rescore != "" {
		parts = append(parts, "rescore "+r.Rescore)
	}
	if r.OKSNMSThr > 0 {
		parts = append(parts, fmt.Sprintf("OKS-NMS %g", r.OKSNMSThr))
	}
	return strings.Join(parts, ", ")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
