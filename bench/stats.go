package bench

import (
	"slices"
	"time"
)

// Stats summarises repeated timings of one operation, in milliseconds.
type Stats struct {
	Median, Min, Max, P25, P75 float64
	N                          int
}

// IQR is the interquartile range P75 − P25.
func (s Stats) IQR() float64 { return s.P75 - s.P25 }

// Summarize returns the order statistics of ds. Quantiles interpolate
// linearly between order statistics (numpy's default), so a Python peer
// computing numpy.percentile on the same samples gets the same numbers.
// It returns the zero Stats for no samples.
func Summarize(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	slices.Sort(ms)
	return Stats{
		Median: quantile(ms, 0.5),
		Min:    ms[0],
		Max:    ms[len(ms)-1],
		P25:    quantile(ms, 0.25),
		P75:    quantile(ms, 0.75),
		N:      len(ms),
	}
}

// quantile is the q-quantile of sorted xs with linear interpolation: the
// value at fractional index q·(n−1).
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i] + f*(sorted[i+1]-sorted[i])
}

// Time calls fn warmup times untimed, then reps times, timing each call.
func Time(warmup, reps int, fn func()) Stats {
	for range warmup {
		fn()
	}
	ds := make([]time.Duration, reps)
	measure(ds, fn)
	return Summarize(ds)
}

// measure times len(ds) calls of fn into ds; it allocates nothing itself,
// so a Mallocs delta around it counts fn's allocations only.
func measure(ds []time.Duration, fn func()) {
	for i := range ds {
		t0 := time.Now()
		fn()
		ds[i] = time.Since(t0)
	}
}
