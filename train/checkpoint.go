package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/pose"
)

// Checkpoint file names in the run directory.
const (
	LastCheckpoint = "last.safetensors" // full state, written every epoch and on interruption
	BestCheckpoint = "best.safetensors" // model only (pose.Load), best validation AP
	MetricsFile    = "metrics.jsonl"
)

// Tensor name prefixes and metadata keys of a training checkpoint. The
// model's tensors are stored under their own names, so pose.Load reads a
// training checkpoint too after stripping; the optimiser's go under
// "optim." and the weight average's (Config.EMADecay) under "ema.".
const (
	optimPrefix = "optim."
	emaPrefix   = "ema."
	metaEMA     = "train.ema_updates"
	metaEpoch   = "train.epoch" // epochs completed
	metaIter    = "train.iter"  // iterations completed
	metaSeed    = "train.seed"
	metaConfig  = "train.config" // JSON of Config
	metaBestAP  = "train.best_ap"
	metaBestEp  = "train.best_epoch"
	metaStep    = "train.step" // batches done in the current epoch
	metaLossSum = "train.loss_sum"
	metaSeen    = "train.seen"
	metaSeconds = "train.seconds"
)

// state is what a checkpoint restores besides the weights.
type state struct {
	Epoch, Iter int // completed epochs and iterations
	// Progress in the current epoch Epoch (0-based), non-zero when the
	// checkpoint was written mid-epoch: batches done, their summed loss,
	// samples and seconds.
	Step      int
	LossSum   float64
	Seen      int
	Seconds   float64
	Seed      uint64
	BestAP    float64
	BestEpoch int
	Config    Config
}

// saveCheckpoint writes the model, the optimiser state, the weight
// average (when ema is not nil) and st atomically.
func saveCheckpoint(path string, m *pose.Model, opt *nn.Adam, ema *nn.EMA, st state) error {
	tensors := nn.StateDict(m.Params())
	for k, t := range opt.State() {
		tensors[optimPrefix+k] = t
	}
	if ema != nil {
		for k, t := range ema.State() {
			tensors[emaPrefix+k] = t
		}
	}
	cfg, err := json.Marshal(st.Config)
	if err != nil {
		return fmt.Errorf("train: checkpoint config: %w", err)
	}
	md := map[string]string{
		pose.MetaArch: m.Arch.String(),
		metaEpoch:     strconv.Itoa(st.Epoch),
		metaIter:      strconv.Itoa(st.Iter),
		metaSeed:      strconv.FormatUint(st.Seed, 10),
		metaBestAP:    strconv.FormatFloat(st.BestAP, 'g', -1, 64),
		metaBestEp:    strconv.Itoa(st.BestEpoch),
		metaConfig:    string(cfg),
		metaStep:      strconv.Itoa(st.Step),
		metaLossSum:   strconv.FormatFloat(st.LossSum, 'g', -1, 64),
		metaSeen:      strconv.Itoa(st.Seen),
		metaSeconds:   strconv.FormatFloat(st.Seconds, 'g', -1, 64),
	}
	if ema != nil {
		md[metaEMA] = strconv.Itoa(ema.Updates)
	}
	if err := nn.WriteSafetensors(path, tensors, md, nn.WriteOptions{}); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return nil
}

