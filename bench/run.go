package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/pose"
)

// Batch sizes of the three measurements (fixed so that results compare
// across runs and with scripts/bench_torch.py).
const (
	InferSmallBatch = 1
	InferLargeBatch = 8
	TrainBatch      = 32
)

// Options configures Run.
type Options struct {
	Arch           string // pose.ParseArch name, e.g. "mnv3-small-dyrelu-c"
	Threads        int    // GOMAXPROCS and OpenBLAS threads; 0 keeps the current settings
	BLASThreads    int    // OpenBLAS threads when different from Threads; 0: Threads
	InputH, InputW int    // crop size, e.g. 256×192
	Reps           int    // timed inference iterations per batch size
	Warmup         int    // untimed iterations before each phase
	TrainReps      int    // timed training steps (a step is ~100× an inference)
	SkipTrain      bool   // measure inference only
	Seed           uint64 // weights and inputs
}

// Result is one benchmark run. The JSON keys are shared with
// scripts/bench_torch.py; times are milliseconds, sizes MiB.
type Result struct {
	Impl        string `json:"impl"`
	Arch        string `json:"arch"`
	Input       string `json:"input"`
	Params      int    `json:"params"`
	Threads     int    `json:"threads"`
	BLASThreads int    `json:"blas_threads"`
	Reps        int    `json:"reps"`
	TrainReps   int    `json:"train_reps"`
	Fused       bool   `json:"bn_folded"`

	InferB1Ms    float64 `json:"infer_b1_ms"`
	InferB1MinMs float64 `json:"infer_b1_min_ms"`
	InferB1MaxMs float64 `json:"infer_b1_max_ms"`
	InferB1IQRMs float64 `json:"infer_b1_iqr_ms"`
	InferB8Ms    float64 `json:"infer_b8_ms"`
	InferB8MinMs float64 `json:"infer_b8_min_ms"`
	InferB8MaxMs float64 `json:"infer_b8_max_ms"`
	InferB8IQRMs float64 `json:"infer_b8_iqr_ms"`
	TrainB32Ms   float64 `json:"train_b32_ms,omitempty"`
	TrainMinMs   float64 `json:"train_b32_min_ms,omitempty"`
	TrainMaxMs   float64 `json:"train_b32_max_ms,omitempty"`
	TrainIQRMs   float64 `json:"train_b32_iqr_ms,omitempty"`

	AllocsPerInfer float64 `json:"allocs_per_infer"`
	PeakHeapMiB    float64 `json:"peak_heap_inuse_mib"`
	PeakSysMiB     float64 `json:"peak_sys_mib"`
	PeakRSSMiB     float64 `json:"peak_rss_mib"`
}

// Run builds the model of opts.Arch and measures it. The inference model is
// fused (BN folded) and in eval mode; the training step uses a second,
// unfused model in training mode with Adam.
func Run(opts Options) (Result, error) {
	if err := opts.check(); err != nil {
		return Result{}, err
	}
	arch, err := pose.ParseArch(opts.Arch)
	if err != nil {
		return Result{}, fmt.Errorf("bench: %w", err)
	}
	if opts.Threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(opts.Threads))
		defer nn.SetBLASThreads(nn.BLASThreads())
		nn.SetBLASThreads(opts.Threads)
	}
	if opts.BLASThreads > 0 {
		defer nn.SetBLASThreads(nn.BLASThreads())
		nn.SetBLASThreads(opts.BLASThreads)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6265))
	res := Result{
		Impl: "dypose", Arch: arch.String(), Input: fmt.Sprintf("%dx%d", opts.InputH, opts.InputW),
		Threads: runtime.GOMAXPROCS(0), BLASThreads: nn.BLASThreads(),
		Reps: opts.Reps, Fused: true,
	}
	var peak memPeak

	m := pose.New(arch, rng)
	res.Params = countParams(m.Params())
	m.Fuse()
	x1 := randTensor(rng, InferSmallBatch, 3, opts.InputH, opts.InputW)
	x8 := randTensor(rng, InferLargeBatch, 3, opts.InputH, opts.InputW)

	// Batch 1: warm up first so every buffer exists, then count mallocs
	// over exactly the timed loop.
	for range opts.Warmup {
		m.Forward(x1)
	}
	peak.sample()
	ds := make([]time.Duration, opts.Reps)
	m0 := mallocs()
	measure(ds, func() { m.Forward(x1) })
	res.AllocsPerInfer = float64(mallocs()-m0) / float64(opts.Reps)
	s := Summarize(ds)
	res.InferB1Ms, res.InferB1MinMs, res.InferB1MaxMs, res.InferB1IQRMs = s.Median, s.Min, s.Max, s.IQR()
	peak.sample()

	s = Time(opts.Warmup, opts.Reps, func() { m.Forward(x8) })
	res.InferB8Ms, res.InferB8MinMs, res.InferB8MaxMs, res.InferB8IQRMs = s.Median, s.Min, s.Max, s.IQR()
	peak.sample()
	m, x1, x8 = nil, nil, nil // let the inference model go before training

	if !opts.SkipTrain {
		res.TrainReps = opts.TrainReps
		step := newTrainStep(arch, opts, rng)
		s = Time(opts.Warmup, opts.TrainReps, func() { step.run() })
		res.TrainB32Ms, res.TrainMinMs, res.TrainMaxMs, res.TrainIQRMs = s.Median, s.Min, s.Max, s.IQR()
		peak.sample()
		if !step.finite {
			return res, errors.New("bench: training step produced a non-finite loss")
		}
	}

	res.PeakHeapMiB = mib(peak.heapInuse)
	res.PeakSysMiB = mib(peak.sys)
	if hwm, err := vmHWM(); err == nil {
		res.PeakRSSMiB = mib(hwm)
	}
	return res, nil
}

