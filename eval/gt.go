package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
)

// Image is one entry of a COCO "images" list; only the id matters here.
type Image struct {
	ID       int64
	FileName string
	Width    int
	Height   int
}

// Annotation is one ground-truth person (or other keypoint object).
type Annotation struct {
	ID           int64
	ImageID      int64
	CategoryID   int64
	Keypoints    []float64 // x, y, v triples; v > 0 means labelled
	NumKeypoints int       // 0 makes the annotation ignored, as in pycocotools
	Area         float64   // segment area: decides the area range, scales OKS
	Bbox         [4]float64
	IsCrowd      bool // crowd regions are ignored and absorb any number of detections
}

// ignored reports whether the evaluation ignores a in every area range, as
// pycocotools does: a crowd region, or a person without labelled keypoints.
func (a *Annotation) ignored() bool { return a.IsCrowd || a.NumKeypoints == 0 }

// Category is one entry of "categories". Keypoints and Skeleton are COCO's
// metadata. Sigmas is a dypose extension: per-keypoint OKS sigmas for a
// keypoint set other than COCO's 17 (see GroundTruth.Sigmas).
type Category struct {
	ID        int64
	Name      string
	Keypoints []string
	Skeleton  [][2]int
	Sigmas    []float64
}

// GroundTruth is the part of a COCO keypoint annotation file the evaluation
// uses. Order is kept as in the file: pycocotools breaks ties by it.
type GroundTruth struct {
	Images      []Image
	Annotations []Annotation
	Categories  []Category
	Path        string // the file LoadGroundTruth read, for errors; "" when parsed from memory

	imageSet map[int64]struct{}
	catSet   map[int64]struct{}
}

// rawGT mirrors the JSON; pointers tell a missing field from a zero one.
type rawGT struct {
	Images []struct {
		ID       *int64 `json:"id"`
		FileName string `json:"file_name"`
		Width    int    `json:"width"`
		Height   int    `json:"height"`
	} `json:"images"`
	Annotations []struct {
		ID           *int64    `json:"id"`
		ImageID      *int64    `json:"image_id"`
		CategoryID   *int64    `json:"category_id"`
		Keypoints    []float64 `json:"keypoints"`
		NumKeypoints *int      `json:"num_keypoints"`
		Area         *float64  `json:"area"`
		Bbox         []float64 `json:"bbox"`
		IsCrowd      flexBool  `json:"iscrowd"`
	} `json:"annotations"`
	Categories []struct {
		ID        *int64    `json:"id"`
		Name      string    `json:"name"`
		Keypoints []string  `json:"keypoints"`
		Skeleton  [][2]int  `json:"skeleton"`
		Sigmas    []float64 `json:"sigmas"`
	} `json:"categories"`
}

// flexBool accepts COCO's 0/1 integers as well as JSON booleans.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch s := string(bytes.TrimSpace(data)); s {
	case "true", "1":
		*b = true
	case "false", "0", "null":
		*b = false
	default:
		var f float64
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("iscrowd %s: want 0, 1, true or false", s)
		}
		*b = f != 0
	}
	return nil
}

// LoadGroundTruth reads a COCO keypoint annotation file.
func LoadGroundTruth(path string) (*GroundTruth, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: read ground truth: %w", err)
	}
	gt, err := ParseGroundTruth(data)
	if err != nil {
		return nil, fmt.Errorf("eval: ground truth %s: %w", path, err)
	}
	gt.Path = path
	return gt, nil
}

// ParseGroundTruth decodes COCO keypoint annotations from JSON. Every
// annotation of a listed image and category must have keypoints (a
// multiple of 3 values), num_keypoints, area and a 4-value bbox, all finite,
// since pycocotools reads each of them; "keypoints": [] is a person without
// labelled keypoints, as pycocotools reads it. A missing iscrowd counts as 0
// (pycocotools would fail with a KeyError). An "ignore" field is not read:
// pycocotools overwrites it with iscrowd before use.
func ParseGroundTruth(data []byte) (*GroundTruth, error) {
	var raw rawGT
	if err := decodeJSON(data, &raw); err != nil {
		return nil, err
	}
	gt := &GroundTruth{
		Images:      make([]Image, len(raw.Images)),
		Annotations: make([]Annotation, 0, len(raw.Annotations)),
		Categories:  make([]Category, len(raw.Categories)),
		imageSet:    make(map[int64]struct{}, len(raw.Images)),
		catSet:      make(map[int64]struct{}, len(raw.Categories)),
	}
	for i, im := range raw.Images {
		if im.ID == nil {
			return nil, fmt.Errorf("images[%d]: no id", i)
		}
		gt.Images[i] = Image{ID: *im.ID, FileName: im.FileName, Width: im.Width, Height: im.Height}
		gt.imageSet[*im.ID] = struct{}{}
	}
	for i, c := range raw.Categories {
		if c.ID == nil {
			return nil, fmt.Errorf("categories[%d]: no id", i)
		}
		if len(c.Sigmas) > 0 && len(c.Keypoints) > 0 && len(c.Sigmas) != len(c.Keypoints) {
			return nil, fmt.Errorf("category %d: %d sigmas for %d keypoints", *c.ID, len(c.Sigmas), len(c.Keypoints))
		}
		for j, s := range c.Sigmas {
			if err := checkSigma(j, s); err != nil {
				return nil, fmt.Errorf("category %d: %w", *c.ID, err)
			}
		}
		gt.Categories[i] = Category{ID: *c.ID, Name: c.Name, Keypoints: c.Keypoints, Skeleton: c.Skeleton, Sigmas: c.Sigmas}
		gt.catSet[*c.ID] = struct{}{}
	}
	annIndex := make(map[int64]int, len(raw.Annotations))
	for i, a := range raw.Annotations {
		if a.ID == nil || a.ImageID == nil || a.CategoryID == nil {
			return nil, fmt.Errorf("annotations[%d]: id, image_id and category_id are required", i)
		}
		// pycocotools indexes annotations by id, so a repeated id would
		// evaluate the last of them in place of the others.
		if j, dup := annIndex[*a.ID]; dup {
			return nil, fmt.Errorf("annotation id %d repeated (annotations[%d] and annotations[%d])", *a.ID, j, i)
		}
		annIndex[*a.ID] = i
		ann := Annotation{ID: *a.ID, ImageID: *a.ImageID, CategoryID: *a.CategoryID, Keypoints: a.Keypoints, IsCrowd: bool(a.IsCrowd)}
		if !gt.HasImage(ann.ImageID) || !gt.HasCategory(ann.CategoryID) {
			// Never evaluated (pycocotools filters by image and category
			// ids), so its other fields need not be there.
			gt.Annotations = append(gt.Annotations, ann)
			continue
		}
		where := fmt.Sprintf("annotation id %d (annotations[%d])", ann.ID, i)
		switch {
		case a.Keypoints == nil:
			return nil, fmt.Errorf("%s: no keypoints", where)
		case len(a.Keypoints)%3 != 0:
			return nil, fmt.Errorf("%s: %d keypoint values, want x,y,v triples", where, len(a.Keypoints))
		case a.NumKeypoints == nil:
			return nil, fmt.Errorf("%s: no num_keypoints", where)
		case a.Area == nil:
			return nil, fmt.Errorf("%s: no area", where)
		case len(a.Bbox) != 4:
			return nil, fmt.Errorf("%s: bbox has %d values, want 4", where, len(a.Bbox))
		}
		ann.NumKeypoints = *a.NumKeypoints
		ann.Area = *a.Area
		copy(ann.Bbox[:], a.Bbox)
		if err := finite(ann.Keypoints, "keypoints"); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if err := finite(ann.Bbox[:], "bbox"); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if err := finite([]float64{ann.Area}, "area"); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		gt.Annotations = append(gt.Annotations, ann)
	}
	return gt, nil
}

