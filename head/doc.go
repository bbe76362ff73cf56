// Package head implements the keypoint heads of dypose: they turn a
// stride-32 backbone feature map into K keypoint heatmaps at stride 4 (64×48
// heatmaps for a 256×192 input), as in SimpleBaseline (Xiao et al., "Simple
// Baselines for Human Pose Estimation and Tracking", ECCV 2018).
//
// # Kinds
//
// DWUp (default) repeats three times: bilinear ×2 upsampling
// (align_corners=False), a 3×3 depthwise conv + BN + activation, a 1×1
// conv to Channels + BN + activation; then a 1×1 conv with bias to K
// heatmaps. Deconv is SimpleBaseline's head: three ConvTranspose 4×4
// stride-2 (no bias) + BN + activation stages of 256 channels, then the
// same final 1×1 conv. The activation is the caller's (ReLU, or DY-ReLU-C,
// which the DY-ReLU paper found best in the keypoint head).
//
// NewLateral builds a DWUp head with lateral connections: the backbone's
// stride-16, 8 and 4 feature maps, each through a 1×1 conv + BN, are added
// to the outputs of stages 0, 1 and 2 (ForwardSkips, BackwardSkips). A
// stride-32 map of a 128×96 crop is 4×3 cells; the laterals give the
// upsampling path the spatial detail back, for 6 % more multiply-adds.
//
// # Names and buffers
//
// Parameters are named as the PyTorch twin (scripts/twin.py) names them,
// relative to the head: "layers.0.1.weight" (stage 0's depthwise conv),
// "deconv_layers.1.running_mean", "final_layer.bias". Layers own their
// buffers: the heatmaps Forward returns stay valid until the next Forward.
// Shape mismatches panic.
//
// # Example
//
//	h := head.New(head.DWUp, 576, 128, 17, func(c int) nn.Layer { return &nn.ReLU{} }, rng)
//	hm := h.Forward(features) // (N,576,8,6) -> (N,17,64,48)
package head
