package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/train"
)

// newTrainCmd builds `keypoints train`. Settings come from train.Default,
// then the --config file, then the flags given on the command line.
func newTrainCmd() *cli.Command {
	d := train.Default()
	data := &cli.StringFlag{Name: "data", Usage: "COCO-layout `DIR`: annotations/person_keypoints_{train,val}.json + images/{train,val}/ (keypoints synth), or COCO 2017's annotations/person_keypoints_{train,val}2017.json + {train,val}2017/"}
	arch := &cli.StringFlag{Name: "arch", Value: d.Arch, Usage: "architecture `NAME` (see `keypoints model summary`)"}
	out := &cli.StringFlag{Name: "out", Usage: "run `DIR`: last.safetensors, best.safetensors, metrics.jsonl, loss.png, ap.png"}
	epochs := &cli.IntFlag{Name: "epochs", Value: d.Epochs, Usage: "epochs"}
	batch := &cli.IntFlag{Name: "batch", Value: d.Batch, Usage: "batch size"}
	lr := &cli.Float64Flag{Name: "lr", Value: d.LR, Usage: "base learning rate"}
	optim := &cli.StringFlag{Name: "optimizer", Value: d.Optimizer, Usage: "adam or adamw"}
	wd := &cli.Float64Flag{Name: "weight-decay", Value: d.WeightDecay, Usage: "weight decay (L2 for adam, decoupled for adamw)"}
	decayVectors := &cli.BoolFlag{Name: "decay-vectors", Value: d.DecayVectors, Usage: "decay the one-dimensional parameters too (biases, BatchNorm's affine: PyTorch's single parameter group); by default --weight-decay spares them, as mmpose's norm_decay_mult=0, bias_decay_mult=0"}
	sched := &cli.StringFlag{Name: "schedule", Value: d.Schedule, Usage: "step (×gamma at each milestone), cosine (annealed each epoch, mmpose's default) or cosine-iter (annealed each iteration: smooth over a run of a few epochs)"}
	milestones := &cli.StringFlag{Name: "milestones", Value: joinInts(d.Milestones), Usage: "step schedule: comma-separated `EPOCHS`"}
	gamma := &cli.Float64Flag{Name: "gamma", Value: d.Gamma, Usage: "step schedule: factor at each milestone"}
	minLR := &cli.Float64Flag{Name: "min-lr", Value: d.MinLR, Usage: "cosine schedules: final learning rate"}
	warmIters := &cli.IntFlag{Name: "warmup-iters", Value: d.WarmupIters, Usage: "linear warm-up iterations (0: none)"}
	warmRatio := &cli.Float64Flag{Name: "warmup-ratio", Value: d.WarmupRatio, Usage: "warm-up starting fraction of the learning rate"}
	clip := &cli.Float64Flag{Name: "clip-norm", Value: d.ClipNorm, Usage: "clip the global gradient norm to this (0: off)"}
	ema := &cli.Float64Flag{Name: "ema-decay", Value: d.EMADecay, Usage: "keep a moving average of the weights with this decay (e.g. 0.999) and validate and save best.safetensors from it (0: off)"}
	ohkmFrom := &cli.IntFlag{Name: "ohkm-from-epoch", Value: d.OHKMFromEpoch, Usage: "mine hard keypoints (--ohkm-topk) only from epoch `E` on (1-based; 0: every epoch)"}
	ohkm := &cli.IntFlag{Name: "ohkm-topk", Value: d.OHKMTopK, Usage: "online hard keypoint mining: each sample's loss is the mean of its `K` worst joints (SimpleBaseline's JointsOHKMMSELoss uses 8; 0: off)"}
	jointWeights := &cli.StringFlag{Name: "joint-weights", Usage: "multiply each joint's target weight: `W` is \"coco\" (HRNet's: elbows and knees 1.2, wrists and ankles 1.5) or one comma-separated number per keypoint; the loss counts a joint W² times (default: 1 for every joint)"}
	lossWeight := &cli.Float64Flag{Name: "loss-weight", Value: d.LossWeight, Usage: "multiply the loss (and its gradients) by this before Adam; ~1000 when training from scratch (Adam's ε)"}
	scaleFactor := &cli.Float64Flag{Name: "scale-factor", Value: d.ScaleFactor, Usage: "augmentation: box scale × clip(N(0,1)·f + 1, 1−f, 1+f)"}
	rotFactor := &cli.Float64Flag{Name: "rot-factor", Value: d.RotFactor, Usage: "augmentation: rotation clip(N(0,1)·f, −2f, 2f) degrees, with probability 0.6"}
	halfBody := &cli.Float64Flag{Name: "half-body-prob", Value: d.HalfBodyProb, Usage: "augmentation: probability of an upper- or lower-body crop"}
	occlusion := &cli.Float64Flag{Name: "occlusion-prob", Value: d.OcclusionProb, Usage: "augmentation: probability of a random-colour rectangle painted over the crop (the joints under it keep their labels)"}
	occlusionSize := &cli.Float64Flag{Name: "occlusion-size", Value: d.OcclusionSize, Usage: "augmentation: the occluding rectangle's sides, between half of this and this fraction of the crop's"}
	input := &cli.StringFlag{Name: "input", Value: d.Input, Usage: "input size `HxW`; heatmaps are a quarter of it"}
	sigma := &cli.Float64Flag{Name: "sigma", Value: d.Sigma, Usage: "target Gaussian σ in heatmap cells"}
	boxPadding := &cli.Float64Flag{Name: "box-padding", Value: d.BoxPadding, Usage: "enlarge each person box by this before cropping (recorded in the checkpoint; inference crops the same way)"}
	unbiased := &cli.BoolFlag{Name: "unbiased", Value: d.Unbiased, Usage: "centre the target Gaussians on the joints' sub-cell positions (DARK's encoding) and validate with DARK decoding"}
	workers := &cli.IntFlag{Name: "workers", Value: d.Workers, Usage: "data-loading goroutines (0: one per core)"}
	replicas := &cli.IntFlag{Name: "replicas", Value: d.Replicas, Usage: "split each batch over `N` copies of the model trained at once, gradients summed and BatchNorm synchronised, so they compute what one model does (0 or 1: one model, each layer split across the cores)"}
	seed := &cli.Uint64Flag{Name: "seed", Value: d.Seed, Usage: "seed of the weights, the sample order and the augmentation"}
	valEvery := &cli.IntFlag{Name: "val-every", Value: d.ValEvery, Usage: "validate every N epochs (and after the last; 0: only after the last)"}
	flip := &cli.BoolFlag{Name: "flip-test", Value: d.FlipTest, Usage: "validate with the flip test"}
	resume := &cli.StringFlag{Name: "resume", Usage: "continue from `FILE` (RUN_DIR/last.safetensors) exactly where it stopped"}
	initFrom := &cli.StringFlag{Name: "init", Usage: "start from the weights of model checkpoint `FILE` (fresh optimiser and schedule)"}
	validateOnly := &cli.BoolFlag{Name: "validate-only", Usage: "only evaluate the --init model on the val split of --data (GT boxes) and print the COCO summary"}
	profile := cpuProfileFlag()
	config := &cli.StringFlag{Name: "config", Usage: "JSON or YAML `FILE` of settings (keys as the flags, dashes as underscores); flags given override it"}
	return &cli.Command{
		Name:  "train",
		Usage: "train a pose network on a COCO-layout keypoint data set",
		Description: "Trains with Adam (or AdamW), warm-up then step or cosine schedule; validates on the val split\n" +
			"with ground-truth boxes and the COCO evaluator; checkpoints every epoch and on Ctrl-C or SIGTERM.",
		Flags: []cli.Flag{data, arch, out, epochs, batch, lr, optim, wd, decayVectors, sched, milestones, gamma, minLR,
			warmIters, warmRatio, clip, ema, lossWeight, jointWeights, ohkm, ohkmFrom, input, sigma, unbiased, boxPadding, scaleFactor, rotFactor, halfBody, occlusion, occlusionSize, workers, replicas, seed, valEvery, flip, resume, initFrom, validateOnly, config, profile},
		Action: func(c *cli.Context) error {
			cfg, err := trainConfig(c)
			if err != nil {
				return err
			}
			if c.Bool(validateOnly.Name) {
				return runValidate(c, cfg)
			}
			return withCPUProfile("train", c.String(profile.Name), func() error { return runTrain(c, cfg) })
		},
	}
}

