package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/eval"
	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/pose"
)

// ErrNonFinite is returned (wrapped) when the loss becomes NaN or ±Inf.
var ErrNonFinite = errors.New("non-finite loss")

// Options are a run's settings that are not part of its recipe.
type Options struct {
	// Progress receives the progress line and epoch summaries (nil: none).
	Progress io.Writer
	// InPlace rewrites the progress line with \r (for a terminal) instead
	// of printing one line per update.
	InPlace bool
	// ProgressEvery is the number of iterations between progress updates
	// (0: 10).
	ProgressEvery int
	// MaxIters stops after this many iterations in total, checkpointing
	// as on an interruption (0: no limit). Tests use it.
	MaxIters int
}

// EpochMetrics is one line of metrics.jsonl.
type EpochMetrics struct {
	Epoch         int                `json:"epoch"` // 1-based, completed
	Iter          int                `json:"iter"`  // iterations completed
	Loss          float64            `json:"loss"`  // mean training loss of the epoch
	LR            float64            `json:"lr"`    // at the epoch's last iteration
	SamplesPerSec float64            `json:"samples_per_sec"`
	Seconds       float64            `json:"seconds"` // training time of the epoch
	AP            *float64           `json:"ap,omitempty"`
	Val           map[string]float64 `json:"val,omitempty"` // the ten COCO stats
	// DeadHyperUnits of the HyperUnits hidden units of the DY-ReLU hyper
	// functions no validation crop activated (pose.Model.DeadHyperUnits);
	// validated epochs of DY-ReLU models only.
	DeadHyperUnits *int      `json:"dyrelu_dead_units,omitempty"`
	HyperUnits     int       `json:"dyrelu_hidden_units,omitempty"`
	Losses         []float64 `json:"-"` // every iteration's loss (tests)
}

// Result summarises a finished (or interrupted) run.
type Result struct {
	Epochs    []EpochMetrics // of this invocation
	Iter      int            // iterations completed in total
	BestAP    float64
	BestEpoch int
	Losses    []float64 // every iteration's loss in this invocation
}

// Train runs cfg: it trains, validates every cfg.ValEvery epochs and after
// the last, and writes RUN_DIR/last.safetensors every epoch (and when ctx
// ends), best.safetensors at each new best validation AP, metrics.jsonl
// and the plots. When ctx ends it checkpoints and returns ctx's error.
func Train(ctx context.Context, cfg Config, o Options) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	arch, _ := pose.ParseArch(cfg.Arch)
	g, _ := cfg.Geometry()
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("train: run directory: %w", err)
	}
	if err := checkWritable(cfg.Out); err != nil {
		return nil, err
	}
	trainSplit, err := coco.FindSplit(cfg.Data, "train")
	if err != nil {
		return nil, err
	}
	valSplit, err := coco.FindSplit(cfg.Data, "val")
	if err != nil {
		return nil, err
	}
	_, samples, err := loadSamples(trainSplit, g)
	if err != nil {
		return nil, err
	}
	val, err := NewValidator(valSplit, g, cfg.Batch, cfg.Workers, cfg.FlipTest)
	if err != nil {
		return nil, err
	}
	val.DARK = cfg.Unbiased

	if cfg.OHKMTopK > arch.Keypoints {
		return nil, fmt.Errorf("train: config: ohkm_topk %d, want ≤ the model's %d keypoints", cfg.OHKMTopK, arch.Keypoints)
	}
	if n := len(cfg.JointWeights); n > 0 && n != arch.Keypoints {
		return nil, fmt.Errorf("train: config: joint_weights has %d values, want one per keypoint (%d)", n, arch.Keypoints)
	}
	m := pose.New(arch, rand.New(rand.NewPCG(cfg.Seed, 0)))
	m.Meta.InputH, m.Meta.InputW = g.InputH, g.InputW
	m.Meta.Sigma, m.Meta.BoxPadding = g.Sigma, g.BoxPadding
	if cfg.Unbiased {
		m.Meta.Decode = pose.DecodeDARK
	}
	opt := nn.NewAdam(m.Params(), adamConfig(cfg))
	st := state{Seed: cfg.Seed, BestAP: -1, Config: cfg}
	if cfg.Init != "" && cfg.Resume == "" {
		if err := loadInit(cfg.Init, m); err != nil {
			return nil, err
		}
	}
	var ema *nn.EMA
	if cfg.EMADecay > 0 {
		ema = nn.NewEMA(m.Params(), cfg.EMADecay) // after --init: the average starts at its weights
	}
	if cfg.Resume != "" {
		rs, err := loadCheckpoint(cfg.Resume, m, opt, ema)
		if err != nil {
			return nil, err
		}
		if rs.Seed != cfg.Seed {
			return nil, fmt.Errorf("train: resume %s: checkpoint seed %d, run seed %d (the data order would differ)", cfg.Resume, rs.Seed, cfg.Seed)
		}
		rs.Config = cfg
		st = rs
	}
	history, err := readMetrics(filepath.Join(cfg.Out, MetricsFile), st.Epoch)
	if err != nil {
		return nil, err
	}
	reps, syncs, err := newReplicas(m, cfg.Replicas)
	if err != nil {
		return nil, err
	}
	itersPerEpoch := coco.BatchesPerEpoch(len(samples), cfg.Batch, dropLast(len(samples), cfg.Batch))
	r := &Trainer{cfg: cfg, opt: o, geom: g, model: m, adam: opt, ema: ema, sched: schedule(cfg, itersPerEpoch),
		itersPerEpoch: itersPerEpoch, reps: reps, syncs: syncs, samples: samples, val: val, st: st, history: history}
	if cfg.Resume != "" && sameFile(cfg.Resume, filepath.Join(cfg.Out, LastCheckpoint)) {
		r.saved = &st
	}
	return r.run(ctx)
}

