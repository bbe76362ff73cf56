// Package coco implements dypose's COCO keypoint data pipeline: it loads
// person_keypoints_*.json and detector boxes, crops people top-down exactly
// as SimpleBaseline (Xiao et al., "Simple Baselines for Human Pose
// Estimation and Tracking", ECCV 2018) and mmpose do, augments them, builds
// Gaussian heatmap targets, and feeds batches from a pool of workers.
// The data format is COCO's (https://cocodataset.org/#format-data).
//
// The package talks in plain structs and []float32, never nn types, so the
// training and evaluation code decides how to wrap the buffers.
//
// # Conventions
//
// A person is cropped from its box through a centre and a scale: the box is
// widened or heightened to the input's aspect ratio (w/h), padded by 1.25
// and measured in units of 200 pixels (BoxToCenterScale). AffineTransform is
// SimpleBaseline's get_affine_transform (with its inv option; shift in
// AffineTransformShift); TransformPoint applies a matrix, so the inverse
// matrix of the heatmap size maps heatmap cells back to image pixels.
// Crops are bilinear with a black border, RGB, normalised with the ImageNet
// mean and std, float32 CHW. The input is 192×256 and the heatmap 48×64 by
// default (DefaultGeometry), both configurable.
//
// # Layout and buffers
//
// Batch.Images is N·3·H·W, Batch.Targets N·K·h·w and Batch.Weights N·K, row
// major. A Cropper owns the Mats it warps into and reuses them; a Loader
// owns its batch buffers and recycles them when the consumer calls Release.
// GenerateTarget and Cropper.Crop write into the caller's slices and
// allocate nothing once warmed up.
//
// # Determinism
//
// Every random choice comes from a seeded math/rand/v2 generator. A
// Loader derives each epoch's order from (seed, epoch) and each sample's
// augmentation from (seed, epoch, index), so its batches are identical
// whatever the number of workers.
//
// # Errors
//
// Buffer sizes that do not match are programmer errors and panic with a
// message that starts with "coco: shape mismatch". Everything from outside
// returns an error that names the file: malformed JSON with its line, column
// and byte offset, a bad annotation with its id. While training, a sample
// whose image is missing or cannot be decoded, or whose augmented box is
// too small to crop, is skipped and counted (Loader.Skipped) rather than
// stopping the run.
//
// # Example
//
//	ds, err := coco.Load("annotations/person_keypoints_train2017.json")
//	samples := coco.AnnotationSamples(ds, "train2017", 192, 256, coco.BoxPadding)
//	aug := coco.DefaultAugmentation()
//	l, err := coco.NewLoader(samples, coco.LoaderOptions{BatchSize: 32, Shuffle: true, Seed: 1,
//		Augment: &aug, Geometry: coco.DefaultGeometry(), Keypoints: ds.Person.Keypoints})
//	defer l.Close()
//	for b, err := l.Next(ctx); err == nil; b, err = l.Next(ctx) {
//		train(b.Images, b.Targets, b.Weights) // N = b.N
//		l.Release(b)
//	}
package coco
