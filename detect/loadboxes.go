package detect

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// PersonCategory is the COCO category id of "person".
const PersonCategory = 1

// Detections holds precomputed person boxes from a COCO detections file,
// looked up by image id or file name. Each image's boxes are sorted by
// descending score.
type Detections struct {
	byID   map[int64][]Box
	byName map[string][]Box
}

// cocoDetection is one entry of a COCO results file.
type cocoDetection struct {
	ImageID    *int64    `json:"image_id"`
	CategoryID *int      `json:"category_id"`
	BBox       []float64 `json:"bbox"`
	Score      *float64  `json:"score"`
	FileName   string    `json:"file_name"`
}

// LoadBoxes reads a COCO detections file, a JSON array of
// {image_id, category_id, bbox: [x, y, w, h], score} such as
// COCO_val2017_detections_AP_H_56_person.json. It keeps person entries
// (category_id 1) with score ≥ scoreThr and a positive size. Entries that
// also carry a "file_name" can be looked up by its base name too. A missing
// field, a bbox that is not four numbers finite in float32, or a score outside [0, 1]
// is an error naming the entry.
func LoadBoxes(path string, scoreThr float32) (*Detections, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("detect: load boxes: %w", err)
	}
	var entries []cocoDetection
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("detect: load boxes %s: %w", path, err)
	}
	d := &Detections{byID: map[int64][]Box{}, byName: map[string][]Box{}}
	for i, e := range entries {
		b, keep, err := e.box()
		if err != nil {
			return nil, fmt.Errorf("detect: load boxes %s: entry %d: %w", path, i, err)
		}
		if !keep || b.Score < scoreThr {
			continue
		}
		d.byID[*e.ImageID] = append(d.byID[*e.ImageID], b)
		if e.FileName != "" {
			name := filepath.Base(e.FileName)
			d.byName[name] = append(d.byName[name], b)
		}
	}
	byScore := func(a, b Box) int { return cmp.Compare(b.Score, a.Score) }
	for _, bs := range d.byID {
		slices.SortStableFunc(bs, byScore)
	}
	for _, bs := range d.byName {
		slices.SortStableFunc(bs, byScore)
	}
	return d, nil
}

// box validates e and converts it; keep is false for other categories and
// empty boxes.
func (e cocoDetection) box() (b Box, keep bool, err error) {
	switch {
	case e.ImageID == nil:
		return Box{}, false, errors.New("no image_id")
	case e.CategoryID == nil:
		return Box{}, false, errors.New("no category_id")
	case e.Score == nil:
		return Box{}, false, errors.New("no score")
	case len(e.BBox) != 4:
		return Box{}, false, fmt.Errorf("bbox has %d numbers, want 4", len(e.BBox))
	case !(*e.Score >= 0 && *e.Score <= 1):
		return Box{}, false, fmt.Errorf("score %g is not in [0, 1]", *e.Score)
	}
	for _, v := range e.BBox {
		// Boxes are float32: a larger number would become ±Inf.
		if !(math.Abs(v) <= math.MaxFloat32) {
			return Box{}, false, fmt.Errorf("bbox %v is not finite in float32", e.BBox)
		}
	}
	b = Box{X: float32(e.BBox[0]), Y: float32(e.BBox[1]), W: float32(e.BBox[2]), H: float32(e.BBox[3]), Score: float32(*e.Score)}
	return b, *e.CategoryID == PersonCategory && b.Area() > 0, nil
}

// ByID returns the boxes of an image id (nil if none). The slice is shared:
// do not modify it.
func (d *Detections) ByID(id int64) []Box { return d.byID[id] }

// ByName returns the boxes of an image file, matched by base name (nil if
// none or if the file had no file_name entries). The slice is shared.
func (d *Detections) ByName(name string) []Box { return d.byName[filepath.Base(name)] }

// Images returns how many image ids have at least one kept box.
func (d *Detections) Images() int { return len(d.byID) }
