package nn

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// BatchSync joins the BatchNorm2D layers at the same place in data-parallel
// replicas of a network, each replica running on its own goroutine on a
// slice of the batch, so that in training they normalise with the
// statistics of the whole batch (PyTorch's SyncBatchNorm) and the replicas
// together compute what one model computes on the whole batch. In Forward
// each layer publishes its slice's per-channel count, mean and sum of
// squared deviations and waits for the others; in Backward, its Σdy and
// Σdy·x̂. Every replica combines the slices in rank order, so all of them
// get the same statistics, and the same running statistics.
type BatchSync struct {
	parties int

	arrived atomic.Int32
	gen     atomic.Uint32
	mu      sync.Mutex // with cond, for a party that waits longer than a spin
	cond    sync.Cond

	fwd, bwd [][]float64 // per rank: (count, mean, M2) per channel; (Σdy, Σdy·x̂) per channel
}

// NewBatchSync returns the synchroniser of one BatchNorm2D layer over c
// channels in each of replicas replicas; all of them take part until
// SetParties says otherwise.
func NewBatchSync(c, replicas int) *BatchSync {
	s := &BatchSync{parties: replicas, fwd: make([][]float64, replicas), bwd: make([][]float64, replicas)}
	s.cond.L = &s.mu
	for r := range replicas {
		s.fwd[r] = make([]float64, 3*c)
		s.bwd[r] = make([]float64, 2*c)
	}
	return s
}

// SetParties sets how many replicas, ranks 0 to n−1, run the next passes:
// a batch with fewer samples than replicas leaves the others idle.
func (s *BatchSync) SetParties(n int) {
	if n < 1 || n > len(s.fwd) {
		panic(fmt.Sprintf("nn: BatchSync of %d replicas: %d parties", len(s.fwd), n))
	}
	s.parties = n
}

// wait returns when every party has called it (a reusable barrier). The
// replicas reach each layer within microseconds of each other, so a waiter
// polls first and parks its thread only after that. (Two replicas ran at
// 153 crops/s with it and one P per core; the blocking barrier was only
// measured with two Ps per core, at 121, as was this one, at 122.)
func (s *BatchSync) wait() {
	gen := s.gen.Load()
	if int(s.arrived.Add(1)) == s.parties {
		s.arrived.Store(0)
		s.mu.Lock()
		s.gen.Add(1)
		s.cond.Broadcast()
		s.mu.Unlock()
		return
	}
	for range spinWait {
		if s.gen.Load() != gen {
			return
		}
	}
	s.mu.Lock()
	for s.gen.Load() == gen {
		s.cond.Wait()
	}
	s.mu.Unlock()
}

// spinWait is how many times wait polls before it blocks (tens of µs).
const spinWait = 1 << 15

// syncStats publishes rank's per-channel statistics (m values each,
// their means and squared deviations) and, once every party has, sets
// mean and m2 to those of the whole batch (Chan et al.'s pairwise update,
// slices in rank order) and returns the values per channel in it.
func (s *BatchSync) syncStats(rank int, m float64, mean, m2 []float64) float64 {
	mine := s.fwd[rank]
	for ch := range mean {
		mine[3*ch], mine[3*ch+1], mine[3*ch+2] = m, mean[ch], m2[ch]
	}
	s.wait()
	var total float64
	for ch := range mean {
		var n, mu, q float64
		for _, f := range s.fwd[:s.parties] {
			nb, mb, qb := f[3*ch], f[3*ch+1], f[3*ch+2]
			t := n + nb
			d := mb - mu
			mu += d * nb / t
			q += qb + d*d*n*nb/t
			n = t
		}
		mean[ch], m2[ch], total = mu, q, n
	}
	return total
}

// syncSums publishes rank's per-channel Σdy and Σdy·x̂ and, once every
// party has, replaces them by the whole batch's.
func (s *BatchSync) syncSums(rank int, sdy, sdyx []float64) {
	mine := s.bwd[rank]
	for ch := range sdy {
		mine[2*ch], mine[2*ch+1] = sdy[ch], sdyx[ch]
	}
	s.wait()
	for ch := range sdy {
		var a, b float64
		for _, f := range s.bwd[:s.parties] {
			a += f[2*ch]
			b += f[2*ch+1]
		}
		sdy[ch], sdyx[ch] = a, b
	}
}
