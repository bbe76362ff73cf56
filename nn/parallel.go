package nn

import "github.com/dypose/dypose/internal/parallel"

// ParallelFor splits [0, n) into contiguous chunks of at least minChunk and
// runs fn on them across the cores (see internal/parallel): work is split
// over outputs, so no two calls of fn write the same memory.
func ParallelFor(n, minChunk int, fn func(lo, hi int)) { parallel.For(n, minChunk, fn) }
