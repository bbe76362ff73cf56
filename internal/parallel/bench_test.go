package parallel_test

import (
	"fmt"
	"testing"

	"github.com/dypose/dypose/internal/parallel"
)

// BenchmarkFor times For over a memory-bound loop of n floats, split into
// two chunks: run with -cpu 1,2 to see the hand-off's cost against the work
// it shares.
func BenchmarkFor(b *testing.B) {
	for _, n := range []int{1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10} {
		x := make([]float32, n)
		fn := func(lo, hi int) {
			for i := lo; i < hi; i++ {
				x[i] = x[i]*0.5 + 1
			}
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				parallel.For(n, 1, fn)
			}
		})
	}
}
