package dyrelu

import (
	"fmt"
	"math/rand/v2"
	"runtime"

	"github.com/dypose/dypose/nn"
)

const errShape = "dyrelu: shape mismatch"

// planeGrain is the number of elements below which splitting work across
// goroutines costs more than it saves (a goroutine start is about 1 µs;
// the apply loop runs at roughly 1 ns per element).
const planeGrain = 16 << 10

// DyReLU is a dynamic ReLU layer, y = max_k(a^k(x)·x + b^k(x)) (times the
// spatial attention π for variant C), on x (N,C,H,W) → y (N,C,H,W).
//
// The coefficients come from a hyper function of the whole input: global
// average pool (N,C) → FC1 (C → Hidden) → ReLU → FC2 (Hidden → 2K·Cc) →
// Δ = 2σ(·)−1, with Cc = 1 for A and C for B and C. FC2's outputs, read as a
// (2K, Cc) row-major matrix, are Δa^1..Δa^K then Δb^1..Δb^K. Then
// a^k = α^k + λa·Δa^k and b^k = β^k + λb·Δb^k. Variant C multiplies the
// result by π_{h,w} = min(γ·softmax_{h,w}(z/τ), 1), z = 1×1 conv of x to one
// channel, γ = H·W/GammaDivisor, per sample.
type DyReLU struct {
	Variant  Variant
	Channels int    // C
	Hidden   int    // width of the hyper function's bottleneck
	Config   Config // read-only after New: the buffers and Params are sized from it

	FC1Weight, FC1Bias         *nn.Param // "fc1.weight" (Hidden, C), "fc1.bias" (Hidden)
	FC2Weight, FC2Bias         *nn.Param // "fc2.weight" (2K·Cc, Hidden), "fc2.bias" (2K·Cc)
	SpatialWeight, SpatialBias *nn.Param // C only: "spatial.weight" (1, C, 1, 1), "spatial.bias" (1)

	// Training makes Forward keep its input for Backward. New layers train,
	// as PyTorch modules do; SetTraining(false) for inference.
	Training bool
	// Inplace makes an inference Forward write y over x, as nn's in-place
	// activations do: one buffer less to stream through the cache. Ignored
	// while Training (Backward needs x). Set it only where x is not read
	// again (after a convolution whose output feeds only this layer).
	Inplace bool
	// Activity, when not nil (length Hidden), counts for each unit of the
	// hyper function's hidden layer the samples whose Forward activated it
	// (a positive input to its ReLU), in training and inference alike; nil
	// counts nothing. A unit that no input activates passes no gradient to
	// fc1, so once dead it stays dead, and the coefficients lose its share
	// of their dependence on the input (notes/dyrelu.md, "Dead hyper-function
	// units").
	Activity []int64

	// State of the last Forward. The buffers are sized on first use and
	// reused; only x differs between modes (nil after an inference Forward).
	x      *nn.Tensor
	y      *nn.Tensor
	n, p   int       // batch and H·W of the last Forward
	gamma  float32   // γ of the last Forward
	pooled []float32 // (N, C) channel means
	hid    []float32 // (N, Hidden) after ReLU
	sig    []float32 // (N, 2K·Cc) σ(FC2 output)
	coef   []float32 // (N, 2K, Cc): a^1..a^K, b^1..b^K
	soft   []float32 // (N, H·W) softmax(z/τ); z is computed here first
	pi     []float32 // (N, H·W) spatial attention
	zPart  []float32 // (parts, N, H·W) partial spatial logits of poolSpatial
	parts  int       // channel groups of the last poolSpatial

	// Set by FoldInputBias: the per-channel bias the layer adds to its
	// input, the spatial bias with Σ ws·inBias taken in, and the applied
	// coefficients b^k + a^k·inBias (coef keeps the layer's own).
	inBias []float32
	zBias  float32
	acoef  []float32

	// Backward scratch.
	dx      *nn.Tensor
	dcoefP  []float32 // (N, C, 2K) per-plane sums of the coefficient gradients
	dsig    []float32 // (N, 2K·Cc) gradient of FC2's output
	dhid    []float32 // (N, Hidden)
	dpooled []float32 // (N, C)
	dz      []float32 // (N, H·W) gradient of z
	dwsP    []float32 // (N, C) per-plane Σ dz·x for spatial.weight
	dy      *nn.Tensor

	// Method values made once in New so that handing them to
	// nn.ParallelFor allocates nothing per call.
	poolFn, poolSpatialFn, applyFn, dpiFn, planeBackFn, poolBackFn func(lo, hi int)
}

