package bench

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/pose"
)

func ms(vs ...float64) []time.Duration {
	ds := make([]time.Duration, len(vs))
	for i, v := range vs {
		ds[i] = time.Duration(v * float64(time.Millisecond))
	}
	return ds
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want Stats
	}{
		{"empty", nil, Stats{}},
		{"one", ms(3), Stats{Median: 3, Min: 3, Max: 3, P25: 3, P75: 3, N: 1}},
		// numpy.percentile([4,1,3,2], [25,50,75]) = 1.75, 2.5, 3.25
		{"even unsorted", ms(4, 1, 3, 2), Stats{Median: 2.5, Min: 1, Max: 4, P25: 1.75, P75: 3.25, N: 4}},
		// numpy.percentile([10,1,5,7,2], [25,50,75]) = 2, 5, 7
		{"odd", ms(10, 1, 5, 7, 2), Stats{Median: 5, Min: 1, Max: 10, P25: 2, P75: 7, N: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize(tt.in)
			assert.Equal(t, tt.want.N, got.N)
			for _, p := range [][2]float64{{tt.want.Median, got.Median}, {tt.want.Min, got.Min}, {tt.want.Max, got.Max},
				{tt.want.P25, got.P25}, {tt.want.P75, got.P75}} {
				assert.InDelta(t, p[0], p[1], 1e-9)
			}
			assert.InDelta(t, tt.want.P75-tt.want.P25, got.IQR(), 1e-9)
		})
	}
}

func TestTimeCounts(t *testing.T) {
	calls := 0
	s := Time(2, 5, func() { calls++ })
	assert.Equal(t, 7, calls)
	assert.Equal(t, 5, s.N)
	assert.GreaterOrEqual(t, s.Max, s.Median)
	assert.GreaterOrEqual(t, s.Median, s.Min)
}

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    uint64
		wantErr bool
	}{
		{"ok", "Name:\tx\nVmPeak:\t  999 kB\nVmHWM:\t   2048 kB\nVmRSS:\t 10 kB\n", 2048 << 10, false},
		{"missing", "Name:\tx\nVmRSS:\t 10 kB\n", 0, true},
		{"bad unit", "VmHWM:\t 12 MB\n", 0, true},
		{"bad number", "VmHWM:\t 1x2 kB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmHWM([]byte(tt.in))
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestOptionsCheck(t *testing.T) {
	good := Options{Arch: "mnv3-small-baseline", InputH: 64, InputW: 64, Reps: 1, TrainReps: 1}
	tests := []struct {
		name string
		mod  func(*Options)
	}{
		{"input not multiple of 32", func(o *Options) { o.InputW = 48 }},
		{"negative threads", func(o *Options) { o.Threads = -1 }},
		{"negative BLAS threads", func(o *Options) { o.BLASThreads = -2 }},
		{"no reps", func(o *Options) { o.Reps = 0 }},
		{"negative warmup", func(o *Options) { o.Warmup = -1 }},
		{"no train reps", func(o *Options) { o.TrainReps = 0 }},
		{"bad arch", func(o *Options) { o.Arch = "resnet50" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.mod(&o)
			_, err := Run(o)
			assert.Error(t, err)
		})
	}
}

// TestRunSmall runs every phase on a small crop and checks that the result
// is filled in and consistent with the model.
func TestRunSmall(t *testing.T) {
	const arch = "mnv3-small-dyrelu-c"
	res, err := Run(Options{Arch: arch, Threads: 1, InputH: 64, InputW: 64, Reps: 3, Warmup: 1, TrainReps: 1})
	require.NoError(t, err)
	m := pose.New(pose.MustParseArch(arch), rand.New(rand.NewPCG(0, 0)))
	assert.Equal(t, countParams(m.Params()), res.Params)
	assert.Equal(t, arch, res.Arch)
	assert.Equal(t, "64x64", res.Input)
	assert.Equal(t, 1, res.Threads)
	for name, v := range map[string]float64{"b1": res.InferB1Ms, "b8": res.InferB8Ms, "train": res.TrainB32Ms} {
		assert.Greater(t, v, 0.0, name)
	}
	assert.GreaterOrEqual(t, res.InferB1MaxMs, res.InferB1Ms)
	assert.LessOrEqual(t, res.InferB1MinMs, res.InferB1Ms)
	assert.Greater(t, res.PeakHeapMiB, 0.0)
	assert.GreaterOrEqual(t, res.PeakSysMiB, res.PeakHeapMiB)
	assert.Greater(t, res.PeakRSSMiB, 0.0)
}

// TestInferAllocs is the zero-allocation budget of the fused full model at
// batch 1, 256×192, after warm-up, on two cores (so every ParallelFor
// splits).
func TestInferAllocs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, arch := range []string{"mnv3-small-dyrelu-c", "mnv3-small-baseline", "mnv3-large-dyrelu-c"} {
		t.Run(arch, func(t *testing.T) {
			m := pose.New(pose.MustParseArch(arch), rand.New(rand.NewPCG(1, 0)))
			m.Fuse()
			x := randTensor(rand.New(rand.NewPCG(2, 0)), 1, 3, pose.DefaultInputH, pose.DefaultInputW)
			m.Forward(x)
			allocs := testing.AllocsPerRun(3, func() { m.Forward(x) })
			assert.Zero(t, allocs)
		})
	}
}

func TestCountParams(t *testing.T) {
	w := nn.NewParam("w", 2, 3)
	b := nn.NewBuffer("running_mean", 5)
	assert.Equal(t, 6, countParams([]*nn.Param{w, b}))
}