// trainConfig is train.Default, then the --config file, then the flags
// given on the command line. Each flag is named after its train.Config
// field's JSON key, underscores as dashes (TestTrainFlagsReachConfig
// checks that every field has one and that it arrives).
func trainConfig(c *cli.Context) (train.Config, error) {
	cfg := train.Default()
	if p := c.String("config"); p != "" {
		var err error
		if cfg, err = train.LoadConfig(p, cfg); err != nil {
			return cfg, err
		}
	}
	str := func(name string, dst *string) {
		if c.IsSet(name) {
			*dst = c.String(name)
		}
	}
	integer := func(name string, dst *int) {
		if c.IsSet(name) {
			*dst = c.Int(name)
		}
	}
	number := func(name string, dst *float64) {
		if c.IsSet(name) {
			*dst = c.Float64(name)
		}
	}
	boolean := func(name string, dst *bool) {
		if c.IsSet(name) {
			*dst = c.Bool(name)
		}
	}
	str("data", &cfg.Data)
	str("arch", &cfg.Arch)
	str("out", &cfg.Out)
	integer("epochs", &cfg.Epochs)
	integer("batch", &cfg.Batch)
	number("lr", &cfg.LR)
	str("optimizer", &cfg.Optimizer)
	number("weight-decay", &cfg.WeightDecay)
	boolean("decay-vectors", &cfg.DecayVectors)
	str("schedule", &cfg.Schedule)
	number("gamma", &cfg.Gamma)
	number("min-lr", &cfg.MinLR)
	integer("warmup-iters", &cfg.WarmupIters)
	number("warmup-ratio", &cfg.WarmupRatio)
	number("clip-norm", &cfg.ClipNorm)
	number("ema-decay", &cfg.EMADecay)
	number("loss-weight", &cfg.LossWeight)
	integer("ohkm-topk", &cfg.OHKMTopK)
	integer("ohkm-from-epoch", &cfg.OHKMFromEpoch)
	str("input", &cfg.Input)
	number("sigma", &cfg.Sigma)
	boolean("unbiased", &cfg.Unbiased)
	number("box-padding", &cfg.BoxPadding)
	number("scale-factor", &cfg.ScaleFactor)
	number("rot-factor", &cfg.RotFactor)
	number("half-body-prob", &cfg.HalfBodyProb)
	number("occlusion-prob", &cfg.OcclusionProb)
	number("occlusion-size", &cfg.OcclusionSize)
	integer("workers", &cfg.Workers)
	integer("replicas", &cfg.Replicas)
	integer("val-every", &cfg.ValEvery)
	boolean("flip-test", &cfg.FlipTest)
	str("resume", &cfg.Resume)
	str("init", &cfg.Init)
	if c.IsSet("seed") {
		cfg.Seed = c.Uint64("seed")
	}
	if c.IsSet("milestones") {
		ms, err := parseInts(c.String("milestones"))
		if err != nil {
			return cfg, fmt.Errorf("train: --milestones: %w", err)
		}
		cfg.Milestones = ms
	}
	if c.IsSet("joint-weights") {
		ws, err := train.ParseJointWeights(c.String("joint-weights"))
		if err != nil {
			return cfg, fmt.Errorf("train: --joint-weights: %w", err)
		}
		cfg.JointWeights = ws
	}
	return cfg, nil
}

