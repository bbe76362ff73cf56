package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/pose"
)

// Schedule names accepted by Config.Schedule.
const (
	ScheduleStep       = "step"
	ScheduleCosine     = "cosine"      // annealed once per epoch (mmpose's by_epoch)
	ScheduleCosineIter = "cosine-iter" // annealed every iteration: smooth over a short run
)

// Optimiser names accepted by Config.Optimizer.
const (
	OptimizerAdam  = "adam"
	OptimizerAdamW = "adamw"
)

// inputMultiple is what the input sides must be multiples of (the
// backbone's stride 32) for the heatmaps to be exactly
// 1/pose.HeatmapStride of the input.
const inputMultiple = 32

// Upper bounds of the sizes a config may ask for, far above any run's
// (SimpleBaseline's largest input is 384×288, its batch 32 per GPU): they
// keep the loaders' batch buffers, 2·workers of batch·3·H·W floats, in
// sizes an int can hold, and the worker goroutines few. The input side and
// σ are the bounds pose.Load accepts, so that every run's checkpoint loads.
const (
	maxInputSide = pose.MaxInputSide
	maxBatch     = 4096
	maxWorkers   = 256
	maxSigma     = pose.MaxSigma
)

// Config is one training run. Every field has a CLI flag of the same name
// (underscores become dashes) and its default, from Default, is
// SimpleBaseline's COCO recipe as the DY-ReLU paper trains its keypoint
// networks: Adam, lr 1e-3, 210 epochs with ×0.1 at 170 and 200, batch 32,
// 256×192 input and 64×48 heatmaps, 500 iterations of linear warm-up from
// ratio 0.001.
type Config struct {
	Data string `json:"data" yaml:"data"` // COCO-layout folder (see coco.FindSplit)
	Arch string `json:"arch" yaml:"arch"` // pose.ParseArch name; mnv3-small-dyrelu-c
	Out  string `json:"out" yaml:"out"`   // run directory

	Epochs      int     `json:"epochs" yaml:"epochs"`             // 210
	Batch       int     `json:"batch" yaml:"batch"`               // 32
	LR          float64 `json:"lr" yaml:"lr"`                     // 1e-3
	Optimizer   string  `json:"optimizer" yaml:"optimizer"`       // adam or adamw
	WeightDecay float64 `json:"weight_decay" yaml:"weight_decay"` // 0 (AdamW: set e.g. 1e-2)
	Schedule    string  `json:"schedule" yaml:"schedule"`         // step, cosine or cosine-iter
	Milestones  []int   `json:"milestones" yaml:"milestones"`     // step: 170, 200
	Gamma       float64 `json:"gamma" yaml:"gamma"`               // step: 0.1
	MinLR       float64 `json:"min_lr" yaml:"min_lr"`             // cosine, cosine-iter: 0
	WarmupIters int     `json:"warmup_iters" yaml:"warmup_iters"` // 500
	WarmupRatio float64 `json:"warmup_ratio" yaml:"warmup_ratio"` // 0.001
	ClipNorm    float64 `json:"clip_norm" yaml:"clip_norm"`       // global gradient-norm clip; 0 = off
	// DecayVectors false leaves the one-dimensional parameters (biases,
	// BatchNorm's affine) out of WeightDecay, as mmpose's
	// norm_decay_mult=0, bias_decay_mult=0; true, PyTorch's single group.
	DecayVectors bool `json:"decay_vectors" yaml:"decay_vectors"`
	// EMADecay keeps a moving average of the weights (nn.EMA) after every
	// step and validates, picks and saves best.safetensors from it instead
	// of the raw weights; last.safetensors keeps both, so resuming is exact.
	// 0: off (the paper's recipe has none); mmpose's RTMPose uses 0.9998.
	EMADecay float64 `json:"ema_decay" yaml:"ema_decay"`
	// LossWeight multiplies the loss before back-propagation (mmpose's
	// loss_weight); 1. Adam is blind to the loss scale except through its
	// ε (1e-8): from scratch, SimpleBaseline's head (final layer N(0, 0.001))
	// leaves the backbone's gradients at 1e-9…1e-11, where ε swallows most
	// of each step, and a weight of ~1000 lets the backbone learn. The
	// logged loss is the unweighted one.
	LossWeight float64 `json:"loss_weight" yaml:"loss_weight"`
	// OHKMTopK turns on online hard keypoint mining: each sample's loss is
	// the mean of its OHKMTopK worst joints (SimpleBaseline's
	// JointsOHKMMSELoss, whose setting is 8); 0, off (the paper's plain MSE).
	// The logged loss is then the mined one, larger than the plain loss.
	OHKMTopK int `json:"ohkm_topk" yaml:"ohkm_topk"`
	// OHKMFromEpoch delays the mining to the epochs from this one on
	// (1-based): from scratch OHKM learns slower than the plain loss, and
	// as a last phase it refines the hard joints. 0 or 1: every epoch.
	OHKMFromEpoch int `json:"ohkm_from_epoch" yaml:"ohkm_from_epoch"`
	// JointWeights multiplies each joint's target weight by its value, one
	// per keypoint (HRNet's and mmpose's joint_weights; JointWeightsCOCO
	// is their COCO setting). The loss weighs a joint by its target weight
	// squared, as theirs does, so 1.5 counts a wrist 2.25 times. Empty: 1
	// for every joint (SimpleBaseline).
	JointWeights []float64 `json:"joint_weights" yaml:"joint_weights"`

	Input string  `json:"input" yaml:"input"` // HxW, 256x192; heatmaps are input/4
	Sigma float64 `json:"sigma" yaml:"sigma"` // target Gaussian σ in heatmap cells; 2
	// Unbiased centres the target Gaussians on the joints' sub-cell
	// positions (DARK's encoding; see coco.Geometry) and validates with
	// DARK decoding; false, SimpleBaseline's nearest-cell targets.
	Unbiased bool `json:"unbiased" yaml:"unbiased"`
	// BoxPadding enlarges each person box before cropping, in training,
	// validation and (recorded in the checkpoint) inference; 1.25.
	BoxPadding float64 `json:"box_padding" yaml:"box_padding"`

	// Augmentation (SimpleBaseline's COCO settings; flips always on).
	ScaleFactor  float64 `json:"scale_factor" yaml:"scale_factor"`     // box scale × clip(N(0,1)·f + 1, 1−f, 1+f); 0.35
	RotFactor    float64 `json:"rot_factor" yaml:"rot_factor"`         // rotation clip(N(0,1)·f, −2f, 2f)° with probability 0.6; 45
	HalfBodyProb float64 `json:"half_body_prob" yaml:"half_body_prob"` // upper- or lower-body crop probability; 0.3
	// OcclusionProb is the probability of a random-colour rectangle painted
	// over the crop, its sides between half of OcclusionSize and
	// OcclusionSize of the crop's (coco.Augmentation); 0 (off), 0.4.
	OcclusionProb float64 `json:"occlusion_prob" yaml:"occlusion_prob"`
	OcclusionSize float64 `json:"occlusion_size" yaml:"occlusion_size"`

	Workers int `json:"workers" yaml:"workers"` // data-loading goroutines; 0 = GOMAXPROCS
	// Replicas splits each batch over that many copies of the model, run
	// at once on their own goroutines, whose gradients are summed before
	// the optimiser step; their BatchNorm layers share the whole batch's
	// statistics (nn.BatchSync), so they compute what one model does. 0 or
	// 1: one model over the whole batch, each layer split across the cores.
	Replicas int    `json:"replicas" yaml:"replicas"`
	Seed     uint64 `json:"seed" yaml:"seed"`                         // 1: weights, sample order, augmentation
	ValEvery int    `json:"val_every" yaml:"val_every"`               // validate every N epochs (and after the last); 0 = only after the last
	FlipTest bool   `json:"flip_test" yaml:"flip_test"`               // validate with the flip test; true
	Resume   string `json:"resume,omitempty" yaml:"resume,omitempty"` // last.safetensors to continue exactly
	// Init starts from the weights of a model checkpoint (e.g. another
	// run's best.safetensors) with a fresh optimiser and schedule: fine-tuning
	// or a warm restart. Ignored when resuming.
	Init string `json:"init,omitempty" yaml:"init,omitempty"`
}