// HasImage reports whether id is in the images list.
func (g *GroundTruth) HasImage(id int64) bool { _, ok := g.imageSet[id]; return ok }

// HasCategory reports whether id is in the categories list.
func (g *GroundTruth) HasCategory(id int64) bool { _, ok := g.catSet[id]; return ok }

// Sigmas returns the OKS sigmas to use with this dataset: those given in
// the categories' "sigmas" field (dypose extension; every category that has
// them must agree), else COCO's 17 when the keypoint set has 17 entries.
// It fails when the keypoint count is not 17 and no sigmas are given.
func (g *GroundTruth) Sigmas() ([]float64, error) {
	var sig []float64
	for _, c := range g.Categories {
		if len(c.Sigmas) == 0 {
			continue
		}
		if sig != nil && !equalFloats(sig, c.Sigmas) {
			return nil, fmt.Errorf("eval: categories disagree on sigmas (category %d)", c.ID)
		}
		sig = c.Sigmas
	}
	if sig != nil {
		return append([]float64(nil), sig...), nil
	}
	k := g.NumKeypoints()
	if k == 0 || k == len(cocoSigmasX10) {
		return COCOSigmas(), nil
	}
	return nil, fmt.Errorf("eval: ground truth has %d keypoints and no sigmas: give them (category \"sigmas\" or --sigmas)", k)
}

// NumKeypoints returns K, the keypoint count of the dataset: the length of
// the first category keypoint-name list, else a third of the first
// evaluated annotation's keypoint array, else 0.
func (g *GroundTruth) NumKeypoints() int {
	for _, c := range g.Categories {
		if len(c.Keypoints) > 0 {
			return len(c.Keypoints)
		}
	}
	for _, a := range g.Annotations {
		if g.HasImage(a.ImageID) && g.HasCategory(a.CategoryID) {
			return len(a.Keypoints) / 3
		}
	}
	return 0
}

// KeypointNames returns the first category's keypoint names, or "kp0",
// "kp1"… when the file names none.
func (g *GroundTruth) KeypointNames(k int) []string {
	for _, c := range g.Categories {
		if len(c.Keypoints) == k {
			return c.Keypoints
		}
	}
	names := make([]string, k)
	for i := range names {
		names[i] = fmt.Sprintf("kp%d", i)
	}
	return names
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// finite reports the first NaN or infinite value of v.
func finite(v []float64, field string) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s[%d] is %v", field, i, x)
		}
	}
	return nil
}

// decodeJSON unmarshals data into v. A syntax or type error is reported
// with its line and column, and Python's non-standard NaN/Infinity
// literals are named as such.
func decodeJSON(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		if tok := nonFiniteLiteral(data, se.Offset); tok != "" {
			return fmt.Errorf("line %d column %d (offset %d): non-finite number %s is not allowed", line, col, se.Offset, tok)
		}
		return fmt.Errorf("malformed JSON at line %d column %d (offset %d): %w", line, col, se.Offset, err)
	case errors.As(err, &te):
		line, col := lineCol(data, te.Offset)
		return fmt.Errorf("line %d column %d (offset %d): %w", line, col, te.Offset, err)
	default:
		return fmt.Errorf("decode JSON: %w", err)
	}
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// nonFiniteLiteral returns "NaN", "Infinity" or "-Infinity" when such a
// token sits at or just before the syntax-error offset.
func nonFiniteLiteral(data []byte, off int64) string {
	lo := max(off-2, 0)
	hi := min(off+9, int64(len(data)))
	window := data[lo:hi]
	for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
		if bytes.Contains(window, []byte(tok)) {
			return tok
		}
	}
	return ""
}
