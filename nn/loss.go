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
type JointsMSELoss struct {
	UseTargetWeight bool

	pred, target, weight *Tensor // of the last Forward
	grad                 *Tensor // dL/dpred, owned
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
	var sum float64
	for j := range n * k {
		wt := l.jointWeight(j)
		p, t := pred.Data[j*hw:(j+1)*hw], target.Data[j*hw:(j+1)*hw]
		for i, v := range p {
			d := float64(v*wt - t[i]*wt) // as PyTorch: the weight scales both sides
			sum += d * d
		}
	}
	return float32(0.5 * sum / float64(n*hw) / float64(k))
}

// jointWeight is w for heatmap j = n·K + k.
func (l *JointsMSELoss) jointWeight(j int) float32 {
	if !l.UseTargetWeight {
		return 1
	}
	return l.weight.Data[j]
}

// Backward returns dL/dpred (N,K,H,W) = (pred·w − target·w)·w / (N·K·H·W)
// for the last Forward, in a buffer owned by the loss.
func (l *JointsMSELoss) Backward() *Tensor {
	if l.pred == nil {
		panic("nn.JointsMSELoss: Backward before Forward")
	}
	n, k, h, w := l.pred.Dims4()
	hw := h * w
	l.grad = Ensure(l.grad, l.pred.Shape...)
	norm := 1 / float32(n*k*hw)
	for j := range n * k {
		wt := l.jointWeight(j)
		p, t := l.pred.Data[j*hw:(j+1)*hw], l.target.Data[j*hw:(j+1)*hw]
		g := l.grad.Data[j*hw : (j+1)*hw]
		for i, v := range p {
			g[i] = (v*wt - t[i]*wt) * wt * norm
		}
	}
	return l.grad
}
