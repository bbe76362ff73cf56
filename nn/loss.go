package nn

import (
	"fmt"
	"math"
)

// JointsMSELoss is SimpleBaseline's heatmap loss. For predicted and target
// heatmaps (N,K,H,W) and per-joint target weights w (N,K):
//
//	L = 1/K · Σ_k ½ · mean_{n,h,w} (pred·w_nk − target·w_nk)²
//
// The weight is 0 for joints that are unlabelled or fall outside the crop,
// so they contribute nothing. With UseTargetWeight false, w is 1 and the
// weight argument may be nil.
//
// With 0 < TopK < K the loss mines hard keypoints online (CPN's OHKM,
// SimpleBaseline's JointsOHKMMSELoss): each sample keeps only its TopK
// largest joint terms, averaged over TopK, and the batch mean of that is the
// loss. The gradient then flows only to the joints that are worst at the
// moment, not to the ones already placed.
type JointsMSELoss struct {
	UseTargetWeight bool
	TopK            int

	pred, target, weight *Tensor // of the last Forward
	grad                 *Tensor // dL/dpred, owned
	joint                []float64
	kept                 []bool // which (n, k) terms the last Forward kept
}

// Forward returns the loss and keeps its inputs for Backward.
func (l *JointsMSELoss) Forward(pred, target, weight *Tensor) float32 {
	n, k, h, w := pred.Dims4()
	if !pred.SameShape(target) {
		panic(fmt.Sprintf("%s: JointsMSELoss pred %v, target %v", errShape, pred.Shape, target.Shape))
	}
	if l.UseTargetWeight {
		checkJointWeights("JointsMSELoss", pred, weight)
	}
	l.pred, l.target, l.weight = pred, target, weight
	hw := h * w
	if cap(l.joint) < n*k {
		l.joint, l.kept = make([]float64, n*k), make([]bool, n*k)
	}
	l.joint, l.kept = l.joint[:n*k], l.kept[:n*k]
	for j := range n * k {
		wt := l.jointWeight(j)
		p, t := pred.Data[j*hw:(j+1)*hw], target.Data[j*hw:(j+1)*hw]
		var sum float64
		for i, v := range p {
			d := float64(v*wt - t[i]*wt) // as PyTorch: the weight scales both sides
			sum += d * d
		}
		l.joint[j] = sum
		l.kept[j] = true
	}
	if l.mining(k) {
		for s := range n {
			keepLargest(l.joint[s*k:(s+1)*k], l.kept[s*k:(s+1)*k], l.TopK)
		}
	}
	var sum float64
	for j, v := range l.joint {
		if l.kept[j] {
			sum += v
		}
	}
	return float32(0.5 * sum / float64(hw) / l.terms(n, k))
}

// checkJointWeights panics unless weight is (N,K) for pred (N,K,H,W).
func checkJointWeights(loss string, pred, weight *Tensor) {
	n, k, _, _ := pred.Dims4()
	if weight == nil || weight.Len() != n*k || len(weight.Shape) < 2 || weight.Shape[0] != n || weight.Shape[1] != k {
		var ws []int
		if weight != nil {
			ws = weight.Shape
		}
		panic(fmt.Sprintf("%s: %s pred %v, weight %v (want (N,K))", errShape, loss, pred.Shape, ws))
	}
}

// mining reports whether TopK selects among K joints.
func (l *JointsMSELoss) mining(k int) bool { return l.TopK > 0 && l.TopK < k }

// terms is the count the summed (n, k) terms are divided by: N·K, or N·TopK
// when mining.
func (l *JointsMSELoss) terms(n, k int) float64 {
	if l.mining(k) {
		return float64(n * l.TopK)
	}
	return float64(n * k)
}

// keepLargest marks in kept the top entries of v (the first of equal ones
// on ties) and clears the rest.
func keepLargest(v []float64, kept []bool, top int) {
	for i := range kept {
		kept[i] = false
	}
	for range top {
		best := -1
		for i, x := range v {
			if !kept[i] && (best < 0 || x > v[best]) {
				best = i
			}
		}
		kept[best] = true
	}
}

// jointWeight is w for heatmap j = n·K + k.
func (l *JointsMSELoss) jointWeight(j int) float32 {
	return jointWeight(l.UseTargetWeight, l.weight, j)
}

// jointWeight is weight's value for heatmap j = n·K + k, or 1 when the
// loss does not use target weights.
func jointWeight(use bool, weight *Tensor, j int) float32 {
	if !use {
		return 1
	}
	return weight.Data[j]
}

// Backward returns dL/dpred (N,K,H,W) = (pred·w − target·w)·w / (N·K·H·W)
// (N·TopK·H·W for the kept joints and 0 for the others when mining) for the
// last Forward, in a buffer owned by the loss.
func (l *JointsMSELoss) Backward() *Tensor {
	if l.pred == nil {
		panic("nn.JointsMSELoss: Backward before Forward")
	}
	n, k, h, w := l.pred.Dims4()
	hw := h * w
	l.grad = Ensure(l.grad, l.pred.Shape...)
	norm := float32(1 / (l.terms(n, k) * float64(hw)))
	for j := range n * k {
		wt := l.jointWeight(j)
		p, t := l.pred.Data[j*hw:(j+1)*hw], l.target.Data[j*hw:(j+1)*hw]
		g := l.grad.Data[j*hw : (j+1)*hw]
		if !l.kept[j] {
			clear(g)
			continue
		}
		for i, v := range p {
			g[i] = (v*wt - t[i]*wt) * wt * norm
		}
	}
	return l.grad
}