// JointWeightsCOCO are HRNet's COCO joint weights (its
// USE_DIFFERENT_JOINTS_WEIGHT, mmpose's joint_weights): elbows and knees
// 1.2, wrists and ankles 1.5, the rest 1.
var JointWeightsCOCO = []float64{1, 1, 1, 1, 1, 1, 1, 1.2, 1.2, 1.5, 1.5, 1, 1, 1.2, 1.2, 1.5, 1.5}

// ParseJointWeights reads a --joint-weights value: "coco"
// (JointWeightsCOCO), "" (none) or comma-separated numbers, one per
// keypoint.
func ParseJointWeights(s string) ([]float64, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		return nil, nil
	case "coco":
		return append([]float64(nil), JointWeightsCOCO...), nil
	}
	var ws []float64
	for i, f := range strings.Split(s, ",") {
		w, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("joint weights %q: value %d: %w (want \"coco\" or comma-separated numbers)", s, i+1, err)
		}
		ws = append(ws, w)
	}
	return ws, nil
}

// Default returns the paper's recipe (see Config).
func Default() Config {
	aug := coco.DefaultAugmentation()
	return Config{
		Arch: pose.DefaultArch, Epochs: 210, Batch: 32, LR: 1e-3, Optimizer: OptimizerAdam,
		Schedule: ScheduleStep, Milestones: []int{170, 200}, Gamma: 0.1,
		WarmupIters: 500, WarmupRatio: 0.001,
		LossWeight: 1, Input: "256x192", Sigma: 2, BoxPadding: coco.BoxPadding, Seed: 1, ValEvery: 10, FlipTest: true,
		ScaleFactor: aug.ScaleFactor, RotFactor: aug.RotFactor, HalfBodyProb: aug.HalfBodyProb,
		OcclusionProb: aug.OcclusionProb, OcclusionSize: aug.OcclusionSize,
	}
}