// New returns a DY-ReLU layer of the given variant for `channels` channels,
// with weights initialised as PyTorch initialises nn.Linear and nn.Conv2d
// (U(±1/√fanIn) for weights and biases), drawn from rng in state-dict order.
// An invalid cfg is a programmer error and panics; check Config.Validate
// first when cfg comes from outside.
func New(v Variant, channels int, cfg Config, rng *rand.Rand) *DyReLU {
	if err := cfg.Validate(); err != nil {
		panic(err.Error())
	}
	if v < A || v > C {
		panic(fmt.Sprintf("dyrelu: New: unknown variant %d", int(v)))
	}
	if channels < 1 {
		panic(fmt.Sprintf("%s: New: %d channels", errShape, channels))
	}
	d := &DyReLU{Variant: v, Channels: channels, Hidden: cfg.Hidden(channels), Config: cfg.clone(), Training: true}
	m := 2 * cfg.K * d.cc()
	d.FC1Weight = nn.NewParam("fc1.weight", d.Hidden, channels)
	d.FC1Bias = nn.NewParam("fc1.bias", d.Hidden)
	d.FC2Weight = nn.NewParam("fc2.weight", m, d.Hidden)
	d.FC2Bias = nn.NewParam("fc2.bias", m)
	nn.KaimingUniform(d.FC1Weight.Value, channels, rng)
	nn.KaimingUniform(d.FC1Bias.Value, channels, rng)
	nn.KaimingUniform(d.FC2Weight.Value, d.Hidden, rng)
	nn.KaimingUniform(d.FC2Bias.Value, d.Hidden, rng)
	if v == C {
		d.SpatialWeight = nn.NewParam("spatial.weight", 1, channels, 1, 1)
		d.SpatialBias = nn.NewParam("spatial.bias", 1)
		nn.KaimingUniform(d.SpatialWeight.Value, channels, rng)
		nn.KaimingUniform(d.SpatialBias.Value, channels, rng)
	}
	d.poolFn = d.poolRange
	d.poolSpatialFn = d.poolSpatialRange
	d.applyFn = d.applyRange
	d.dpiFn = d.dpiRange
	d.planeBackFn = d.planeBackRange
	d.poolBackFn = d.poolBackRange
	return d
}

// cc is the number of channel groups with their own coefficients.
func (d *DyReLU) cc() int {
	if d.Variant == A {
		return 1
	}
	return d.Channels
}

// Params returns fc1.weight, fc1.bias, fc2.weight, fc2.bias and, for
// variant C, spatial.weight and spatial.bias: the keys of the PyTorch twin
// in scripts/dyrelu_ref.py.
func (d *DyReLU) Params() []*nn.Param {
	ps := []*nn.Param{d.FC1Weight, d.FC1Bias, d.FC2Weight, d.FC2Bias}
	if d.Variant == C {
		ps = append(ps, d.SpatialWeight, d.SpatialBias)
	}
	return ps
}

// SetTraining switches between training (Forward keeps its input for
// Backward) and inference (Forward keeps nothing).
func (d *DyReLU) SetTraining(on bool) {
	d.Training = on
	if !on {
		d.x = nil
	}
}

// SetInplace sets Inplace; inference-only model builders (a BN-folding
// Fuse) call it through a one-method interface.
func (d *DyReLU) SetInplace(on bool) { d.Inplace = on }

// FoldInputBias makes the layer compute DY-ReLU(x + bias[c]) from x: a
// preceding convolution's bias (BatchNorm folded in) is taken over, so that
// the convolution need not write it into its output first. The bias moves
// into the channel means, the spatial logits' constant and the intercepts
// b^k + a^k·bias, all O(C) per sample. Inference only: Forward panics in
// training mode. It reports false, taking nothing, for variant A, whose
// coefficients are shared by all channels.
func (d *DyReLU) FoldInputBias(bias []float32) bool {
	if d.Variant == A {
		return false
	}
	if len(bias) != d.Channels {
		panic(fmt.Sprintf("%s: DyReLU(%d channels).FoldInputBias: %d biases", errShape, d.Channels, len(bias)))
	}
	d.inBias = append([]float32(nil), bias...)
	if d.Variant == C {
		z := float64(d.SpatialBias.Value.Data[0])
		for ch, w := range d.SpatialWeight.Value.Data {
			z += float64(w) * float64(bias[ch])
		}
		d.zBias = float32(z)
	}
	return true
}

