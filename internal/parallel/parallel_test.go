package parallel_test

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/internal/parallel"
)

func TestForCoversOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	tests := []struct {
		name        string
		n, minChunk int
	}{
		{"empty", 0, 1},
		{"inline", 10, 100},
		{"split", 1000, 10},
		{"uneven", 1001, 7},
		{"minChunk 0", 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := make([]int32, tt.n)
			parallel.For(tt.n, tt.minChunk, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				assert.EqualValues(t, 1, h, "index %d", i)
			}
		})
	}
}

// TestParallelForNested runs For inside For chunks and from
// several goroutines at once: chunks that find no idle worker run on the
// caller, so this must finish.
func TestForNested(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var total atomic.Int64
	done := make(chan struct{})
	for range 4 {
		go func() {
			parallel.For(64, 1, func(lo, hi int) {
				for range hi - lo {
					parallel.For(100, 1, func(lo, hi int) { total.Add(int64(hi - lo)) })
				}
			})
			done <- struct{}{}
		}()
	}
	for range 4 {
		<-done
	}
	assert.EqualValues(t, 4*64*100, total.Load())
}

func TestForAllocs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	dst := make([]float32, 1<<12)
	fn := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst[i]++
		}
	}
	parallel.For(len(dst), 16, fn)
	allocs := testing.AllocsPerRun(50, func() { parallel.For(len(dst), 16, fn) })
	assert.Zero(t, allocs)
	assert.InDelta(t, 52, dst[0], 0) // 1 + AllocsPerRun's warm-up call + 50
}

// TestForSlowChunks makes the caller outwait its poll: the other chunks
// sleep past spinFor, so it must sleep and be woken by the last of them,
// and see every chunk's writes when For returns (go test -race checks the
// ordering).
func TestForSlowChunks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for round := range 20 {
		out := make([]int, 4)
		parallel.For(len(out), 1, func(lo, hi int) {
			if lo > 0 {
				time.Sleep(time.Duration(1+round%3) * time.Millisecond)
			}
			for i := lo; i < hi; i++ {
				out[i] = round + 1
			}
		})
		for i, v := range out {
			require.Equal(t, round+1, v, "round %d, index %d", round, i)
		}
	}
}

// TestForParkedWorkers leaves the workers idle past their poll between
// calls, so each call hands its chunks to parked workers and wakes them.
func TestForParkedWorkers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	for round := range 10 {
		time.Sleep(time.Millisecond)
		hits := make([]int32, 300)
		parallel.For(len(hits), 1, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&hits[i], 1)
			}
		})
		for i, h := range hits {
			require.EqualValues(t, 1, h, "round %d, index %d", round, i)
		}
	}
}

// A loop that sums within its chunks is reproducible only if the chunks
// are: they must be the same whether For runs alone, beside another For
// that keeps the workers busy, or nested in one.
func TestForChunksIndependentOfLoad(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	chunksOf := func() []string {
		var mu sync.Mutex
		var got []string
		parallel.For(1000, 10, func(lo, hi int) {
			mu.Lock()
			got = append(got, fmt.Sprintf("%d-%d", lo, hi))
			mu.Unlock()
		})
		sort.Strings(got)
		return got
	}
	alone := chunksOf()
	require.Len(t, alone, 2)

	// Another caller keeps For busy meanwhile, with chunks that take long.
	stop := make(chan struct{})
	busy := make(chan struct{})
	go func() {
		for first := true; ; first = false {
			parallel.For(2, 1, func(lo, hi int) { time.Sleep(200 * time.Microsecond) })
			if first {
				close(busy)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	<-busy
	for range 50 {
		assert.Equal(t, alone, chunksOf(), "beside another For")
	}
	close(stop)

	var nested []string
	parallel.For(2, 1, func(lo, hi int) {
		if lo == 0 {
			nested = chunksOf()
		}
	})
	assert.Equal(t, alone, nested, "nested in a For")
}
