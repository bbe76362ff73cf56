// Package synth draws a synthetic COCO-format person keypoint set: small
// JPEG scenes of articulated, human-proportioned figures with the 17 COCO
// keypoints annotated, for testing and smoke-training the pipeline without
// the real data set.
//
// # Figures
//
// Each figure is a posed 3D stick model (joint angles sampled within human
// limits, a random yaw so some face away, a small in-plane roll) projected
// orthographically and drawn with OpenCV far part to near part: a torso, a
// head with hair, limbs as tapered capsules, hands and shoes. The face marks
// (eyes, nose, ears) are drawn only where they face the camera, and the
// limbs of the side nearer the camera are lit brighter than the far side's,
// so front/back and left/right can be told apart. Limbs and heads carry a
// dark contour where they meet anything else (not at their own elbows and
// knees), as occlusion edges show in photographs: an arm across a torso of
// the same cloth is still seen. The cues survive a horizontal flip, as flip
// augmentation and the flip test need. Sizes, positions, palettes and
// backgrounds (gradient, shapes, stripes, blur, sensor noise) vary per
// image; 1 to 4 figures per image, smaller ones drawn first.
//
// # Annotations
//
// The files follow COCO's schema (info, licenses, images, annotations,
// categories with the COCO keypoint names and skeleton). A keypoint is
// v = 2 when the topmost drawn part at its pixel belongs to its own figure
// and carries it; v = 1 when it is hidden by a later figure or by the
// figure itself (an arm behind the torso); v = 0 with x = y = 0 when it
// falls outside the image or is a face mark turned away from the camera
// (COCO's annotators leave the faces of people seen from behind unlabelled:
// no pixel shows where they are). bbox is tight around the
// figure as drawn; area is the figure's pixels left visible; segmentation is
// [] for people. Validation images sometimes carry a crowd of small
// unannotated figures labelled as one iscrowd = 1 region (rectangle
// polygon), to exercise the evaluator's crowd rule.
//
// # Determinism
//
// Image i of a split is drawn from its own generator seeded by (seed,
// split, i), so the output does not depend on the number of workers.
//
// # Example
//
//	st, err := synth.Generate(ctx, synth.Options{Out: "data/synth", Train: 2000, Val: 200, Seed: 1})
//	ds, err := coco.Load("data/synth/annotations/person_keypoints_train.json")
package synth
