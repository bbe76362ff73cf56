package coco

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Detection is one box of a detections file in COCO results format
// ([{image_id, category_id, bbox, score}], as COCO_val2017_detections_AP_H_56_person.json).
type Detection struct {
	ImageID    int64
	CategoryID int
	BBox       [4]float64 // x, y, w, h
	Score      float64
}

// LoadDetections reads a COCO results-format detections file, keeping the
// boxes whose score is at least scoreThr (SimpleBaseline's image_thre; its
// configs use 0). The file is stream-decoded one entry at a time.
func LoadDetections(path string, scoreThr float64) ([]Detection, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("coco: load detections: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("coco: load detections: %w", err)
	}
	return loadDetections(f, st.Size(), path, scoreThr)
}

// loadDetections is LoadDetections on the size bytes of an open file; name
// is the path its errors give.
func loadDetections(r io.ReaderAt, size int64, name string, scoreThr float64) ([]Detection, error) {
	dec := json.NewDecoder(readBuffered(r, size))
	var dets []Detection
	err := decodeArray(dec, func() error {
		var d struct {
			ImageID    *int64    `json:"image_id"`
			CategoryID int       `json:"category_id"`
			BBox       []float64 `json:"bbox"`
			Score      *float64  `json:"score"`
		}
		if err := decodeValue(dec, &d); err != nil {
			return at(dec, err)
		}
		n := len(dets)
		switch {
		case d.ImageID == nil:
			return fmt.Errorf("detection %d: no image_id", n)
		case d.Score == nil:
			return fmt.Errorf("detection %d: no score", n)
		case len(d.BBox) != 4:
			return fmt.Errorf("detection %d: bbox has %d values, want 4", n, len(d.BBox))
		}
		if *d.Score >= scoreThr {
			dets = append(dets, Detection{ImageID: *d.ImageID, CategoryID: d.CategoryID,
				BBox: [4]float64(d.BBox), Score: *d.Score})
		}
		return nil
	})
	if err == nil {
		_, err = dec.Token()
		if err == nil {
			err = &posError{offset: dec.InputOffset(), err: errors.New("data after the detections array")}
		} else if errors.Is(err, io.EOF) {
			err = nil
		} else {
			err = at(dec, err)
		}
	}
	if err != nil {
		return nil, fileError(r, name, err)
	}
	return dets, nil
}