// Trainer holds a run's state between epochs.
type Trainer struct {
	cfg           Config
	opt           Options
	geom          coco.Geometry
	model         *pose.Model
	adam          *nn.Adam
	ema           *nn.EMA // nil unless Config.EMADecay > 0
	sched         nn.Schedule
	itersPerEpoch int
	reps          []*replica      // reps[0].model is model
	syncs         []*nn.BatchSync // of the replicas' BatchNorm layers
	samples       []coco.Sample
	val           *Validator
	st            state
	history       []EpochMetrics
	res           Result
	// saved is the state Out's last.safetensors holds when this run wrote
	// it or resumed from it; nil otherwise.
	saved *state
}

// schedule builds the learning-rate schedule of cfg for epochs of
// itersPerEpoch iterations.
func schedule(cfg Config, itersPerEpoch int) nn.Schedule {
	var s nn.Schedule
	switch cfg.Schedule {
	case ScheduleCosine:
		s = nn.Cosine{Base: cfg.LR, Min: cfg.MinLR, Epochs: cfg.Epochs}
	case ScheduleCosineIter:
		s = nn.Cosine{Base: cfg.LR, Min: cfg.MinLR, Epochs: cfg.Epochs, Iters: cfg.Epochs * itersPerEpoch}
	case ScheduleStep:
		s = nn.MultiStep{Base: cfg.LR, Milestones: cfg.Milestones, Gamma: cfg.Gamma}
	default:
		panic("train: schedule " + cfg.Schedule) // Validate checked it
	}
	if cfg.WarmupIters > 0 {
		s = nn.Warmup{Schedule: s, Iters: cfg.WarmupIters, Ratio: cfg.WarmupRatio}
	}
	return s
}

// dropLast reports whether an epoch of n samples drops its last partial
// batch: always, unless there are fewer samples than one batch.
func dropLast(n, batch int) bool { return n >= batch }

// epochSeed is the loader seed of one epoch: the order and augmentation
// of epoch e depend only on (Seed, e), so a resumed run sees the same data.
func epochSeed(seed uint64, epoch int) uint64 {
	return seed*0x9e3779b97f4a7c15 + uint64(epoch)
}

