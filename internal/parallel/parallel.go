// Package parallel runs loops across the machine's cores on a process-wide
// pool of long-lived workers, so that a parallel loop in a per-frame hot
// path starts no goroutine and allocates nothing. One pool serves the
// whole process: GOMAXPROCS workers are the machine's cores, and per-caller
// pools would oversubscribe them.
package parallel

import (
	"runtime"
	"sync"
)

// For splits [0, n) into contiguous chunks and runs fn on each chunk,
// at most GOMAXPROCS at once; it returns when all are done. Work is split
// over outputs, so fn calls never write the same memory. Small n (below
// minChunk per worker) runs inline to avoid the hand-off cost.
//
// Chunks go to long-lived worker goroutines over an unbuffered channel, and
// a chunk that finds no idle worker runs on the caller. So For
// allocates nothing after warm-up (a `go` statement per chunk allocated a
// closure and a WaitGroup, ~130 objects per network inference), and nested
// or concurrent calls cannot deadlock: no chunk ever waits in a queue.
func For(n, minChunk int, fn func(lo, hi int)) {
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
	pool.start(workers - 1)
	j := pool.job()
	chunk := (n + workers - 1) / workers
	for lo := chunk; lo < n; lo += chunk {
		t := task{fn: fn, lo: lo, hi: min(lo+chunk, n), job: j}
		j.wg.Add(1)
		select {
		case pool.tasks <- t:
		default:
			t.run()
		}
	}
	fn(0, min(chunk, n))
	j.wg.Wait()
	pool.release(j)
}

// task is one chunk of a For call; it is sent by value.
type task struct {
	fn     func(lo, hi int)
	lo, hi int
	job    *job
}

func (t task) run() {
	t.fn(t.lo, t.hi)
	t.job.wg.Done()
}

// job is the completion count of one For call, recycled.
type job struct{ wg sync.WaitGroup }

// workerPool is the process's set of For workers. It is the one
// package-level variable of nn: like the Go scheduler it serves, it is a
// property of the process (its cores), not of any model, and it holds no
// configuration, only idle goroutines parked on a channel.
type workerPool struct {
	mu      sync.Mutex
	started int
	tasks   chan task
	free    chan *job
}

var pool = workerPool{tasks: make(chan task), free: make(chan *job, 64)}

// start ensures at least n workers exist.
func (p *workerPool) start(n int) {
	p.mu.Lock()
	for ; p.started < n; p.started++ {
		go func() {
			for t := range p.tasks {
				t.run()
			}
		}()
	}
	p.mu.Unlock()
}

// job returns a recycled job, or a new one when all are in use.
func (p *workerPool) job() *job {
	select {
	case j := <-p.free:
		return j
	default:
		return &job{}
	}
}

func (p *workerPool) release(j *job) {
	select {
	case p.free <- j:
	default:
	}
}