// Coefficients returns the coefficients of the last Forward as a (N, 2K, Cc)
// row-major slice: a^1..a^K then b^1..b^K, Cc = 1 for A and C otherwise.
// It is the layer's buffer, valid until the next Forward.
func (d *DyReLU) Coefficients() []float32 { return d.coef }

// Attention returns π (N, H·W) of the last variant-C Forward (the layer's
// buffer, valid until the next Forward), or nil for A and B.
func (d *DyReLU) Attention() []float32 {
	if d.Variant != C {
		return nil
	}
	return d.pi
}

// Forward computes y (N,C,H,W) for x (N,C,H,W). y is the layer's buffer,
// valid until the next Forward. In training mode x is kept (not copied) for
// Backward, so the caller must not change it in between.
func (d *DyReLU) Forward(x *nn.Tensor) *nn.Tensor {
	n, c, h, w := x.Dims4()
	if c != d.Channels || h*w == 0 {
		panic(fmt.Sprintf("%s: DyReLU(%d channels).Forward: x %v", errShape, d.Channels, x.Shape))
	}
	d.x = x // for the kernels; cleared below in inference mode
	d.n, d.p = n, h*w
	d.gamma = float32(float64(d.p) / float64(d.Config.GammaDivisor))
	m := 2 * d.Config.K * d.cc()
	d.pooled = grow(d.pooled, n*c)
	d.hid = grow(d.hid, n*d.Hidden)
	d.sig = grow(d.sig, n*m)
	d.coef = grow(d.coef, n*m)
	if d.Inplace && !d.Training {
		d.y = x
	} else {
		if d.y == x { // the last Forward ran in place: x is not ours
			d.y = nil
		}
		d.y = nn.Ensure(d.y, n, c, h, w)
	}

	if d.inBias != nil && d.Training {
		panic("dyrelu: Forward in training mode after FoldInputBias (an inference-only fold)")
	}
	if d.Variant == C {
		d.soft = grow(d.soft, n*d.p)
		d.pi = grow(d.pi, n*d.p)
		d.poolSpatial()
	} else {
		nn.ParallelFor(n*c, d.planesPerChunk(), d.poolFn)
	}
	if d.inBias != nil {
		for i := range d.pooled[:n*c] {
			d.pooled[i] += d.inBias[i%c]
		}
	}
	d.hyper()
	if d.Variant == C {
		d.attention()
	}
	if d.inBias != nil {
		d.foldCoef()
	}
	nn.ParallelFor(n*c, d.planesPerChunk(), d.applyFn)
	if !d.Training {
		d.x = nil
	}
	return d.y
}

// planesPerChunk is the smallest number of (n, c) planes worth a goroutine.
func (d *DyReLU) planesPerChunk() int { return planeGrain/d.p + 1 }

// poolRange writes the means of planes [lo, hi) of x into pooled.
func (d *DyReLU) poolRange(lo, hi int) {
	p, x := d.p, d.x.Data
	for i := lo; i < hi; i++ {
		d.pooled[i] = mean(x[i*p : (i+1)*p])
	}
}

// hyper runs the hyper function on pooled: hid = relu(pooled·W1ᵀ + b1),
// sig = σ(hid·W2ᵀ + b2), coef = α|β + λ·(2·sig − 1). It is tiny (at most
// N·(C·Hidden + Hidden·2KC) multiply-adds) and runs on one goroutine.
func (d *DyReLU) hyper() {
	n, c, hd := d.n, d.Channels, d.Hidden
	k, cc := d.Config.K, d.cc()
	m := 2 * k * cc
	linear(d.hid, d.pooled, d.FC1Weight.Value.Data, d.FC1Bias.Value.Data, n, c, hd)
	for i, v := range d.hid {
		if v < 0 { // ReLU; NaN passes, as in torch
			d.hid[i] = 0
		}
	}
	if d.Activity != nil {
		d.countActive()
	}
	linear(d.sig, d.hid, d.FC2Weight.Value.Data, d.FC2Bias.Value.Data, n, hd, m)
	for s := 0; s < n; s++ {
		for j := 0; j < 2*k; j++ {
			init, lambda := d.initLambda(j)
			rows := (s*2*k + j) * cc
			sigmoidCoefC(d.sig[rows:rows+cc], d.coef[rows:rows+cc], init, lambda)
		}
	}
}

