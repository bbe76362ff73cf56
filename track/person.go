package track

import "github.com/dypose/dypose/detect"

// Person is one person's pose in one frame, the unit that track and render
// exchange with the pose model. It lives here because tracking is what
// gives it an identity; render draws it, and the CLI converts the pose
// model's output into it.
type Person struct {
	// Keypoints holds K joints as x, y, score triples (length 3K), x and y
	// in frame pixels, score in [0, 1] (COCO order for K = 17).
	Keypoints []float32
	// Score is the person's confidence (e.g. box score × mean keypoint score).
	Score float32
	// Box is the detection the pose was estimated in.
	Box detect.Box
	// TrackID is the persistent identity from Tracker, ≥ 1; 0 means untracked.
	TrackID int
}

// NumKeypoints returns K, the number of joints.
func (p *Person) NumKeypoints() int { return len(p.Keypoints) / 3 }
