package nn

import (
	"runtime"
	"sync"
)

// ParallelFor splits [0, n) into contiguous chunks and runs fn on each chunk
// in its own goroutine, at most GOMAXPROCS at once; it returns when all are
// done. Work is split over outputs, so fn calls never write the same memory.
// Small n (below minChunk per worker) runs inline to avoid goroutine cost.
func ParallelFor(n, minChunk int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if minChunk < 1 {
		minChunk = 1
	}
	if w := n / minChunk; w < workers {
		workers = w
	}
	if workers <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, min(chunk, n))
	wg.Wait()
}