// countActive adds the units the last batch activated to Activity.
func (d *DyReLU) countActive() {
	if len(d.Activity) != d.Hidden {
		panic(fmt.Sprintf("dyrelu: Activity has %d counters for %d hidden units", len(d.Activity), d.Hidden))
	}
	for s := range d.n {
		for j, v := range d.hid[s*d.Hidden : (s+1)*d.Hidden] {
			if v > 0 {
				d.Activity[j]++
			}
		}
	}
}

// foldCoef writes acoef: coef with each intercept b^k replaced by
// b^k + a^k·inBias, so that the activation of x equals that of x + inBias.
func (d *DyReLU) foldCoef() {
	k, cc := d.Config.K, d.cc()
	d.acoef = grow(d.acoef, len(d.coef))
	copy(d.acoef, d.coef)
	for s := range d.n {
		for j := range k {
			a := d.coef[(s*2*k+j)*cc : (s*2*k+j+1)*cc]
			b := d.acoef[(s*2*k+k+j)*cc : (s*2*k+k+j+1)*cc]
			for ch, v := range a {
				b[ch] += v * d.inBias[ch]
			}
		}
	}
}

// applied returns the coefficients the activation applies to x.
func (d *DyReLU) applied() []float32 {
	if d.inBias != nil {
		return d.acoef
	}
	return d.coef
}

// initLambda returns (α^j, λa) for slope rows j < K and (β^{j−K}, λb) for
// intercept rows.
func (d *DyReLU) initLambda(j int) (init, lambda float32) {
	if k := d.Config.K; j >= k {
		return d.Config.InitBeta[j-k], d.Config.LambdaB
	}
	return d.Config.InitAlpha[j], d.Config.LambdaA
}

// poolSpatial computes the channel means (pooled) and the spatial logits z
// (into soft) in one pass over x: each of `parts` channel groups reads its
// planes once, adding each into the group's partial z while summing it,
// and the partial z are then added up. Planes are contiguous, so each
// group streams its share of x once (a split by position would read every
// plane in short strided pieces).
func (d *DyReLU) poolSpatial() {
	n, p, c := d.n, d.p, d.Channels
	d.parts = max(1, min(runtime.GOMAXPROCS(0), n*c*p/planeGrain, c))
	d.zPart = grow(d.zPart, d.parts*n*p)
	nn.ParallelFor(d.parts, 1, d.poolSpatialFn)
	bs := d.SpatialBias.Value.Data[0]
	if d.inBias != nil {
		bs = d.zBias
	}
	for i := range d.soft[:n*p] {
		z := bs
		for g := range d.parts {
			z += d.zPart[g*n*p+i]
		}
		d.soft[i] = z
	}
}

// poolSpatialRange runs channel groups [lo, hi) of poolSpatial.
func (d *DyReLU) poolSpatialRange(lo, hi int) {
	n, p, c, x := d.n, d.p, d.Channels, d.x.Data
	ws := d.SpatialWeight.Value.Data
	for g := lo; g < hi; g++ {
		c0, c1 := g*c/d.parts, (g+1)*c/d.parts
		for s := range n {
			poolSpatialC(d.zPart[(g*n+s)*p:(g*n+s+1)*p], d.pooled[s*c:(s+1)*c], ws, x[s*c*p:(s+1)*c*p], p, c0, c1)
		}
	}
}

// attention turns z (in soft) into soft = softmax(z/τ) and
// π = min(γ·soft, 1), per sample.
func (d *DyReLU) attention() {
	p := d.p
	for s := 0; s < d.n; s++ {
		attentionC(d.soft[s*p:(s+1)*p], d.pi[s*p:(s+1)*p], d.Config.Tau, d.gamma)
	}
}

// applyRange writes y for planes [lo, hi).
func (d *DyReLU) applyRange(lo, hi int) {
	p, c, k, cc := d.p, d.Channels, d.Config.K, d.cc()
	x, y := d.x.Data, d.y.Data
	if k == 2 {
		var pi []float32
		if d.Variant == C {
			pi = d.pi
		}
		applyPlanesC(y, x, pi, d.applied(), p, c, cc, lo, hi)
		return
	}
	var ab [2 * maxStackK]float32
	for i := lo; i < hi; i++ {
		s, ch := i/c, i%c
		coef := planeCoef(ab[:0], d.applied(), s, ch%cc, k, cc)
		src, dst := x[i*p:(i+1)*p], y[i*p:(i+1)*p]
		var pi []float32
		if d.Variant == C {
			pi = d.pi[s*p : (s+1)*p]
		}
		applyK(dst, src, pi, coef[:k], coef[k:])
	}
}

