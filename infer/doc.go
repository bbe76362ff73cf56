// Package infer runs top-down pose estimation on whole images: person boxes
// in, people with keypoints in image pixels out.
//
// For each box it does what training and evaluation do (coco.BoxToCenterScale
// with the model's input aspect, coco.Cropper), runs the crops of one image
// through the model as one batch (pose.Model.Predict, optionally with the flip
// test), decodes the heatmaps (pose.Decoder: argmax with the quarter-pixel
// shift, or DARK), maps them back with the inverse crop affine, rescores
// each person (box score × mean keypoint score above 0.2) and applies
// OKS-NMS at 0.9, as SimpleBaseline does before evaluation (eval.Rescore,
// eval.OKSNMS).
//
// An Estimator owns its buffers and is reused frame after frame; it is not
// safe for concurrent use. A server that estimates in several goroutines at
// once gives each its own Estimator over its own pose.Load of the model:
// NewEstimator folds the model's BatchNorms in place, and the model keeps
// its activations between layers.
//
//	m, _ := pose.Load("models/mnv3-small-dyrelu-c-synth.safetensors")
//	est, _ := infer.NewEstimator(m, infer.Options{Flip: true})
//	defer est.Close()
//	people, _ := est.Estimate(img, boxes) // img: BGR gocv.Mat
package infer
