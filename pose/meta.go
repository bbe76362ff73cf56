package pose

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Meta is what a checkpoint records besides the weights: the input size
// the model was trained for and the keypoint set.
type Meta struct {
	InputH, InputW int      // network input (256×192 by default)
	KeypointNames  []string // K names
	FlipPairs      [][2]int // left/right keypoint index pairs
	// Decode is the heatmap decoding the model's targets were made for:
	// DecodeArgmax (SimpleBaseline's nearest-cell targets) or DecodeDARK
	// (unbiased sub-cell targets). Inference uses it unless told otherwise.
	Decode string
	// Sigma is the σ of the training targets in heatmap cells, which DARK
	// decoding smooths with; 0 (not recorded): DefaultDARKSigma.
	Sigma float64
	// BoxPadding is how much a person box was enlarged before cropping in
	// training; inference crops the same way. Checkpoints that do not record
	// it were trained with DefaultBoxPadding.
	BoxPadding float64
}

// Heatmap decodings (Meta.Decode).
const (
	DecodeArgmax = "argmax" // argmax + quarter-pixel shift
	DecodeDARK   = "dark"   // DARK's Taylor refinement
)

// KnownDecode reports whether s names a heatmap decoding: DecodeArgmax or
// DecodeDARK.
func KnownDecode(s string) bool { return s == DecodeArgmax || s == DecodeDARK }

// Default input size (SimpleBaseline's COCO setting).
const (
	DefaultInputH = 256
	DefaultInputW = 192
)

// HeatmapStride is input size / heatmap size.
const HeatmapStride = 4

// MaxInputSide bounds each side of the input a checkpoint may record.
// Top-down crops are at most 384×288 in SimpleBaseline; a corrupt size
// would have every crop allocate gigabytes.
const MaxInputSide = 1024

// MaxSigma bounds the recorded σ (heatmap cells): the widest heatmap,
// MaxInputSide/HeatmapStride cells. DARK decoding allocates a kernel of
// 5σ+1 taps.
const MaxSigma = MaxInputSide / HeatmapStride

// DefaultBoxPadding is SimpleBaseline's box enlargement (coco.BoxPadding).
const DefaultBoxPadding = 1.25

// COCOKeypointNames returns the 17 COCO person keypoints in order.
func COCOKeypointNames() []string {
	return []string{
		"nose", "left_eye", "right_eye", "left_ear", "right_ear",
		"left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
		"left_wrist", "right_wrist", "left_hip", "right_hip",
		"left_knee", "right_knee", "left_ankle", "right_ankle",
	}
}

// COCOFlipPairs returns the left/right pairs of the COCO keypoints.
func COCOFlipPairs() [][2]int {
	return [][2]int{{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}, {11, 12}, {13, 14}, {15, 16}}
}

// DefaultMeta returns the COCO keypoints for k = 17, otherwise names
// "kp0".."kp<k-1>" with no flip pairs; the input is 256×192.
func DefaultMeta(k int) Meta {
	m := Meta{InputH: DefaultInputH, InputW: DefaultInputW, Decode: DecodeArgmax, BoxPadding: DefaultBoxPadding}
	if k == DefaultKeypoints {
		m.KeypointNames, m.FlipPairs = COCOKeypointNames(), COCOFlipPairs()
		return m
	}
	for i := range k {
		m.KeypointNames = append(m.KeypointNames, "kp"+strconv.Itoa(i))
	}
	return m
}

// Checkpoint metadata keys (safetensors "__metadata__").
const (
	MetaArch      = "dypose.arch"        // Arch.String()
	MetaInput     = "dypose.input"       // "256x192" (height x width)
	MetaKeypoints = "dypose.keypoints"   // comma-separated names
	MetaFlipPairs = "dypose.flip_pairs"  // "1-2,3-4,..."
	MetaDecode    = "dypose.decode"      // Meta.Decode
	MetaSigma     = "dypose.sigma"       // Meta.Sigma, when set
	MetaPadding   = "dypose.box_padding" // Meta.BoxPadding
)

// encode writes m into md.
func (m Meta) encode(md map[string]string) {
	md[MetaInput] = fmt.Sprintf("%dx%d", m.InputH, m.InputW)
	md[MetaKeypoints] = strings.Join(m.KeypointNames, ",")
	pairs := make([]string, len(m.FlipPairs))
	for i, p := range m.FlipPairs {
		pairs[i] = fmt.Sprintf("%d-%d", p[0], p[1])
	}
	md[MetaFlipPairs] = strings.Join(pairs, ",")
	md[MetaDecode] = m.Decode
	if m.Sigma != 0 {
		md[MetaSigma] = strconv.FormatFloat(m.Sigma, 'g', -1, 64)
	}
	md[MetaPadding] = strconv.FormatFloat(m.BoxPadding, 'g', -1, 64)
}

// decodeMeta reads the metadata of a checkpoint for a k-keypoint model;
// absent or empty entries keep DefaultMeta's values.
func decodeMeta(md map[string]string, k int) (Meta, error) {
	m := DefaultMeta(k)
	if s := md[MetaInput]; s != "" {
		hs, ws, ok := strings.Cut(s, "x")
		h, err1 := strconv.Atoi(hs)
		w, err2 := strconv.Atoi(ws)
		if !ok || err1 != nil || err2 != nil || h < 1 || w < 1 || h > MaxInputSide || w > MaxInputSide {
			return Meta{}, fmt.Errorf("%s %q: want HxW with sides in [1, %d]", MetaInput, s, MaxInputSide)
		}
		m.InputH, m.InputW = h, w
	}
	if s := md[MetaDecode]; s != "" {
		if !KnownDecode(s) {
			return Meta{}, fmt.Errorf("%s %q: want %s or %s", MetaDecode, s, DecodeArgmax, DecodeDARK)
		}
		m.Decode = s
	}
	if s := md[MetaSigma]; s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v > 0 && v <= MaxSigma) {
			return Meta{}, fmt.Errorf("%s %q: want a number in (0, %d]", MetaSigma, s, MaxSigma)
		}
		m.Sigma = v
	}
	if s := md[MetaPadding]; s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return Meta{}, fmt.Errorf("%s %q: want a positive number", MetaPadding, s)
		}
		m.BoxPadding = v
	}
	if s := md[MetaKeypoints]; s != "" {
		names := strings.Split(s, ",")
		if len(names) != k {
			return Meta{}, fmt.Errorf("%s has %d names for %d keypoints", MetaKeypoints, len(names), k)
		}
		m.KeypointNames = names
	}
	if s, ok := md[MetaFlipPairs]; ok {
		m.FlipPairs = nil
		paired := make([]bool, k) // FlipBack swaps each keypoint with one partner
		for _, p := range strings.Split(s, ",") {
			if p == "" {
				continue
			}
			as, bs, ok := strings.Cut(p, "-")
			a, err1 := strconv.Atoi(as)
			b, err2 := strconv.Atoi(bs)
			if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 || a >= k || b >= k || a == b {
				return Meta{}, fmt.Errorf("%s: bad pair %q for %d keypoints", MetaFlipPairs, p, k)
			}
			if paired[a] || paired[b] {
				return Meta{}, fmt.Errorf("%s: pair %q reuses a keypoint of another pair", MetaFlipPairs, p)
			}
			paired[a], paired[b] = true, true
			m.FlipPairs = append(m.FlipPairs, [2]int{a, b})
		}
	}
	return m, nil
}
