package nn

import "fmt"

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
	if l.UseTargetWeight && (weight == nil || weight.Len() != n*k || len(weight.Shape) < 2 ||
		weight.Shape[0] != n || weight.Shape[1] != k) {
		var ws []int
		if weight != nil {
			ws = weight.Shape
		}
		panic(fmt.Sprintf("%s: JointsMSELoss pred %v, weight %v (want (N,K))", errShape, pred.Shape, ws))
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
	if !l.UseTargetWeight {
		return 1
	}
	return l.weight.Data[j]
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