func (t *Trainer) run(ctx context.Context) (*Result, error) {
	t.res.BestAP, t.res.BestEpoch, t.res.Iter = t.st.BestAP, t.st.BestEpoch, t.st.Iter
	for epoch := t.st.Epoch; epoch < t.cfg.Epochs; epoch++ {
		em, done, err := t.epoch(ctx, epoch)
		t.res.Iter = t.st.Iter
		if errors.Is(err, ErrNonFinite) {
			return &t.res, err
		}
		if err != nil || !done {
			// Interrupted (or MaxIters reached): save the state mid-epoch;
			// Resume skips the batches already trained on.
			if cerr := t.saveLast(); cerr != nil {
				return &t.res, errors.Join(err, cerr)
			}
			return &t.res, err
		}
		last := epoch+1 == t.cfg.Epochs
		if (t.cfg.ValEvery > 0 && (epoch+1)%t.cfg.ValEvery == 0) || last {
			if err := t.validate(ctx, epoch, &em); err != nil {
				// Interrupted (or failed) in validation: keep the epoch's
				// training. The state still says "epoch trained to its last
				// batch", so Resume loads nothing and validates again.
				t.st.Seconds = em.Seconds
				if cerr := t.saveLast(); cerr != nil {
					return &t.res, errors.Join(err, cerr)
				}
				return &t.res, err
			}
		}
		t.st.Epoch, t.st.Step, t.st.LossSum, t.st.Seen, t.st.Seconds = epoch+1, 0, 0, 0, 0
		if err := t.saveLast(); err != nil {
			return &t.res, err
		}
		t.history = append(t.history, em)
		t.res.Epochs = append(t.res.Epochs, em)
		if err := writeMetrics(filepath.Join(t.cfg.Out, MetricsFile), t.history); err != nil {
			return &t.res, err
		}
		if err := writePlots(t.cfg.Out, t.history); err != nil {
			return &t.res, err
		}
		t.logEpoch(em)
	}
	return &t.res, nil
}

// saveLast writes last.safetensors. A failed write (a full disk) leaves
// the file as it was, and the error says what it still holds: where a
// resume continues once the disk has room.
func (t *Trainer) saveLast() error {
	path := filepath.Join(t.cfg.Out, LastCheckpoint)
	if err := saveCheckpoint(path, t.model, t.adam, t.ema, t.st); err != nil {
		return fmt.Errorf("%w; %s", err, t.lastHolds(path))
	}
	st := t.st
	t.saved = &st
	return nil
}

// lastHolds describes the run's checkpoint at path after a failed write.
func (t *Trainer) lastHolds(path string) string {
	switch s := t.saved; {
	case s == nil:
		return "no checkpoint of this run is in " + t.cfg.Out + " yet"
	case s.Epoch == 0 && s.Step == 0:
		return path + " is unchanged: the run's start, before its first iteration"
	case s.Step == 0:
		return fmt.Sprintf("%s is unchanged: the end of epoch %d, to resume from once the disk has room", path, s.Epoch)
	default:
		return fmt.Sprintf("%s is unchanged: epoch %d to iteration %d of %d, to resume from once the disk has room",
			path, s.Epoch+1, s.Step, t.itersPerEpoch)
	}
}

// sameFile reports whether paths a and b name one existing file.
func sameFile(a, b string) bool {
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	return err == nil && os.SameFile(ia, ib)
}

// validate evaluates the model after epoch (0-based) into em and saves
// best.safetensors at a new best AP. With a weight average it is the
// average that is evaluated and saved; the training weights come back
// after, whatever happens.
func (t *Trainer) validate(ctx context.Context, epoch int, em *EpochMetrics) error {
	if t.ema != nil {
		t.ema.Swap()
		defer t.ema.Swap()
	}
	var s *eval.Summary
	units, err := t.model.DeadHyperUnits(func() (err error) {
		s, err = t.val.Run(ctx, t.model)
		return err
	})
	if err != nil {
		return err
	}
	if units.Total > 0 {
		em.DeadHyperUnits, em.HyperUnits = &units.Dead, units.Total
	}
	ap := s.Stats[0]
	em.AP = &ap
	em.Val = map[string]float64{}
	for i, name := range eval.StatNames {
		em.Val[name] = s.Stats[i]
	}
	if ap <= t.st.BestAP {
		return nil
	}
	// The best AP is recorded only once its file is written, so a
	// checkpoint never names a best that best.safetensors does not hold.
	if err := t.model.Save(filepath.Join(t.cfg.Out, BestCheckpoint), map[string]string{
		metaEpoch: strconv.Itoa(epoch + 1), metaBestAP: strconv.FormatFloat(ap, 'g', -1, 64)}); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	t.st.BestAP, t.st.BestEpoch = ap, epoch+1
	t.res.BestAP, t.res.BestEpoch = ap, epoch+1
	return nil
}