// JointsKLLoss reads each predicted heatmap as the logits of a
// distribution over its cells and each target heatmap, normalised to sum
// to 1, as the distribution it should match. For logits z and targets t
// (N,K,H,W) and per-joint weights w (N,K):
//
//	p = t_nk / Σ t_nk,  q = softmax(z_nk),  L = 1/(N·K) · Σ_nk w_nk · Σ_i p_i · (log p_i − log q_i)
//
// the KL divergence of q from p, summed over each heatmap's cells and
// averaged over the joints. Negative target cells count as 0; a joint with
// w = 0 or no positive target cell adds nothing. The gradient w·(q − p) is as large at the first step as at the
// last, where MSE on heatmaps that are zero almost everywhere starts from
// gradients too small for Adam's ε (see train.Config.LossWeight).
type JointsKLLoss struct {
	UseTargetWeight bool

	pred, target, weight *Tensor // of the last Forward
	grad                 *Tensor // dL/dpred, owned
	prob                 []float32
}

// Forward returns the loss and keeps its inputs for Backward.
func (l *JointsKLLoss) Forward(pred, target, weight *Tensor) float32 {
	n, k, h, w := pred.Dims4()
	if !pred.SameShape(target) {
		panic(fmt.Sprintf("%s: JointsKLLoss pred %v, target %v", errShape, pred.Shape, target.Shape))
	}
	if l.UseTargetWeight {
		checkJointWeights("JointsKLLoss", pred, weight)
	}
	l.pred, l.target, l.weight = pred, target, weight
	hw := h * w
	if cap(l.prob) < len(pred.Data) {
		l.prob = make([]float32, len(pred.Data))
	}
	l.prob = l.prob[:len(pred.Data)]
	var sum float64
	for j := range n * k {
		wt := l.jointWeight(j)
		t := target.Data[j*hw : (j+1)*hw]
		mass := targetMass(t)
		if wt == 0 || mass == 0 {
			continue
		}
		z := pred.Data[j*hw : (j+1)*hw]
		logZ := softmaxInto(l.prob[j*hw:(j+1)*hw], z)
		var kl float64
		for i, v := range t {
			if v > 0 {
				p := float64(v) / mass
				kl += p * (math.Log(p) - (float64(z[i]) - logZ))
			}
		}
		sum += float64(wt) * kl
	}
	return float32(sum / float64(n*k))
}

// Backward returns dL/dpred (N,K,H,W) = w·(q − p)/(N·K) for the last
// Forward, in a buffer owned by the loss.
func (l *JointsKLLoss) Backward() *Tensor {
	if l.pred == nil {
		panic("nn.JointsKLLoss: Backward before Forward")
	}
	n, k, h, w := l.pred.Dims4()
	hw := h * w
	l.grad = Ensure(l.grad, l.pred.Shape...)
	norm := 1 / float64(n*k)
	for j := range n * k {
		g := l.grad.Data[j*hw : (j+1)*hw]
		t := l.target.Data[j*hw : (j+1)*hw]
		wt := l.jointWeight(j)
		mass := targetMass(t)
		if wt == 0 || mass == 0 {
			clear(g)
			continue
		}
		q := l.prob[j*hw : (j+1)*hw]
		s := float64(wt) * norm
		for i, v := range t {
			g[i] = float32(s * (float64(q[i]) - float64(max(v, 0))/mass))
		}
	}
	return l.grad
}

// jointWeight is w for heatmap j = n·K + k.
func (l *JointsKLLoss) jointWeight(j int) float32 { return jointWeight(l.UseTargetWeight, l.weight, j) }

// targetMass is the sum of a target heatmap's positive cells.
func targetMass(t []float32) float64 {
	var s float64
	for _, v := range t {
		if v > 0 {
			s += float64(v)
		}
	}
	return s
}

// softmaxInto writes softmax(z) into dst and returns log Σ exp(z).
func softmaxInto(dst, z []float32) float64 {
	m := z[0]
	for _, v := range z {
		m = max(m, v)
	}
	var s float64
	for i, v := range z {
		e := math.Exp(float64(v - m))
		dst[i] = float32(e)
		s += e
	}
	inv := 1 / s
	for i := range dst {
		dst[i] = float32(float64(dst[i]) * inv)
	}
	return float64(m) + math.Log(s)
}

// SoftmaxHeatmaps turns logits (N,K,H,W) into heatmaps in place: each
// plane's softmax times scale. With scale 2πσ², a distribution that
// matches a σ Gaussian target peaks near 1, as an MSE-trained heatmap
// does, so scores and DARK decoding read both alike.
func SoftmaxHeatmaps(x *Tensor, scale float32) {
	_, _, h, w := x.Dims4()
	hw := h * w
	for j := 0; j < len(x.Data); j += hw {
		plane := x.Data[j : j+hw]
		softmaxInto(plane, plane)
		for i := range plane {
			plane[i] *= scale
		}
	}
}