// maxStackK is the largest K whose coefficients fit the kernels' stack
// arrays; larger K still works but allocates per plane.
const maxStackK = 8

// planeCoef appends a^1..a^K, b^1..b^K of sample s, channel group g of
// the (N, 2K, cc) coefficients coef to dst.
func planeCoef(dst, coef []float32, s, g, k, cc int) []float32 {
	for j := 0; j < 2*k; j++ {
		dst = append(dst, coef[(s*2*k+j)*cc+g])
	}
	return dst
}

// Backward takes dL/dy (N,C,H,W) for the last training-mode Forward, adds
// the weight gradients into each Param.Grad and returns dL/dx, a buffer
// valid until the next Backward. Gradients follow PyTorch's autograd: at an
// exact tie between two pieces (torch.maximum) each gets half; at
// γ·softmax = 1 the clamp passes the gradient; ReLU passes none at 0.
func (d *DyReLU) Backward(dy *nn.Tensor) *nn.Tensor {
	if d.x == nil {
		panic("dyrelu: Backward without a training-mode Forward")
	}
	if !dy.SameShape(d.y) {
		panic(fmt.Sprintf("%s: DyReLU.Backward: dy %v, y %v", errShape, dy.Shape, d.y.Shape))
	}
	n, c, p, k := d.n, d.Channels, d.p, d.Config.K
	d.dy = dy
	d.dx = nn.Ensure(d.dx, d.x.Shape...)
	d.dcoefP = grow(d.dcoefP, n*c*2*k)
	if d.Variant == C {
		d.dz = grow(d.dz, n*p)
		d.dwsP = grow(d.dwsP, n*c)
		nn.ParallelFor(n*p, planeGrain/c+1, d.dpiFn)
		d.attentionBackward()
	}
	nn.ParallelFor(n*c, d.planesPerChunk(), d.planeBackFn)
	d.hyperBackward()
	nn.ParallelFor(n*c, d.planesPerChunk(), d.poolBackFn)
	d.dy = nil
	return d.dx
}

// dpiRange computes dL/dπ = Σ_c dy·max_k(·) for flat positions [lo, hi) of
// (N, H·W) into dz (turned into dL/dz by attentionBackward).
func (d *DyReLU) dpiRange(lo, hi int) {
	p, c, k, cc := d.p, d.Channels, d.Config.K, d.cc()
	x, dy := d.x.Data, d.dy.Data
	var ab [2 * maxStackK]float32
	for lo < hi {
		s, q0 := lo/p, lo%p
		q1 := min(p, q0+hi-lo)
		dpi := d.dz[s*p+q0 : s*p+q1]
		if k == 2 {
			dpiC(dpi, x, dy, d.coef, p, c, cc, s, q0, q1)
			lo += q1 - q0
			continue
		}
		clear(dpi)
		for ch := 0; ch < c; ch++ {
			coef := planeCoef(ab[:0], d.coef, s, ch%cc, k, cc)
			off := (s*c+ch)*p + q0
			dotMax(dpi, dy[off:off+len(dpi)], x[off:off+len(dpi)], coef[:k], coef[k:])
		}
		lo += q1 - q0
	}
}

// attentionBackward turns dL/dπ (in dz) into dL/dz through the clamp and
// the softmax, and adds dL/d(spatial.bias).
func (d *DyReLU) attentionBackward() {
	p, tau := d.p, d.Config.Tau
	var dbias float64
	for s := 0; s < d.n; s++ {
		soft, dz := d.soft[s*p:(s+1)*p], d.dz[s*p:(s+1)*p]
		var dot float64
		for i, v := range soft {
			g := float32(0)
			if d.gamma*v <= 1 { // clamp(max=1) passes the gradient at equality
				g = dz[i] * d.gamma
			}
			dz[i] = g
			dot += float64(g) * float64(v)
		}
		for i, v := range soft {
			dz[i] = v * (dz[i] - float32(dot)) / tau
			dbias += float64(dz[i])
		}
	}
	d.SpatialBias.Grad.Data[0] += float32(dbias)
}

