package render

import "fmt"

// Side says which half of the body a keypoint belongs to, for colouring.
type Side int

const (
	Center Side = iota // on the body's midline (nose) or a limb joining both sides
	Left               // the person's own left
	Right              // the person's own right
)

// Skeleton describes how to join a keypoint set into limbs.
type Skeleton struct {
	// Links are limb endpoints as 1-based keypoint indices, as in the
	// "skeleton" field of COCO's person category.
	Links [][2]int
	// Sides holds the side of each keypoint (0-based); its length is K.
	Sides []Side
}

// COCOSkeleton returns the 19 limbs of COCO's person category over its 17
// keypoints (nose, then left/right eyes, ears, shoulders, elbows, wrists,
// hips, knees, ankles).
func COCOSkeleton() Skeleton {
	sides := make([]Side, 17)
	for j := 1; j < 17; j++ { // after the nose, keypoints alternate left, right
		sides[j] = Left
		if j%2 == 0 {
			sides[j] = Right
		}
	}
	return Skeleton{
		Links: [][2]int{
			{16, 14}, {14, 12}, {17, 15}, {15, 13}, {12, 13}, {6, 12}, {7, 13},
			{6, 7}, {6, 8}, {7, 9}, {8, 10}, {9, 11}, {2, 3}, {1, 2}, {1, 3},
			{2, 4}, {3, 5}, {4, 6}, {5, 7},
		},
		Sides: sides,
	}
}

// validate checks that every link names two distinct keypoints in 1..K.
func (s Skeleton) validate() error {
	k := len(s.Sides)
	if k == 0 {
		return fmt.Errorf("skeleton has no keypoints")
	}
	for i, l := range s.Links {
		if l[0] < 1 || l[0] > k || l[1] < 1 || l[1] > k || l[0] == l[1] {
			return fmt.Errorf("skeleton link %d %v is not two keypoints in 1..%d", i, l, k)
		}
	}
	for j, side := range s.Sides {
		if side != Center && side != Left && side != Right {
			return fmt.Errorf("skeleton keypoint %d has unknown side %d", j, side)
		}
	}
	return nil
}

// linkSide is Left or Right when both ends are on that side, else Center.
func (s Skeleton) linkSide(l [2]int) Side {
	a, b := s.Sides[l[0]-1], s.Sides[l[1]-1]
	if a == b {
		return a
	}
	return Center
}
