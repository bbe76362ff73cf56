// Package pose assembles dypose's top-down pose network — a MobileNetV3
// backbone (package backbone) and a heatmap head (package head) — and
// everything around it: architecture names, checkpoints, heatmap decoding
// and the flip test.
//
// # Architectures and checkpoints
//
// An Arch is parsed from a name such as "mnv3-small-dyrelu-c" (the
// mission: MobileNetV3-Small with DY-ReLU-C, Chen et al., "Dynamic ReLU",
// ECCV 2020), "mnv3-large-baseline-deconv" or "mnv3-small-dyrelu-b-w0.75";
// New builds the model, and Save writes its state dict as safetensors with
// the name, the input size, keypoint names and flip pairs in the metadata
// (keys dypose.*). Load rebuilds a model from such a file; LoadWeights
// loads into an existing model and refuses another architecture
// (ErrArchMismatch). Names are the PyTorch twin's (scripts/twin.py), so
// its exported weights load unchanged.
//
// # Tensors and buffers
//
// Inputs are NCHW float32 crops (N,3,H,W), RGB, ImageNet-normalised;
// heatmaps are (N,K,H/4,W/4). Forward and Predict return buffers owned by
// the model, valid until the next call; inference allocates nothing once
// warmed up. Shape mismatches panic; files and metadata return errors.
//
// # Decoding
//
// Decoder turns heatmaps into keypoints as SimpleBaseline does (argmax,
// quarter-pixel shift toward the larger neighbour) or with DARK's Taylor
// refinement (Zhang et al., CVPR 2020); ToImage maps them back through the
// inverse crop affine. Predict with flip averages the heatmaps of the crop
// and of its mirror image (FlipHorizontal, FlipBack), shifted so that both
// put a joint at the same place (AlignedFlipShift: ¾ of a cell at stride 4,
// where SimpleBaseline shifts a whole cell and lands ⅛ cell right).
//
// # Example
//
//	m, err := pose.Load("model.safetensors")
//	hm := m.Predict(x, true)                  // (1,17,64,48), flip test
//	kps := make([]pose.Keypoint, 17)
//	var d pose.Decoder
//	d.Decode(kps, hm.Data, 17, 64, 48)
//	pose.ToImage(kps, inv, pose.HeatmapStride) // image coordinates
package pose
