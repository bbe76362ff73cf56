package nn

import "fmt"

// GlobalAvgPool averages each channel plane: x (N, C, H, W) → y (N, C, 1, 1),
// as F.adaptive_avg_pool2d(x, 1). The zero value is ready to use.
type GlobalAvgPool struct {
	y, dx *Tensor
	shape []int // input shape of the last Forward
}

// Forward computes y[i][c] = (1/HW)·Σ_{h,w} x[i][c][h][w].
func (g *GlobalAvgPool) Forward(x *Tensor) *Tensor {
	n, c, h, w := x.Dims4()
	g.shape = append(g.shape[:0], x.Shape...)
	g.y = Ensure(g.y, n, c, 1, 1)
	clear(g.y.Data)
	hw := h * w
	if hw == 0 {
		return g.y
	}
	planeSums(g.y.Data, x.Data, 1, n*c, hw)
	for i := range g.y.Data {
		g.y.Data[i] /= float32(hw) // divide, not multiply by 1/HW, as PyTorch does
	}
	return g.y
}

// Backward spreads dy[i][c]/HW over the plane.
func (g *GlobalAvgPool) Backward(dy *Tensor) *Tensor {
	if g.shape == nil {
		panic("nn.GlobalAvgPool: Backward before Forward")
	}
	n, c, h, w := g.shape[0], g.shape[1], g.shape[2], g.shape[3]
	if !sameShape(dy.Shape, []int{n, c, 1, 1}) {
		panic(fmt.Sprintf("%s: nn.GlobalAvgPool.Backward: dy %v for x %v", errShape, dy.Shape, g.shape))
	}
	g.dx = Ensure(g.dx, g.shape...)
	hw := h * w
	inv := 1 / float32(max(hw, 1))
	for p, v := range dy.Data {
		fillFloats(g.dx.Data[p*hw:(p+1)*hw], v*inv)
	}
	return g.dx
}

// Params returns nil: the layer has no parameters.
func (g *GlobalAvgPool) Params() []*Param { return nil }