// LoadConfig reads a JSON (.json) or YAML (.yaml, .yml) config file over
// base: fields the file leaves out keep base's values; unknown fields are
// an error.
func LoadConfig(path string, base Config) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return base, fmt.Errorf("train: config: %w", err)
	}
	return parseConfig(data, path, base)
}

// parseConfig is LoadConfig on the file's contents, data; path gives the
// format (by its extension) and names the file in errors.
func parseConfig(data []byte, path string, base Config) (Config, error) {
	var err error
	cfg := base
	// The JSON decoder fills a slice in place: give cfg its own, so that
	// neither a file's values nor a failed decode reach base's.
	cfg.Milestones = slices.Clone(base.Milestones)
	cfg.JointWeights = slices.Clone(base.JointWeights)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&cfg)
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		err = dec.Decode(&cfg)
	default:
		return base, fmt.Errorf("train: config %s: unknown extension (want .json, .yaml or .yml)", path)
	}
	if err != nil {
		return base, fmt.Errorf("train: config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseInput reads "HxW" (e.g. "256x192") as input height and width.
func ParseInput(s string) (h, w int, err error) {
	hs, ws, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	if ok {
		h, err = strconv.Atoi(hs)
		if err == nil {
			w, err = strconv.Atoi(ws)
		}
	}
	if !ok || err != nil || h <= 0 || w <= 0 || h > maxInputSide || w > maxInputSide || h%inputMultiple != 0 || w%inputMultiple != 0 {
		return 0, 0, fmt.Errorf("input size %q: want HxW, positive multiples of %d, the backbone's stride, up to %d (e.g. 256x192)",
			s, inputMultiple, maxInputSide)
	}
	return h, w, nil
}

// Geometry returns the crop and heatmap layout of c.
func (c Config) Geometry() (coco.Geometry, error) {
	h, w, err := ParseInput(c.Input)
	if err != nil {
		return coco.Geometry{}, err
	}
	return coco.Geometry{InputW: w, InputH: h, HeatmapW: w / pose.HeatmapStride, HeatmapH: h / pose.HeatmapStride,
		Sigma: c.Sigma, Unbiased: c.Unbiased, BoxPadding: c.BoxPadding}, nil
}

// Augmentation returns the training augmentation of c.
func (c Config) Augmentation() coco.Augmentation {
	aug := coco.DefaultAugmentation()
	aug.ScaleFactor, aug.RotFactor, aug.HalfBodyProb = c.ScaleFactor, c.RotFactor, c.HalfBodyProb
	aug.OcclusionProb, aug.OcclusionSize = c.OcclusionProb, c.OcclusionSize
	return aug
}

// Validate reports a config that cannot run. Every number must be finite:
// the checkpoint records the config as JSON, which has no NaN or ±Inf.
func (c Config) Validate() error {
	var bad []string
	if c.Data == "" {
		bad = append(bad, "data folder not set")
	}
	if c.Out == "" {
		bad = append(bad, "run directory (out) not set")
	}
	if _, err := pose.ParseArch(c.Arch); err != nil {
		bad = append(bad, err.Error())
	}
	if c.Epochs <= 0 {
		bad = append(bad, fmt.Sprintf("epochs %d, want > 0", c.Epochs))
	}
	if c.Batch <= 0 {
		bad = append(bad, fmt.Sprintf("batch %d, want > 0", c.Batch))
	} else if c.Batch > maxBatch {
		bad = append(bad, fmt.Sprintf("batch %d, want at most %d", c.Batch, maxBatch))
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		bad = append(bad, fmt.Sprintf("lr %v, want > 0", c.LR))
	}
	if c.Optimizer != OptimizerAdam && c.Optimizer != OptimizerAdamW {
		bad = append(bad, fmt.Sprintf("optimizer %q, want %s or %s", c.Optimizer, OptimizerAdam, OptimizerAdamW))
	}
	if c.Schedule != ScheduleStep && c.Schedule != ScheduleCosine && c.Schedule != ScheduleCosineIter {
		bad = append(bad, fmt.Sprintf("schedule %q, want %s, %s or %s", c.Schedule, ScheduleStep, ScheduleCosine, ScheduleCosineIter))
	}
	if c.WarmupIters < 0 || !(c.WarmupRatio >= 0 && c.WarmupRatio <= 1) { // NaN too
		bad = append(bad, fmt.Sprintf("warm-up %d iterations ratio %v, want ≥ 0 and ratio in [0, 1]", c.WarmupIters, c.WarmupRatio))
	}
	if !(c.MinLR >= 0) || math.IsInf(c.MinLR, 0) || (c.Schedule != ScheduleStep && c.MinLR > c.LR) {
		bad = append(bad, fmt.Sprintf("min_lr %v, want 0 to lr (%v)", c.MinLR, c.LR))
	}
	// Even a gamma the schedule does not use must be finite (see above).
	if (c.Schedule == ScheduleStep && !(c.Gamma > 0)) || math.IsNaN(c.Gamma) || math.IsInf(c.Gamma, 0) {
		bad = append(bad, fmt.Sprintf("gamma %v, want > 0 (finite off the step schedule)", c.Gamma))
	}
	if c.Schedule == ScheduleStep {
		for _, m := range c.Milestones {
			if m < 1 {
				bad = append(bad, fmt.Sprintf("milestones %v, want epochs ≥ 1", c.Milestones))
				break
			}
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"clip_norm", c.ClipNorm}, {"weight_decay", c.WeightDecay}, {"val_every", float64(c.ValEvery)}, {"workers", float64(c.Workers)}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			bad = append(bad, fmt.Sprintf("%s %v, want ≥ 0", f.name, f.v))
		}
	}
	if c.Workers > maxWorkers {
		bad = append(bad, fmt.Sprintf("workers %d, want at most %d", c.Workers, maxWorkers))
	}
	if c.Batch > 0 && (c.Replicas < 0 || c.Replicas > c.Batch) {
		bad = append(bad, fmt.Sprintf("replicas %d, want 0 to the batch size %d", c.Replicas, c.Batch))
	}
	if !(c.EMADecay >= 0 && c.EMADecay < 1) { // NaN too
		bad = append(bad, fmt.Sprintf("ema_decay %v, want 0 (off) or in (0, 1)", c.EMADecay))
	}
	if c.OHKMTopK < 0 {
		bad = append(bad, fmt.Sprintf("ohkm_topk %d, want ≥ 0", c.OHKMTopK))
	}
	if c.OHKMFromEpoch < 0 || (c.OHKMFromEpoch > 1 && c.OHKMTopK == 0) || c.OHKMFromEpoch > c.Epochs {
		bad = append(bad, fmt.Sprintf("ohkm_from_epoch %d, want 0 to the epochs (%d), and ohkm_topk > 0 when above 1", c.OHKMFromEpoch, c.Epochs))
	}
	if !(c.LossWeight > 0) || math.IsInf(c.LossWeight, 0) {
		bad = append(bad, fmt.Sprintf("loss_weight %v, want > 0", c.LossWeight))
	}
	for i, w := range c.JointWeights {
		if !(w > 0) || math.IsInf(w, 0) {
			bad = append(bad, fmt.Sprintf("joint_weights[%d] %v, want > 0", i, w))
			break
		}
	}
	if !(c.ScaleFactor >= 0 && c.ScaleFactor < 1) || !(c.RotFactor >= 0) || math.IsInf(c.RotFactor, 0) ||
		!(c.HalfBodyProb >= 0 && c.HalfBodyProb <= 1) { // NaN too
		bad = append(bad, fmt.Sprintf("augmentation scale_factor %v, rot_factor %v, half_body_prob %v: want scale_factor in [0, 1), rot_factor ≥ 0, half_body_prob in [0, 1]",
			c.ScaleFactor, c.RotFactor, c.HalfBodyProb))
	}
	if !(c.OcclusionProb >= 0 && c.OcclusionProb <= 1) || (c.OcclusionProb > 0 && !(c.OcclusionSize > 0 && c.OcclusionSize <= 1)) ||
		math.IsNaN(c.OcclusionSize) || math.IsInf(c.OcclusionSize, 0) {
		bad = append(bad, fmt.Sprintf("augmentation occlusion_prob %v, occlusion_size %v: want occlusion_prob in [0, 1] and occlusion_size finite, in (0, 1] when occlusion_prob is above 0",
			c.OcclusionProb, c.OcclusionSize))
	}
	if !(c.Sigma > 0 && c.Sigma <= maxSigma) {
		bad = append(bad, fmt.Sprintf("sigma %v, want > 0 and at most %d heatmap cells", c.Sigma, maxSigma))
	}
	if !(c.BoxPadding > 0) || math.IsInf(c.BoxPadding, 0) {
		bad = append(bad, fmt.Sprintf("box_padding %v, want > 0", c.BoxPadding))
	}
	if _, _, err := ParseInput(c.Input); err != nil {
		bad = append(bad, err.Error())
	}
	if len(bad) > 0 {
		return fmt.Errorf("train: config: %s", strings.Join(bad, "; "))
	}
	return nil
}
