package coco

import (
	"fmt"
	"slices"
	"strings"
)

// KeypointInfo describes a keypoint set as read from a category of the
// annotation file: names in channel order, the skeleton and what the
// pipeline derives from the names.
type KeypointInfo struct {
	Names []string
	// Skeleton holds limbs as 0-based keypoint indices (the file stores
	// them 1-based; Load converts).
	Skeleton [][2]int
	// FlipPairs pairs each "left_X" with its "right_X" (left first); a
	// horizontal flip swaps the two channels of every pair.
	FlipPairs [][2]int
	// Upper marks upper-body keypoints for the half-body augmentation.
	// Derived from the names: a keypoint is lower-body when its name names a
	// hip, knee, ankle or foot part (see isLowerBody), upper-body
	// otherwise. For COCO's 17 names this gives SimpleBaseline's ids 0–10.
	Upper []bool
	// Sigmas are the per-keypoint OKS constants (already divided by 10, as
	// pycocotools uses them). Filled with COCO's values when the names are
	// COCO's 17; nil otherwise (the evaluator must then be given them).
	Sigmas []float64
}

// K returns the number of keypoints.
func (k KeypointInfo) K() int { return len(k.Names) }

// isLowerBody reports whether a keypoint name names a lower-body part, for
// the half-body split.
func isLowerBody(name string) bool {
	for _, w := range []string{"hip", "knee", "ankle", "foot", "heel", "toe", "leg", "thigh"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// NewKeypointInfo builds the info for names and a 0-based skeleton,
// deriving FlipPairs, Upper and (for COCO's names) Sigmas. It returns an
// error for duplicate names, a skeleton index out of range, or a left_/right_
// name without its partner.
func NewKeypointInfo(names []string, skeleton [][2]int) (KeypointInfo, error) {
	info := KeypointInfo{
		Names:    append([]string(nil), names...),
		Skeleton: append([][2]int(nil), skeleton...),
		Upper:    make([]bool, len(names)),
	}
	index := make(map[string]int, len(names))
	for i, n := range names {
		if _, dup := index[n]; dup {
			return KeypointInfo{}, fmt.Errorf("coco: keypoint name %q appears twice", n)
		}
		index[n] = i
	}
	for _, l := range skeleton {
		if l[0] < 0 || l[0] >= len(names) || l[1] < 0 || l[1] >= len(names) {
			return KeypointInfo{}, fmt.Errorf("coco: skeleton limb %v out of range for %d keypoints", l, len(names))
		}
	}
	for i, n := range names {
		info.Upper[i] = !isLowerBody(n)
		if rest, ok := strings.CutPrefix(n, "left_"); ok {
			j, ok := index["right_"+rest]
			if !ok {
				return KeypointInfo{}, fmt.Errorf("coco: keypoint %q has no right_%s partner", n, rest)
			}
			info.FlipPairs = append(info.FlipPairs, [2]int{i, j})
		} else if rest, ok := strings.CutPrefix(n, "right_"); ok {
			if _, ok := index["left_"+rest]; !ok {
				return KeypointInfo{}, fmt.Errorf("coco: keypoint %q has no left_%s partner", n, rest)
			}
		}
	}
	if slices.Equal(names, COCONames()) {
		info.Sigmas = COCOSigmas()
	}
	return info, nil
}

// COCOKeypoints returns the info of COCO's 17 person keypoints.
func COCOKeypoints() KeypointInfo {
	info, err := NewKeypointInfo(COCONames(), COCOSkeleton())
	if err != nil {
		panic("coco: built-in COCO keypoints: " + err.Error())
	}
	return info
}

// COCONames returns COCO's 17 person keypoint names in channel order.
func COCONames() []string {
	return []string{
		"nose", "left_eye", "right_eye", "left_ear", "right_ear",
		"left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
		"left_wrist", "right_wrist", "left_hip", "right_hip",
		"left_knee", "right_knee", "left_ankle", "right_ankle",
	}
}

// COCOSkeleton returns COCO's 19 person limbs, 0-based (the annotation
// files store the same list 1-based).
func COCOSkeleton() [][2]int {
	return [][2]int{
		{15, 13}, {13, 11}, {16, 14}, {14, 12}, {11, 12}, {5, 11}, {6, 12},
		{5, 6}, {5, 7}, {6, 8}, {7, 9}, {8, 10}, {1, 2}, {0, 1}, {0, 2},
		{1, 3}, {2, 4}, {3, 5}, {4, 6},
	}
}

// COCOSigmas returns pycocotools' OKS sigmas for the 17 COCO keypoints
// (the published values divided by 10).
func COCOSigmas() []float64 {
	return []float64{
		.026, .025, .025, .035, .035, .079, .079, .072, .072,
		.062, .062, .107, .107, .087, .087, .089, .089,
	}
}

// FlipJoints mirrors joints of an image width pixels wide, as SimpleBaseline's
// fliplr_joints does: x ← width − x − 1, the channels of every flip pair
// swapped, and unlabelled joints (v = 0) zeroed. joints is changed in place.
func FlipJoints(joints [][3]float32, width int, pairs [][2]int) {
	for i := range joints {
		joints[i][0] = float32(width) - joints[i][0] - 1
	}
	for _, p := range pairs {
		joints[p[0]], joints[p[1]] = joints[p[1]], joints[p[0]]
	}
	for i := range joints {
		if joints[i][2] <= 0 {
			joints[i] = [3]float32{}
		}
	}
}