// epoch trains one epoch from batch t.st.Step on (0 unless resuming an
// interrupted epoch: the loader's output depends only on the seed and the
// epoch, so skipping the batches already seen continues exactly); an epoch
// trained to its last batch before a stop in validation returns at once.
// done is false when Options.MaxIters stopped it.
func (t *Trainer) epoch(ctx context.Context, epoch int) (EpochMetrics, bool, error) {
	em := EpochMetrics{Epoch: epoch + 1}
	prior := time.Duration(t.st.Seconds * float64(time.Second))
	if t.st.Step >= t.itersPerEpoch {
		// Stopped in validation after the last batch: nothing to load.
		return t.finishEpoch(em, epoch, prior), true, nil
	}
	aug := t.cfg.Augmentation()
	ld, err := coco.NewLoader(t.samples, coco.LoaderOptions{
		BatchSize: t.cfg.Batch, Workers: t.cfg.Workers, Seed: epochSeed(t.st.Seed, epoch),
		Shuffle: true, DropLast: dropLast(len(t.samples), t.cfg.Batch), Epochs: 1,
		Augment: &aug, Geometry: t.geom, Keypoints: coco.COCOKeypoints(),
	})
	if err != nil {
		return em, false, fmt.Errorf("train: %w", err)
	}
	defer ld.Close()
	nb := t.itersPerEpoch
	topK := 0
	if epoch+1 >= t.cfg.OHKMFromEpoch {
		topK = t.cfg.OHKMTopK
	}
	for _, rep := range t.reps {
		rep.model.SetTraining(true)
		rep.loss.UseTargetWeight, rep.loss.TopK = true, topK
	}
	params := t.reps[0].params
	every := t.opt.ProgressEvery
	if every <= 0 {
		every = defaultProgressEvery
	}
	start := time.Now()
	firstStep := t.st.Step
	for step := 0; ; step++ {
		b, err := ld.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.st.Seconds = (prior + time.Since(start)).Seconds()
			return em, false, err
		}
		if step < firstStep || b.N == 0 {
			ld.Release(b)
			continue
		}
		lr := t.sched.LR(epoch, t.st.Iter)
		t.adam.SetLR(lr)
		l := t.step(b)
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			ld.Release(b)
			return em, false, fmt.Errorf("train: epoch %d iteration %d (global %d): %w (%v)", epoch+1, step+1, t.st.Iter+1, ErrNonFinite, l)
		}
		if t.cfg.ClipNorm > 0 {
			clipGradNorm(params, t.cfg.ClipNorm)
		}
		t.adam.Step()
		if t.ema != nil {
			t.ema.Update()
		}
		ld.Release(b)
		t.st.Iter++
		t.st.Step = step + 1
		t.st.LossSum += float64(l)
		t.st.Seen += b.N
		t.res.Losses = append(t.res.Losses, float64(l))
		if t.st.Step%every == 0 || t.st.Step == nb {
			t.progress(epoch, t.st.Step-firstStep, t.st.Step, nb, lr, time.Since(start))
		}
		if t.opt.MaxIters > 0 && len(t.res.Losses) >= t.opt.MaxIters {
			t.st.Seconds = (prior + time.Since(start)).Seconds()
			return em, false, nil
		}
		if t.st.Step == nb {
			break // not waiting for io.EOF: a cancellation from now on lands in validation
		}
	}
	if skipped, err := ld.Skipped(); skipped > 0 && t.st.Seen == 0 {
		return em, false, fmt.Errorf("train: epoch %d: every sample failed to load: %w", epoch+1, err)
	}
	return t.finishEpoch(em, epoch, prior+time.Since(start)), true, nil
}

