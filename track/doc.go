// Package track implements what turns per-frame poses into a steady video
// overlay: a tracker that gives each person a persistent id across frames,
// the One-Euro filter that removes keypoint jitter, and the box
// propagation that lets the pose model run without a detector on most
// frames.
//
// # People
//
// Person (keypoints as K×3 x, y, score in frame pixels, a score, the box it
// was estimated in, a track id) is the plain struct that the pose model's
// output is converted into and that package render draws. It lives here,
// not in detect or render, because the track id is this package's.
//
// # Tracking
//
// Tracker.Update matches people to the previous frame's tracks greedily by
// box IoU or keypoint OKS (COCO's object keypoint similarity with
// pycocotools' sigmas; see cocodataset.org/#keypoints-eval), opens tracks
// with new ids for the rest and expires tracks unmatched for MaxMissed
// frames. With TrackerOptions.Smooth set, each track's keypoints are
// One-Euro filtered (Casiez, Roussel & Vogel, CHI 2012,
// https://gery.casiez.net/1euro/) using the frame timestamps, so uneven
// frame rates are handled.
//
// # Box propagation
//
// BoxFromKeypoints gives the next frame's box from the current pose (the
// bounds of its confident keypoints, enlarged and clipped), for running the
// detector only every N frames.
//
// # Errors
//
// Bad options and people whose keypoints do not fit the tracker return
// errors; a PoseFilter or BoxFromKeypoints given keypoints of the wrong
// length panics (a programmer error).
//
// # Example
//
//	tr, err := track.NewTracker(track.DefaultTrackerOptions())
//	if err != nil { return err }
//	for frame, t := range frames {          // t in seconds
//		people := estimate(frame)            // []track.Person
//		if err := tr.Update(people, t); err != nil { return err }
//		// people[i].TrackID is now set (and keypoints smoothed if asked)
//	}
package track