// planeBackRange handles planes [lo, hi): dx from the activation path (and
// the spatial branch), the per-plane coefficient gradient sums, and the
// per-plane spatial.weight sums.
func (d *DyReLU) planeBackRange(lo, hi int) {
	p, c, k, cc := d.p, d.Channels, d.Config.K, d.cc()
	x, dy, dx := d.x.Data, d.dy.Data, d.dx.Data
	if k == 2 {
		var pi, dz, ws []float32
		if d.Variant == C {
			pi, dz, ws = d.pi, d.dz, d.SpatialWeight.Value.Data
		}
		backPlanesC(dx, d.dcoefP, d.dwsP, x, dy, pi, dz, d.coef, ws, p, c, cc, lo, hi)
		return
	}
	var ab [2 * maxStackK]float32
	for i := lo; i < hi; i++ {
		s, ch := i/c, i%c
		coef := planeCoef(ab[:0], d.coef, s, ch%cc, k, cc)
		src, g, dst := x[i*p:(i+1)*p], dy[i*p:(i+1)*p], dx[i*p:(i+1)*p]
		dcoef := d.dcoefP[i*2*k : (i+1)*2*k]
		var pi, dz []float32
		if d.Variant == C {
			pi, dz = d.pi[s*p:(s+1)*p], d.dz[s*p:(s+1)*p]
		}
		backPlaneK(dst, dcoef, src, g, pi, coef[:k], coef[k:])
		if d.Variant == C {
			w := d.SpatialWeight.Value.Data[ch]
			var sum float64
			for q, v := range dz {
				dst[q] += v * w
				sum += float64(v) * float64(src[q])
			}
			d.dwsP[i] = float32(sum)
		}
	}
}

// hyperBackward propagates the coefficient gradients through the hyper
// function into FC2, FC1 and dpooled, and sums the spatial.weight parts.
func (d *DyReLU) hyperBackward() {
	n, c, hd, k, cc := d.n, d.Channels, d.Hidden, d.Config.K, d.cc()
	m := 2 * k * cc
	d.dsig = grow(d.dsig, n*m)
	d.dhid = grow(d.dhid, n*hd)
	d.dpooled = grow(d.dpooled, n*c)
	clear(d.dsig)
	// Sum per-plane coefficient gradients into (N, 2K, Cc).
	for s := 0; s < n; s++ {
		for ch := 0; ch < c; ch++ {
			g := ch % cc
			src := d.dcoefP[(s*c+ch)*2*k : (s*c+ch+1)*2*k]
			for j, v := range src {
				d.dsig[(s*2*k+j)*cc+g] += v
			}
		}
	}
	// coef = init + λ·(2σ − 1): d(pre-σ) = 2·λ·dcoef·σ(1−σ).
	for s := 0; s < n; s++ {
		for j := 0; j < 2*k; j++ {
			_, lambda := d.initLambda(j)
			row := d.dsig[(s*2*k+j)*cc : (s*2*k+j+1)*cc]
			sig := d.sig[(s*2*k+j)*cc : (s*2*k+j+1)*cc]
			for i, v := range sig {
				row[i] = 2 * (lambda * row[i]) * ((1 - v) * v)
			}
		}
	}
	linearBackward(d.dhid, d.FC2Weight.Grad.Data, d.FC2Bias.Grad.Data, d.dsig, d.hid, d.FC2Weight.Value.Data, n, hd, m)
	for i, v := range d.hid {
		if !(v > 0) {
			d.dhid[i] = 0
		}
	}
	linearBackward(d.dpooled, d.FC1Weight.Grad.Data, d.FC1Bias.Grad.Data, d.dhid, d.pooled, d.FC1Weight.Value.Data, n, c, hd)
	if d.Variant == C {
		dw := d.SpatialWeight.Grad.Data
		for s := 0; s < n; s++ {
			for ch, v := range d.dwsP[s*c : (s+1)*c] {
				dw[ch] += v
			}
		}
	}
}

// poolBackRange adds the pooling path dpooled/(H·W) to dx for planes [lo, hi).
func (d *DyReLU) poolBackRange(lo, hi int) {
	addPlanesC(d.dx.Data, d.dpooled, float32(d.p), d.p, lo, hi)
}

// grow returns buf resized to n, reusing its storage when it is big enough.
func grow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]float32, n)
}