// finishEpoch fills em from the state of an epoch trained to its end in
// the given time (this run's and before a resume).
func (t *Trainer) finishEpoch(em EpochMetrics, epoch int, took time.Duration) EpochMetrics {
	em.Iter = t.st.Iter
	if t.st.Step > 0 {
		em.Loss = t.st.LossSum / float64(t.st.Step)
		em.LR = t.sched.LR(epoch, t.st.Iter-1) // the last iteration's, also when it ran before a resume
	}
	em.Seconds = took.Seconds()
	if em.Seconds > 0 {
		em.SamplesPerSec = float64(t.st.Seen) / em.Seconds
	}
	return em
}

// defaultProgressEvery is the progress interval in iterations.
const defaultProgressEvery = 10

// clipGradNorm scales every gradient so that their global L2 norm is at
// most maxNorm (torch.nn.utils.clip_grad_norm_).
func clipGradNorm(ps []*nn.Param, maxNorm float64) {
	var ss float64
	for _, p := range ps {
		if p.Grad != nil {
			for _, v := range p.Grad.Data {
				ss += float64(v) * float64(v)
			}
		}
	}
	norm := math.Sqrt(ss)
	if norm <= maxNorm {
		return
	}
	s := float32(maxNorm / (norm + 1e-6))
	for _, p := range ps {
		if p.Grad != nil {
			for i := range p.Grad.Data {
				p.Grad.Data[i] *= s
			}
		}
	}
}

// progress prints the progress line: ran iterations in el this
// invocation, step of nb in the epoch.
func (t *Trainer) progress(epoch, ran, step, nb int, lr float64, el time.Duration) {
	if t.opt.Progress == nil || ran == 0 {
		return
	}
	perIter := el.Seconds() / float64(ran)
	rate := float64(ran*t.cfg.Batch) / el.Seconds()
	itersLeft := (nb - step) + (t.cfg.Epochs-epoch-1)*nb
	eta := time.Duration(float64(itersLeft) * perIter * float64(time.Second)).Round(time.Second)
	line := fmt.Sprintf("epoch %d/%d iter %d/%d loss %.6f lr %.2e %.1f samples/s ETA %s",
		epoch+1, t.cfg.Epochs, step, nb, t.st.LossSum/float64(step), lr, rate, eta)
	if t.opt.InPlace {
		fmt.Fprintf(t.opt.Progress, "\r%-100s", line)
	} else {
		fmt.Fprintln(t.opt.Progress, line)
	}
}

func (t *Trainer) logEpoch(em EpochMetrics) {
	if t.opt.Progress == nil {
		return
	}
	if t.opt.InPlace {
		fmt.Fprintln(t.opt.Progress)
	}
	ap := ""
	if em.AP != nil {
		ap = fmt.Sprintf(" val AP %.4f (AP50 %.4f, best %.4f at epoch %d)", *em.AP, em.Val["AP50"], t.st.BestAP, t.st.BestEpoch)
	}
	if em.DeadHyperUnits != nil {
		ap += fmt.Sprintf(", dead DY-ReLU units %d/%d", *em.DeadHyperUnits, em.HyperUnits)
	}
	fmt.Fprintf(t.opt.Progress, "epoch %d done: loss %.6f, %.1f samples/s, %.0fs%s\n", em.Epoch, em.Loss, em.SamplesPerSec, em.Seconds, ap)
}

// checkWritable fails early on a run directory that cannot be written,
// before any training time is spent.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("train: run directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// adamConfig is the optimiser cfg asks for.
func adamConfig(cfg Config) nn.AdamConfig {
	ac := nn.DefaultAdam()
	ac.LR, ac.WeightDecay, ac.Decoupled = cfg.LR, cfg.WeightDecay, cfg.Optimizer == OptimizerAdamW
	ac.ExemptVectors = !cfg.DecayVectors
	return ac
}
