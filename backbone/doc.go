// Package backbone implements MobileNetV3-Small and -Large feature
// extractors (Howard et al., "Searching for MobileNetV3", ICCV 2019) as
// torchvision builds them, with the activations of the DY-ReLU paper
// (Chen et al., "Dynamic ReLU", ECCV 2020): Baseline keeps ReLU/h-swish and
// squeeze-and-excitation; DyReLUA/B/C remove SE and replace every ReLU and
// h-swish by DY-ReLU of that variant.
//
// # Layout and names
//
// Tensors are NCHW float32. The network maps (N,3,H,W) to the stride-32
// map (N, 576 or 960 × width, ⌈H/32⌉, ⌈W/32⌉). Parameters carry
// torchvision's state-dict names ("features.0.0.weight",
// "features.1.block.0.0.weight", "features.4.block.2.fc1.bias"), so a
// torchvision ImageNet checkpoint's features.* entries load into a
// Baseline backbone of width 1 unchanged. Channel counts go through
// MakeDivisible(c·width, 8); BN uses eps 1e-3 and momentum 0.01 as
// torchvision does (PyTorch's defaults are 1e-5 and 0.1).
//
// # Buffers and errors
//
// Every layer owns its output and scratch buffers: Forward's result is
// valid until the next Forward, and inference allocates nothing once
// warmed up. Shape mismatches and unknown enum values are programmer
// errors and panic.
//
// # Example
//
//	bb := backbone.New(backbone.DefaultConfig(), rng) // Small, DY-ReLU-C
//	f := bb.Forward(x)                                // (N,3,256,192) -> (N,576,8,6)
//	bb.SetTraining(true)                              // batch statistics, for Backward
package backbone
