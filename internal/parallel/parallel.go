// Package parallel runs loops across the machine's cores on a process-wide
// pool of long-lived workers, so that a parallel loop in a per-frame hot
// path starts no goroutine and allocates nothing. One pool serves the
// whole process: GOMAXPROCS workers are the machine's cores, and per-caller
// pools would oversubscribe them.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A worker with nothing to do polls for the next chunk for spinFor before
// it parks, yielding its P every pollsPerYield looks. A network's forward
// pass calls For a few hundred times with microseconds of serial work in
// between, and a parked worker reaches the other core late: the caller's
// wake-up puts it in the run queue of the caller's own P (the scheduler's
// runnext slot), where it waits until an idle thread is woken to steal it,
// tens of microseconds on a virtual machine, by which time the caller has
// often run both halves itself. Measured on 2 cores (notes/speed.md),
// batch-1 inference was slower on two threads than on one before the poll.
//
// Polling takes the P from other goroutines that want it, so workers do not
// poll while For has had concurrent callers within concurrentWindow: then
// the callers (a trainer's replicas) already keep the cores busy, and a
// polling worker delayed them (about 6 % fewer training samples/s).
const (
	spinFor          = 200 * time.Microsecond
	pollsPerYield    = 64
	concurrentWindow = 10 * time.Millisecond
)

// For splits [0, n) into contiguous chunks and runs fn on each chunk,
// at most GOMAXPROCS at once; it returns when all are done. Work is split
// over outputs, so fn calls never write the same memory. Small n (below
// minChunk per worker) runs inline to avoid the hand-off cost. The chunks
// depend on n, minChunk and GOMAXPROCS only, never on timing or on who is
// free to run them, so an fn that sums within its chunk gives the same bits
// on every run: training's exact resume relies on it.
//
// Chunks go to long-lived worker goroutines, and a chunk that finds no
// idle worker runs on the caller. So For allocates nothing after warm-up
// (a `go` statement per chunk allocated a closure and a WaitGroup, ~130
// objects per network inference), and nested or concurrent calls cannot
// deadlock: no chunk ever waits in a queue.
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
	if pool.callers.Add(1) > 1 {
		pool.lastConcurrent.Store(time.Now().UnixNano())
	}
	ws := pool.start(workers - 1)
	j := pool.job()
	chunk := (n + workers - 1) / workers
	for lo := chunk; lo < n; lo += chunk {
		t := task{fn: fn, lo: lo, hi: min(lo+chunk, n), job: j}
		j.state.Add(1)
		if !offer(ws, t) {
			t.run()
		}
	}
	fn(0, min(chunk, n))
	j.wait()
	pool.release(j)
	pool.callers.Add(-1)
}

// task is one chunk of a For call.
type task struct {
	fn     func(lo, hi int)
	lo, hi int
	job    *job
}

func (t task) run() {
	t.fn(t.lo, t.hi)
	t.job.done()
}

// job counts the chunks of one For call still running; it is recycled.
// The caller polls the count for up to spinFor (the other chunks usually
// end about when its own does), then sets the sleeping bit and sleeps on
// wake. Count and bit share one word, so the last chunk's decrement alone
// decides whether it must send, and a chunk that need not send touches the
// job no more once the count reads zero (the caller may recycle it then).
type job struct {
	state atomic.Int32  // chunks pending, | sleeping
	wake  chan struct{} // capacity 1
}

const sleeping = 1 << 30

func (j *job) done() {
	if j.state.Add(-1) == sleeping {
		j.wake <- struct{}{}
	}
}

func (j *job) wait() {
	var start time.Time // read at the first yield: most waits end before it
	for i := 1; ; i++ {
		v := j.state.Load()
		if v == 0 {
			return
		}
		if i%pollsPerYield != 0 {
			continue
		}
		if start.IsZero() {
			start = time.Now()
		} else if time.Since(start) > spinFor && j.state.CompareAndSwap(v, v|sleeping) {
			<-j.wake
			j.state.Store(0)
			return
		}
		runtime.Gosched()
	}
}

// Worker states. A caller claims an idle (polling) or parked worker with a
// compare-and-swap, so one caller at a time writes its task; ready
// publishes it.
const (
	idle int32 = iota
	claimed
	ready
	busy
	parked
)

type worker struct {
	state atomic.Int32
	t     task
	wake  chan struct{} // a parked worker's; capacity 1
}

// offer hands t to an idle or parked worker of ws, or reports that none is.
func offer(ws []*worker, t task) bool {
	for _, w := range ws {
		if w.state.CompareAndSwap(idle, claimed) {
			w.t = t
			w.state.Store(ready)
			return true
		}
		if w.state.CompareAndSwap(parked, claimed) {
			w.t = t
			w.state.Store(ready)
			w.wake <- struct{}{}
			return true
		}
	}
	return false
}

func (w *worker) loop() {
	for {
		start := time.Now()
		for i := 1; w.state.Load() != ready; i++ {
			if i%pollsPerYield != 0 {
				continue
			}
			if (time.Since(start) > spinFor || pool.concurrent()) && w.state.CompareAndSwap(idle, parked) {
				<-w.wake // sent by the caller that claimed this worker, after ready
				break
			}
			runtime.Gosched()
		}
		t := w.t
		w.t = task{} // hold no closure while idle
		w.state.Store(busy)
		t.run()
		w.state.Store(idle)
	}
}

// workerPool is the process's set of For workers. It is the one
// package-level variable of this package: like the Go scheduler it serves, it is a
// property of the process (its cores), not of any model, and it holds no
// configuration, only idle goroutines and what they need to know of their
// callers.
type workerPool struct {
	mu             sync.Mutex
	workers        atomic.Pointer[[]*worker] // grows under mu
	free           chan *job
	callers        atomic.Int32 // For calls running now
	lastConcurrent atomic.Int64 // Unix ns when For last had two callers at once
}

var pool = workerPool{free: make(chan *job, 64)}

// concurrent reports whether For has had concurrent callers lately.
func (p *workerPool) concurrent() bool {
	return time.Now().UnixNano()-p.lastConcurrent.Load() < int64(concurrentWindow)
}

// start ensures at least n workers exist and returns them.
func (p *workerPool) start(n int) []*worker {
	if ws := p.workers.Load(); ws != nil && len(*ws) >= n {
		return *ws
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var ws []*worker // a new slice: callers may be reading the old one
	if old := p.workers.Load(); old != nil {
		ws = append(ws, *old...)
	}
	for len(ws) < n {
		w := &worker{wake: make(chan struct{}, 1)}
		ws = append(ws, w)
		go w.loop()
	}
	p.workers.Store(&ws)
	return ws
}

// job returns a recycled job, or a new one when all are in use.
func (p *workerPool) job() *job {
	select {
	case j := <-p.free:
		return j
	default:
		return &job{wake: make(chan struct{}, 1)}
	}
}

func (p *workerPool) release(j *job) {
	select {
	case p.free <- j:
	default:
	}
}
