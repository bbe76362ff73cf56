package nn

import (
	"fmt"
	"math"
)

const errShape = "nn: shape mismatch"

// Tensor is a dense row-major float32 array.
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zeroed tensor of the given shape.
func New(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, numel(shape))}
}

// FromData wraps data (not copied) as a tensor of the given shape.
func FromData(data []float32, shape ...int) *Tensor {
	if len(data) != numel(shape) {
		panic(fmt.Sprintf("%s: %d values for shape %v", errShape, len(data), shape))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Dims4 returns the four dimensions of an NCHW tensor; it panics on any other rank.
func (t *Tensor) Dims4() (n, c, h, w int) {
	if len(t.Shape) != 4 {
		panic(fmt.Sprintf("%s: want NCHW, have %v", errShape, t.Shape))
	}
	return t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]
}

// SameShape reports whether t and u have identical shapes.
func (t *Tensor) SameShape(u *Tensor) bool { return sameShape(t.Shape, u.Shape) }

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Ensure returns t reshaped to shape, reusing its storage when the capacity
// allows; it allocates only when t is nil or too small. The contents are
// unspecified: callers overwrite or Zero them.
func Ensure(t *Tensor, shape ...int) *Tensor {
	n := numel(shape)
	if t == nil {
		return New(shape...)
	}
	if !sameShape(t.Shape, shape) {
		if len(t.Shape) == len(shape) {
			copy(t.Shape, shape)
		} else {
			t.Shape = append(t.Shape[:0], shape...)
		}
	}
	if cap(t.Data) >= n {
		t.Data = t.Data[:n]
	} else {
		t.Data = make([]float32, n)
	}
	return t
}

// Zero sets every element to 0.
func (t *Tensor) Zero() { clear(t.Data) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// CopyFrom copies u's values into t; the shapes must match.
func (t *Tensor) CopyFrom(u *Tensor) {
	if !t.SameShape(u) {
		panic(fmt.Sprintf("%s: copy %v into %v", errShape, u.Shape, t.Shape))
	}
	copy(t.Data, u.Data)
}

// AllFinite reports whether no element is NaN or ±Inf.
func (t *Tensor) AllFinite() bool {
	for _, v := range t.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}

func (t *Tensor) String() string { return fmt.Sprintf("Tensor%v", t.Shape) }
