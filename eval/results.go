package eval

import (
	"bytes"
	"fmt"
	"math"
	"os"
)

// Result is one detection in COCO's keypoint results format. It marshals
// to the JSON object pycocotools' loadRes reads.
type Result struct {
	ImageID    int64     `json:"image_id"`
	CategoryID int64     `json:"category_id"`
	Keypoints  []float64 `json:"keypoints"` // x, y, score triples
	Score      float64   `json:"score"`
	// Bbox is optional. pycocotools quirk: when the first result of a file
	// carries a non-empty bbox, every result's area is bbox w*h instead of
	// the keypoints' extent, so every result then needs one.
	Bbox []float64 `json:"bbox,omitempty"`
}

// rawResult mirrors the JSON; pointers tell a missing field from a zero one.
type rawResult struct {
	ImageID    *int64    `json:"image_id"`
	CategoryID *int64    `json:"category_id"`
	Keypoints  []float64 `json:"keypoints"`
	Score      *float64  `json:"score"`
	Bbox       []float64 `json:"bbox"`
}

// LoadResults reads a COCO keypoint results file (a JSON array of Result)
// and checks it against gt with CheckResults. An empty array is valid here
// (pycocotools' loadRes would fail on it); Evaluate then reports zeros
// and -1s.
func LoadResults(path string, gt *GroundTruth) ([]Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: read results: %w", err)
	}
	res, err := ParseResults(data)
	if err == nil {
		err = CheckResults(gt, res, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("eval: results %s: %w", path, err)
	}
	return res, nil
}

// ParseResults decodes a JSON array of results. image_id, category_id,
// keypoints and score are required in each.
func ParseResults(data []byte) ([]Result, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '[' {
		return nil, fmt.Errorf("results must be a JSON array of objects")
	}
	if res, ok := fastResults(data); ok {
		return res, nil
	}
	// Anything the fast scanner does not take (including every error) goes
	// through encoding/json, which says what and where.
	return slowResults(data)
}

// slowResults is ParseResults with encoding/json.
func slowResults(data []byte) ([]Result, error) {
	var raw []rawResult
	if err := decodeJSON(data, &raw); err != nil {
		return nil, err
	}
	res := make([]Result, len(raw))
	for i, r := range raw {
		switch {
		case r.ImageID == nil:
			return nil, fmt.Errorf("result %d: no image_id", i)
		case r.CategoryID == nil:
			return nil, fmt.Errorf("result %d: no category_id", i)
		case r.Keypoints == nil:
			return nil, fmt.Errorf("result %d: no keypoints", i)
		case r.Score == nil:
			return nil, fmt.Errorf("result %d: no score", i)
		}
		res[i] = Result{ImageID: *r.ImageID, CategoryID: *r.CategoryID, Keypoints: r.Keypoints, Score: *r.Score, Bbox: r.Bbox}
	}
	return res, nil
}

// CheckResults validates results against gt: every image id must be in
// the ground truth (pycocotools asserts this), keypoints must be non-empty
// x,y,score triples (exactly 3k values when k > 0), every number finite,
// and, when the first result has a bbox, every result a 4-value bbox.
// Errors name the result's index in the list.
func CheckResults(gt *GroundTruth, results []Result, k int) error {
	bboxArea := bboxAreas(results)
	for i := range results {
		r := &results[i]
		switch {
		case !gt.HasImage(r.ImageID):
			return fmt.Errorf("result %d: image_id %d is not in the ground truth", i, r.ImageID)
		case len(r.Keypoints) == 0 || len(r.Keypoints)%3 != 0:
			return fmt.Errorf("result %d: %d keypoint values, want x,y,score triples", i, len(r.Keypoints))
		case k > 0 && len(r.Keypoints) != 3*k:
			return fmt.Errorf("result %d: %d keypoint values, want %d (%d keypoints)", i, len(r.Keypoints), 3*k, k)
		case math.IsNaN(r.Score) || math.IsInf(r.Score, 0):
			return fmt.Errorf("result %d: score is %v", i, r.Score)
		case bboxArea && len(r.Bbox) != 4:
			return fmt.Errorf("result %d: bbox has %d values, want 4 (result 0 has a bbox, so area comes from bbox)", i, len(r.Bbox))
		}
		if err := finite(r.Keypoints, "keypoints"); err != nil {
			return fmt.Errorf("result %d: %w", i, err)
		}
		if err := finite(r.Bbox, "bbox"); err != nil {
			return fmt.Errorf("result %d: %w", i, err)
		}
	}
	return nil
}

// bboxAreas reports whether results' areas come from their bboxes: as in
// pycocotools' loadRes, the list's first result decides for all of them.
func bboxAreas(results []Result) bool { return len(results) > 0 && len(results[0].Bbox) > 0 }

// resultArea is the area pycocotools' loadRes gives a keypoint result:
// (max x - min x)·(max y - min y) over all its keypoints, labelled or not,
// or, when useBbox, bbox w·h.
func resultArea(r *Result, useBbox bool) float64 {
	if useBbox {
		return r.Bbox[2] * r.Bbox[3]
	}
	kp := r.Keypoints
	x0, x1 := kp[0], kp[0]
	y0, y1 := kp[1], kp[1]
	for i := 3; i+1 < len(kp); i += 3 {
		x0, x1 = min(x0, kp[i]), max(x1, kp[i])
		y0, y1 = min(y0, kp[i+1]), max(y1, kp[i+1])
	}
	return (x1 - x0) * (y1 - y0)
}
