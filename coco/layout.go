package coco

import (
	"fmt"
	"os"
	"path/filepath"
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
			return Split{}, fmt.Errorf("coco: data %s: %s found but its image folder %s is missing", dir, c.Annotations, c.Images)
		}
		return c, nil
	}
	return Split{}, fmt.Errorf("coco: data %s: no %s annotations (looked for %s and %s)", dir, split, cands[0].Annotations, cands[1].Annotations)
}
