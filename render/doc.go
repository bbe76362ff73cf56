// Package render implements the drawing of poses onto video frames:
// skeletons with keypoints coloured by confidence, left and right limbs in
// distinct hues, optional boxes labelled with score and track id, and a
// text overlay with a frame-rate and latency meter.
//
// # Frames and ownership
//
// Frames are gocv Mats in BGR order, drawn on in place. A Renderer holds no
// Mats and creates none, so drawing every frame allocates no Mat (and, with
// boxes off, no Go memory either); the caller owns and closes its frames.
// Colours are given as color.RGBA and converted by gocv.
//
// # Skeletons
//
// A Skeleton lists limbs as 1-based keypoint pairs, exactly as the
// "skeleton" of a COCO category, and the body side of each keypoint.
// COCOSkeleton is COCO's 19-limb person skeleton over its 17 keypoints.
// A limb is drawn only when both its ends reach Style.KeypointThreshold; a
// keypoint below it is not drawn. Keypoint colours run along a viridis-like
// colormap from the threshold (dark violet) to score 1 (yellow).
//
// # Errors
//
// NewRenderer and NewMeter return errors for bad styles and settings. Draw
// panics when a person has fewer keypoints than the skeleton (a model and
// style that do not belong together).
//
// # Example
//
//	r, err := render.NewRenderer(render.DefaultStyle())
//	if err != nil { return err }
//	r.Draw(&frame, people) // []track.Person
//	meter.Add(sinceLastFrame, latency)
//	r.DrawText(&frame, string(meter.Format(buf[:0])))
package render
