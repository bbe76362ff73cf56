// Package nn implements the small neural-network engine dypose runs on:
// float32 tensors, the layers of the MobileNetV3 family with forward and
// backward passes, losses, optimisers and safetensors state dicts.
//
// # Tensor layout
//
// Tensors are dense, row-major float32 in NCHW order (batch first), exactly
// as PyTorch stores them, so state dicts move between the two unchanged.
//
// # Buffers
//
// A layer owns its output and scratch buffers: Forward returns a tensor that
// stays valid until the next Forward of the same layer, and Backward returns
// a gradient valid until the next Backward. Buffers are sized on first use
// and reused after, so inference allocates nothing once warmed up.
//
// # Parameters
//
// Params returns named parameters and buffers ({Name, Value, Grad}); names
// follow PyTorch's state_dict keys. Backward adds into Grad; ZeroGrad clears.
// A Param whose Grad is nil is a buffer (BatchNorm running statistics): it is
// saved and loaded but never trained.
//
// # Errors
//
// Shape mismatches are programmer errors and panic with a message that
// starts with errShape and shows the shapes. Anything that comes from
// outside (files, checkpoint keys) returns an error.
//
// # Example
//
//	conv := nn.NewConv2D(3, 16, 3, 2, 1, 1, false, rng)
//	y := conv.Forward(x)          // x (N,3,H,W) -> y (N,16,H/2,W/2)
//	dx := conv.Backward(dy)       // accumulates conv.Weight.Grad
package nn
