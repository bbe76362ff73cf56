package nn

import "fmt"

// AddInto adds src into dst elementwise (a residual connection's forward;
// its backward passes dy unchanged to both branches). Shapes must match.
func AddInto(dst, src *Tensor) {
	if !dst.SameShape(src) {
		panic(fmt.Sprintf("%s: AddInto dst %v, src %v", errShape, dst.Shape, src.Shape))
	}
	s := src.Data[:len(dst.Data)]
	for i, v := range s {
		dst.Data[i] += v
	}
}

// ConcatChannels writes the channel-wise concatenation of xs (each
// (N, Ci, H, W)) into dst, reusing dst's storage, and returns it as
// (N, ΣCi, H, W), like torch.cat(xs, dim=1).
func ConcatChannels(dst *Tensor, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic(errShape + ": ConcatChannels of nothing")
	}
	n, _, h, w := xs[0].Dims4()
	total := 0
	for _, x := range xs {
		xn, c, xh, xw := x.Dims4()
		if xn != n || xh != h || xw != w {
			panic(fmt.Sprintf("%s: ConcatChannels %v with %v", errShape, xs[0].Shape, x.Shape))
		}
		total += c
	}
	dst = Ensure(dst, n, total, h, w)
	hw := h * w
	for i := range n {
		off := i * total * hw
		for _, x := range xs {
			size := x.Shape[1] * hw
			off += copy(dst.Data[off:off+size], x.Data[i*size:(i+1)*size])
		}
	}
	return dst
}

// SplitChannels is ConcatChannels' backward: it copies the channel blocks
// of dy (N, ΣCi, H, W) into dsts, whose shapes give the split.
func SplitChannels(dy *Tensor, dsts ...*Tensor) {
	n, total, h, w := dy.Dims4()
	sum := 0
	for _, d := range dsts {
		dn, c, dh, dw := d.Dims4()
		if dn != n || dh != h || dw != w {
			panic(fmt.Sprintf("%s: SplitChannels dy %v into %v", errShape, dy.Shape, d.Shape))
		}
		sum += c
	}
	if sum != total {
		panic(fmt.Sprintf("%s: SplitChannels dy %v into %d channels", errShape, dy.Shape, sum))
	}
	hw := h * w
	for i := range n {
		off := i * total * hw
		for _, d := range dsts {
			size := d.Shape[1] * hw
			off += copy(d.Data[i*size:(i+1)*size], dy.Data[off:off+size])
		}
	}
}
