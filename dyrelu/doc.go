// Package dyrelu implements Dynamic ReLU (Chen, Dai, Liu, Chen, Yuan, Liu,
// "Dynamic ReLU", ECCV 2020, https://arxiv.org/abs/2003.10027) in its three
// variants, as nn.Layer values with forward and backward passes.
//
// # The function
//
// For x (N,C,H,W), DY-ReLU computes y_c = max_k (a_c^k(x)·x_c + b_c^k(x)),
// k = 1..K (K = 2 in the paper), where the coefficients come from a hyper
// function of the whole input sample, built like a squeeze-and-excitation
// block:
//
//	s  = mean_{h,w} x                      (N, C)
//	o  = fc2(relu(fc1(s)))                 (N, 2K·Cc), Cc = 1 (A) or C (B, C)
//	Δ  = 2σ(o) − 1                         in (−1, 1)
//	a^k = α^k + λa·Δa^k,  b^k = β^k + λb·Δb^k
//
// with α = (1, 0), β = (0, 0), λa = 1, λb = 0.5, so that Δ = 0 is ReLU.
// DY-ReLU-A shares (a^k, b^k) across channels, DY-ReLU-B has them per
// channel, and DY-ReLU-C further scales the output per position by
//
//	π_{h,w} = min(γ·softmax_{h,w}(z/τ), 1),  z = spatial(x) (1×1 conv C → 1)
//
// with τ = 10 and γ = H·W/3, per sample. Since π > 0, π·max_k(·) equals
// max_k(π·(·)), so the layer applies π after the max. At initialisation
// softmax ≈ 1/(H·W), so π ≈ 1/3: a fresh DY-ReLU-C outputs about a third of
// what DY-ReLU-B would.
//
// Sources and choices. The formulas above, the defaults (K, λ, α, β, τ, γ)
// and the coefficient order follow the paper as quoted by several public
// summaries (the full text could not be read while writing this package;
// see notes/dyrelu.md). Its reduction ratio is R = 8 (DefaultReduction).
// No normalisation layer is described inside the hyper function, and there
// is none here. The 1×1 conv of the spatial branch reads the layer's input
// x (dypose's REFERENCE.md). Choices the paper leaves open, made
// identically in scripts/dyrelu_ref.py: the
// bottleneck width is max(C/R, MinHidden) with MinHidden = 4; the weights
// start as PyTorch's nn.Linear/nn.Conv2d defaults (so Δ is small but not 0
// and a fresh layer is close to, not exactly, ReLU); at exact ties the
// gradient splits as PyTorch's autograd splits it (see Backward).
//
// # PyTorch layout
//
// Params are named as the state dict of scripts/dyrelu_ref.py's DyReLU
// module, so such a state dict loads with nn.LoadStateDict:
//
//	fc1.weight      (Hidden, C)      nn.Linear(C, Hidden)
//	fc1.bias        (Hidden)
//	fc2.weight      (2K·Cc, Hidden)  nn.Linear(Hidden, 2K·Cc)
//	fc2.bias        (2K·Cc)
//	spatial.weight  (1, C, 1, 1)     nn.Conv2d(C, 1, 1), variant C only
//	spatial.bias    (1)
//
// fc2's output, viewed as a (2K, Cc) row-major matrix, holds Δa^1..Δa^K in
// rows 0..K−1 and Δb^1..Δb^K in rows K..2K−1 (the paper's order of θ(x)).
//
// # Tensors and buffers
//
// Tensors are float32 NCHW, batch first. The layer owns its output, its
// input gradient and its scratch: Forward's result is valid until the next
// Forward and Backward's until the next Backward. Buffers are sized on
// first use and reused, so inference allocates nothing once warmed up. In
// training mode Forward keeps a reference to x for Backward; in inference
// mode (SetTraining(false)) it keeps nothing and Backward panics.
//
// # Speed
//
// The element loops are C (simd.go), vectorised by GCC, one call per
// worker chunk. At inference a BN-folding Fuse (backbone, head) sets
// Inplace and hands the layer its convolution's bias (FoldInputBias), which
// moves into the channel means, the spatial logits' constant and the
// intercepts: a DY-ReLU-C site then costs one read of x (channel means and
// spatial logits together), the hyper-function (batch-1 FCs as GEMVs) and
// one in-place pass that applies max(a1·x + b1, a2·x + b2)·π.
//
// # Errors
//
// A wrong input shape or an invalid Config passed to New is a programmer
// error and panics; Config.Validate and ParseVariant return errors for
// values that come from outside.
//
// # Example
//
//	act := dyrelu.New(dyrelu.C, 72, dyrelu.DefaultConfig(), rng)
//	y := act.Forward(x)          // x, y (N,72,H,W)
//	dx := act.Backward(dy)       // adds into act.FC1Weight.Grad, ...
//	params, madds := act.Cost(32, 24)
package dyrelu