// loadCheckpoint restores m, opt and ema (when not nil) from a checkpoint
// written by saveCheckpoint. It refuses a checkpoint of another
// architecture (pose.ErrArchMismatch), and one without a weight average
// when ema is not nil; a run without one ignores the checkpoint's. It
// changes nothing on error.
func loadCheckpoint(path string, m *pose.Model, opt *nn.Adam, ema *nn.EMA) (state, error) {
	var st state
	tf, err := nn.ReadSafetensors(path)
	if err != nil {
		return st, fmt.Errorf("train: resume: %w", err)
	}
	arch, ok := tf.Metadata[pose.MetaArch]
	if !ok {
		return st, fmt.Errorf("train: resume %s: not a dypose checkpoint (no %s metadata)", path, pose.MetaArch)
	}
	if a, err := pose.ParseArch(arch); err != nil || a != m.Arch {
		return st, fmt.Errorf("train: resume %s: %w: checkpoint is %q, run is %q", path, pose.ErrArchMismatch, arch, m.Arch)
	}
	if _, ok := tf.Metadata[metaConfig]; !ok {
		return st, fmt.Errorf("train: resume %s: a model-only checkpoint (no optimiser state); resume from %s", path, LastCheckpoint)
	}
	var errs []error
	atoi := func(key string) int {
		v, err := strconv.Atoi(tf.Metadata[key])
		errs = append(errs, err)
		return v
	}
	st.Epoch, st.Iter, st.BestEpoch = atoi(metaEpoch), atoi(metaIter), atoi(metaBestEp)
	st.Step, st.Seen = atoi(metaStep), atoi(metaSeen)
	parse := func(key string) float64 {
		v, err := strconv.ParseFloat(tf.Metadata[key], 64)
		errs = append(errs, err)
		return v
	}
	st.LossSum, st.Seconds = parse(metaLossSum), parse(metaSeconds)
	st.Seed, err = strconv.ParseUint(tf.Metadata[metaSeed], 10, 64)
	errs = append(errs, err)
	st.BestAP, err = strconv.ParseFloat(tf.Metadata[metaBestAP], 64)
	errs = append(errs, err)
	errs = append(errs, json.Unmarshal([]byte(tf.Metadata[metaConfig]), &st.Config))
	if err := errors.Join(errs...); err != nil {
		return st, fmt.Errorf("train: resume %s: bad metadata: %w", path, err)
	}
	model, optim, avg := map[string]*nn.Tensor{}, map[string]*nn.Tensor{}, map[string]*nn.Tensor{}
	for k, t := range tf.Tensors {
		if o, ok := strings.CutPrefix(k, optimPrefix); ok {
			optim[o] = t
		} else if a, ok := strings.CutPrefix(k, emaPrefix); ok {
			avg[a] = t
		} else {
			model[k] = t
		}
	}
	emaUpdates := 0
	if ema != nil {
		v, ok := tf.Metadata[metaEMA]
		if !ok {
			return st, fmt.Errorf("train: resume %s: the checkpoint keeps no weight average; resume with ema_decay 0 or train from the start", path)
		}
		if emaUpdates, err = strconv.Atoi(v); err != nil {
			return st, fmt.Errorf("train: resume %s: bad metadata %s: %w", path, metaEMA, err)
		}
	}
	// The weights, the average and the optimiser state each load
	// all-or-nothing, the optimiser's last; keep a copy of the first two so
	// that a bad optimiser state leaves everything unchanged.
	backup := maps.Clone(nn.StateDict(m.Params()))
	if ema != nil {
		for k, t := range ema.State() {
			backup[emaPrefix+k] = t
		}
	}
	saved := make(map[string][]float32, len(backup))
	for k, t := range backup {
		saved[k] = append([]float32(nil), t.Data...)
	}
	err = nn.LoadStateDict(m.Params(), model)
	var priorUpdates int
	if err == nil && ema != nil {
		priorUpdates = ema.Updates
		err = ema.LoadState(avg, emaUpdates)
	}
	if err == nil {
		err = opt.LoadState(optim)
	}
	if err != nil {
		for k, t := range backup {
			copy(t.Data, saved[k])
		}
		if ema != nil {
			ema.Updates = priorUpdates
		}
		return st, fmt.Errorf("train: resume %s: %w", path, err)
	}
	return st, nil
}

// HalfCheckpoint is the float16 copy of best.safetensors that Train's
// callers ship (half the size; pose.Load reads it back as float32).
const HalfCheckpoint = "best-f16.safetensors"

// ExportHalf rewrites the model checkpoint src as float16 to dst,
// atomically, keeping its metadata; pose.Load reads the result.
func ExportHalf(src, dst string) error {
	tf, err := nn.ReadSafetensors(src)
	if err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	if _, ok := tf.Metadata[pose.MetaArch]; !ok {
		return fmt.Errorf("train: export %s: not a dypose model checkpoint (no %s metadata)", src, pose.MetaArch)
	}
	for k := range tf.Tensors {
		if strings.HasPrefix(k, optimPrefix) || strings.HasPrefix(k, emaPrefix) {
			return fmt.Errorf("train: export %s: a training checkpoint; export %s", src, BestCheckpoint)
		}
	}
	if err := nn.WriteSafetensors(dst, tf.Tensors, tf.Metadata, nn.WriteOptions{Half: true}); err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	return nil
}

// loadInit loads the weights of a model checkpoint (best.safetensors) or
// of a training checkpoint (last.safetensors, whose optimiser state is
// left out) into m; the architecture must be m's.
func loadInit(path string, m *pose.Model) error {
	tf, err := nn.ReadSafetensors(path)
	if err != nil {
		return fmt.Errorf("train: init: %w", err)
	}
	if arch, ok := tf.Metadata[pose.MetaArch]; ok {
		if a, err := pose.ParseArch(arch); err != nil || a != m.Arch {
			return fmt.Errorf("train: init %s: %w: checkpoint is %q, run is %q", path, pose.ErrArchMismatch, arch, m.Arch)
		}
	}
	model := map[string]*nn.Tensor{}
	for k, t := range tf.Tensors {
		if !strings.HasPrefix(k, optimPrefix) && !strings.HasPrefix(k, emaPrefix) {
			model[k] = t
		}
	}
	if err := nn.LoadStateDict(m.Params(), model); err != nil {
		return fmt.Errorf("train: init %s: %w", path, err)
	}
	return nil
}
