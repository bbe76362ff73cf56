package pose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dypose/dypose/backbone"
	"github.com/dypose/dypose/head"
)

// Arch names a pose network: backbone size and activations, head kind and
// widths, number of keypoints. Its String form is recorded in every
// checkpoint, and ParseArch reads it back:
//
//	mnv3-{small|large}-{baseline|dyrelu-a|dyrelu-b|dyrelu-c}[-deconv|-lat][-w<mult>][-hc<n>][-k<n>]
//
// e.g. "mnv3-small-dyrelu-c" (the mission), "mnv3-large-baseline-deconv",
// "mnv3-small-dyrelu-c-lat" (DWUp head with lateral connections from the
// backbone's stride-16, 8 and 4 features), "mnv3-small-dyrelu-c-w0.75-hc64". Suffixes are optional and come in this
// order; defaults (width 1, the head's default channels, 17 keypoints) are
// not written. The width is in (0, 4], hc at most MaxHeadChannels and k at
// most MaxKeypoints. scripts/twin.py parses the same names.
type Arch struct {
	Size         backbone.Size       // Small or Large
	Act          backbone.Activation // Baseline (ReLU/h-swish + SE) or a DY-ReLU variant
	Head         head.Kind           // DWUp (default) or Deconv
	Width        float64             // backbone width multiplier (1)
	HeadChannels int                 // head width (DWUp 128, Deconv 256)
	Keypoints    int                 // heatmaps K (17, COCO)
	Lateral      bool                // DWUp head with lateral connections (head.NewLateral)
}

// DefaultKeypoints is the number of COCO person keypoints.
const DefaultKeypoints = 17

// Bounds of the -hc and -k suffixes. A name comes from a checkpoint's
// metadata, and New allocates hc² weights per head stage and hc·k in the
// final layer: these keep a corrupt name from asking for terabytes while
// leaving room (4× the Deconv head's 256 channels; 1024 keypoints, well
// above COCO-WholeBody's 133).
const (
	MaxHeadChannels = 1024
	MaxKeypoints    = 1024
)

// DefaultArch is the mission's network, MobileNetV3-Small with DY-ReLU-C.
const DefaultArch = "mnv3-small-dyrelu-c"

const archPrefix = "mnv3-"

// ParseArch reads an architecture name (see Arch).
func ParseArch(name string) (Arch, error) {
	bad := func(why string) (Arch, error) {
		return Arch{}, fmt.Errorf("pose: architecture %q: %s (want mnv3-{small|large}-{baseline|dyrelu-a|dyrelu-b|dyrelu-c}[-deconv|-lat][-w<mult>][-hc<n>][-k<n>])", name, why)
	}
	s, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(name)), archPrefix)
	if !ok {
		return bad("no " + archPrefix + " prefix")
	}
	var a Arch
	sizeName, rest, _ := strings.Cut(s, "-")
	switch sizeName {
	case "small":
		a.Size = backbone.Small
	case "large":
		a.Size = backbone.Large
	default:
		return bad("unknown size " + strconv.Quote(sizeName))
	}
	actNames := []struct {
		name string
		act  backbone.Activation
	}{
		{"baseline", backbone.Baseline},
		{"dyrelu-a", backbone.DyReLUA},
		{"dyrelu-b", backbone.DyReLUB},
		{"dyrelu-c", backbone.DyReLUC},
	}
	found := false
	for _, an := range actNames {
		if r, ok := strings.CutPrefix(rest, an.name); ok && (r == "" || r[0] == '-') {
			a.Act, rest, found = an.act, r, true
			break
		}
	}
	if !found {
		return bad("unknown activation in " + strconv.Quote(rest))
	}
	a.Head, a.Width, a.Keypoints = head.DWUp, 1, DefaultKeypoints
	if rest != "" {
		// Suffixes, each at most once and in the documented order.
		order := 0
		for _, part := range strings.Split(rest[1:], "-") {
			var rank int
			var err error
			switch {
			case part == "deconv":
				rank, a.Head = 1, head.Deconv
			case part == "lat":
				rank, a.Lateral = 2, true
				if a.Head == head.Deconv {
					return bad("lateral connections need the DWUp head, not -deconv")
				}
			case strings.HasPrefix(part, "hc"):
				rank = 4
				a.HeadChannels, err = strconv.Atoi(part[2:])
				if err == nil && (a.HeadChannels < 1 || a.HeadChannels > MaxHeadChannels) {
					err = fmt.Errorf("must be in [1, %d]", MaxHeadChannels)
				}
			case strings.HasPrefix(part, "w"):
				rank = 3
				a.Width, err = strconv.ParseFloat(part[1:], 64)
				if err == nil && !(a.Width > 0 && a.Width <= 4) {
					err = fmt.Errorf("must be in (0, 4]")
				}
			case strings.HasPrefix(part, "k"):
				rank = 5
				a.Keypoints, err = strconv.Atoi(part[1:])
				if err == nil && (a.Keypoints < 1 || a.Keypoints > MaxKeypoints) {
					err = fmt.Errorf("must be in [1, %d]", MaxKeypoints)
				}
			default:
				return bad("unknown suffix " + strconv.Quote(part))
			}
			if err != nil {
				return bad(fmt.Sprintf("suffix %q: %v", part, err))
			}
			if rank <= order {
				return bad(fmt.Sprintf("suffix %q repeated or out of order", part))
			}
			order = rank
		}
	}
	if a.HeadChannels == 0 {
		a.HeadChannels = a.Head.DefaultChannels()
	}
	return a, nil
}

// lateralMultiple is the backbone's stride: only for inputs whose sides are
// multiples of it do the upsampled stages line up with the backbone's
// stride-16, 8 and 4 maps.
const lateralMultiple = 32

// CheckInput reports an input size (h, w) the architecture cannot take: a
// head with laterals needs sides that are multiples of 32.
func (a Arch) CheckInput(h, w int) error {
	if a.Lateral && (h%lateralMultiple != 0 || w%lateralMultiple != 0) {
		return fmt.Errorf("pose: %s: input %dx%d: a head with laterals needs sides that are multiples of %d", a, h, w, lateralMultiple)
	}
	return nil
}

// MustParseArch is ParseArch for names fixed in the program; it panics on
// an error.
func MustParseArch(name string) Arch {
	a, err := ParseArch(name)
	if err != nil {
		panic(err)
	}
	return a
}

// String returns the canonical name; ParseArch(a.String()) == a.
func (a Arch) String() string {
	var b strings.Builder
	b.WriteString(archPrefix)
	b.WriteString(a.Size.String())
	b.WriteByte('-')
	b.WriteString(a.Act.String())
	if a.Head == head.Deconv {
		b.WriteString("-deconv")
	}
	if a.Lateral {
		b.WriteString("-lat")
	}
	if a.Width != 1 {
		// 'f', not 'g': an exponent's "-" ("1e-05") would split the name.
		b.WriteString("-w" + strconv.FormatFloat(a.Width, 'f', -1, 64))
	}
	if a.HeadChannels != a.Head.DefaultChannels() {
		b.WriteString("-hc" + strconv.Itoa(a.HeadChannels))
	}
	if a.Keypoints != DefaultKeypoints {
		b.WriteString("-k" + strconv.Itoa(a.Keypoints))
	}
	return b.String()
}
