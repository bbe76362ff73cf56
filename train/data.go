package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dypose/dypose/coco"
)

// Split is one split of a COCO-layout data set: its annotation file and
// the folder its images' file_names are relative to.
type Split struct {
	Annotations string
	Images      string
}

// FindSplit locates split ("train" or "val") in dir. Two layouts are
// accepted, tried in this order:
//
//	dir/annotations/person_keypoints_<split>.json     + dir/images/<split>/   (keypoints synth)
//	dir/annotations/person_keypoints_<split>2017.json + dir/<split>2017/      (COCO 2017)
func FindSplit(dir, split string) (Split, error) {
	cands := []Split{
		{filepath.Join(dir, "annotations", "person_keypoints_"+split+".json"), filepath.Join(dir, "images", split)},
		{filepath.Join(dir, "annotations", "person_keypoints_"+split+"2017.json"), filepath.Join(dir, split+"2017")},
	}
	for _, c := range cands {
		if _, err := os.Stat(c.Annotations); err != nil {
			continue
		}
		st, err := os.Stat(c.Images)
		if err != nil || !st.IsDir() {
			return Split{}, fmt.Errorf("train: data %s: %s found but its image folder %s is missing", dir, c.Annotations, c.Images)
		}
		return c, nil
	}
	return Split{}, fmt.Errorf("train: data %s: no %s annotations (looked for %s and %s)", dir, split, cands[0].Annotations, cands[1].Annotations)
}

// loadSamples loads a split's annotations and returns its person samples.
func loadSamples(sp Split, g coco.Geometry) (*coco.Dataset, []coco.Sample, error) {
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