// runTrain runs cfg until done, Ctrl-C or SIGTERM (which checkpoint first).
func runTrain(c *cli.Context, cfg train.Config) error {
	ctx, stop := stopContext(c.Context)
	defer stop()
	opt := train.Options{Progress: c.App.ErrWriter, InPlace: isTerminal(c.App.ErrWriter)}
	res, err := train.Train(ctx, cfg, opt)
	if err != nil {
		if ctx.Err() != nil && c.Context.Err() == nil {
			return fmt.Errorf("train: interrupted; resume with --resume %s/%s: %w", cfg.Out, train.LastCheckpoint, err)
		}
		return err
	}
	best, half := filepath.Join(cfg.Out, train.BestCheckpoint), filepath.Join(cfg.Out, train.HalfCheckpoint)
	if len(res.Epochs) == 0 && cfg.Resume != "" {
		// A finished run resumed: a script started again, or a wrong --out.
		fmt.Fprintf(c.App.ErrWriter, "train: %s is already at --epochs %d: nothing left to train (raise --epochs to train on)\n", cfg.Resume, cfg.Epochs)
		if _, err := os.Stat(best); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("train: nothing trained and no %s in --out %s: the best model of that run is in its own run folder", train.BestCheckpoint, cfg.Out)
		}
	}
	if err := train.ExportHalf(best, half); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "trained %d iterations; best val AP %.4f at epoch %d: %s (float16 copy %s)\n",
		res.Iter, res.BestAP, res.BestEpoch, best, half)
	return nil
}

// runValidate evaluates cfg.Init on cfg.Data's val split.
func runValidate(c *cli.Context, cfg train.Config) error {
	if cfg.Init == "" || cfg.Data == "" {
		return fmt.Errorf("train: --validate-only needs --init MODEL and --data DIR")
	}
	s, units, err := train.EvaluateModel(c.Context, cfg.Init, cfg.Data, cfg.Batch, cfg.Workers, cfg.FlipTest, cfg.Sigma)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s on %s (val, GT boxes, flip test %v):\n", cfg.Init, cfg.Data, cfg.FlipTest)
	if err := s.WriteText(c.App.Writer); err != nil {
		return err
	}
	if units.Total > 0 {
		fmt.Fprintf(c.App.Writer, "DY-ReLU hyper-function units no validation crop activates (dead): %d of %d\n", units.Dead, units.Total)
	}
	return nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
