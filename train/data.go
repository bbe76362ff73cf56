package train

import (
	"errors"
	"fmt"
	"os"

	"github.com/dypose/dypose/coco"
)

// loadSamples loads a split's annotations and returns its person samples.
func loadSamples(sp coco.Split, g coco.Geometry) (*coco.Dataset, []coco.Sample, error) {
	ds, err := coco.Load(sp.Annotations)
	if err != nil {
		return nil, nil, fmt.Errorf("train: %w", err)
	}
	s := coco.AnnotationSamples(ds, sp.Images, g.InputW, g.InputH, g.BoxPadding)
	if len(s) == 0 {
		return nil, nil, fmt.Errorf("train: %s: no person annotations with keypoints", sp.Annotations)
	}
	// Fail early on a missing image folder's content rather than after an
	// epoch of skipped samples.
	if _, err := os.Stat(s[0].ImagePath); errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("train: %s: image %s is missing", sp.Annotations, s[0].ImagePath)
	}
	return ds, s, nil
}