func (o Options) check() error {
	switch {
	case o.InputH < 32 || o.InputW < 32 || o.InputH%32 != 0 || o.InputW%32 != 0:
		return fmt.Errorf("bench: input %dx%d: want multiples of 32 (the backbone's stride)", o.InputH, o.InputW)
	case o.Threads < 0:
		return fmt.Errorf("bench: threads %d: want ≥ 1, or 0 to keep the process's settings", o.Threads)
	case o.BLASThreads < 0:
		return fmt.Errorf("bench: BLAS threads %d: want ≥ 1, or 0 for as many as threads", o.BLASThreads)
	case o.Reps < 1:
		return fmt.Errorf("bench: reps %d: want ≥ 1", o.Reps)
	case o.Warmup < 0:
		return fmt.Errorf("bench: warmup %d: want ≥ 0", o.Warmup)
	case !o.SkipTrain && o.TrainReps < 1:
		return fmt.Errorf("bench: train reps %d: want ≥ 1", o.TrainReps)
	}
	return nil
}

// trainStep is one SGD iteration at TrainBatch on fixed random data:
// zero grads, forward, JointsMSE (target weights all 1), backward, Adam.
type trainStep struct {
	m              *pose.Model
	params         []*nn.Param
	opt            *nn.Adam
	loss           nn.JointsMSELoss
	x, target, wts *nn.Tensor
	finite         bool
}

func newTrainStep(arch pose.Arch, opts Options, rng *rand.Rand) *trainStep {
	m := pose.New(arch, rng)
	m.SetTraining(true)
	params := m.Params()
	x := randTensor(rng, TrainBatch, 3, opts.InputH, opts.InputW)
	n, k, h, w := m.Forward(x).Dims4()
	target := randTensor(rng, n, k, h, w)
	wts := nn.New(n, k)
	for i := range wts.Data {
		wts.Data[i] = 1
	}
	return &trainStep{
		m: m, params: params, opt: nn.NewAdam(params, nn.DefaultAdam()),
		loss: nn.JointsMSELoss{UseTargetWeight: true},
		x:    x, target: target, wts: wts, finite: true,
	}
}

func (s *trainStep) run() {
	nn.ZeroGrad(s.params)
	l := s.loss.Forward(s.m.Forward(s.x), s.target, s.wts)
	s.m.Backward(s.loss.Backward())
	s.opt.Step()
	if l != l || l > 1e30 {
		s.finite = false
	}
}

// randTensor fills a tensor of the shape with N(0,1) values.
func randTensor(rng *rand.Rand, shape ...int) *nn.Tensor {
	t := nn.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// countParams counts trainable parameter elements, as PyTorch's
// sum(p.numel() for p in model.parameters()) does (buffers excluded).
func countParams(ps []*nn.Param) int {
	n := 0
	for _, p := range ps {
		if p.Trainable() {
			n += p.Value.Len()
		}
	}
	return n
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
