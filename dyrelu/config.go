package dyrelu

import (
	"fmt"
	"strings"
)

// Variant selects how DY-ReLU shares its coefficients.
type Variant int

const (
	// A shares one set of K pieces across all channels and positions
	// (hyper function outputs 2K values per sample).
	A Variant = iota
	// B has K pieces per channel, shared across positions (2KC values).
	B
	// C has K pieces per channel, scaled per position by a spatial
	// attention π_{h,w} (2KC values plus a 1×1 convolution to one channel).
	C
)

// String returns the paper's name of the variant, "DY-ReLU-A" etc.
func (v Variant) String() string {
	switch v {
	case A:
		return "DY-ReLU-A"
	case B:
		return "DY-ReLU-B"
	case C:
		return "DY-ReLU-C"
	default:
		return fmt.Sprintf("Variant(%d)", int(v))
	}
}

// ParseVariant reads a variant name: "a", "B", "dyrelu-c", "dy-relu-c" and
// "DY-ReLU-C" are all accepted (case-insensitive, '_' or '-').
func ParseVariant(s string) (Variant, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.ReplaceAll(t, "_", "-")
	for _, prefix := range []string{"dy-relu-", "dyrelu-", "dyrelu"} {
		if rest, ok := strings.CutPrefix(t, prefix); ok {
			t = rest
			break
		}
	}
	switch t {
	case "a":
		return A, nil
	case "b":
		return B, nil
	case "c":
		return C, nil
	default:
		return 0, fmt.Errorf("dyrelu: unknown variant %q (want a, b or c)", s)
	}
}

// Config holds the hyper-parameters of a DY-ReLU layer. DefaultConfig gives
// the paper's values; start from it and change fields.
type Config struct {
	// K is the number of linear pieces (paper: 2).
	K int
	// Reduction is the ratio R of the hyper function's bottleneck:
	// hidden = max(C/R, MinHidden). The paper uses R = 8.
	Reduction int
	// LambdaA and LambdaB scale the residuals: a = α + λa·Δa, b = β + λb·Δb
	// (paper: 1.0 and 0.5).
	LambdaA, LambdaB float32
	// InitAlpha and InitBeta (K values each) are the coefficients when the
	// residuals are zero (paper: α = (1, 0), β = (0, 0), i.e. ReLU).
	InitAlpha, InitBeta []float32
	// Tau is the temperature of DY-ReLU-C's spatial softmax (paper: 10).
	Tau float32
	// GammaDivisor sets γ = H·W / GammaDivisor in π = min(γ·softmax, 1)
	// (paper: γ = HW/3, so 3).
	GammaDivisor float32
	// MinHidden is the narrowest bottleneck. The paper does not say what to
	// do when C/R is tiny; dypose uses 4 so the 16-channel MobileNetV3 sites
	// do not get a 2-unit bottleneck.
	MinHidden int
}

// Paper defaults (Chen et al. 2020, section 3 and 5).
const (
	DefaultK            = 2
	DefaultReduction    = 8
	DefaultLambdaA      = 1.0
	DefaultLambdaB      = 0.5
	DefaultTau          = 10
	DefaultGammaDivisor = 3
	DefaultMinHidden    = 4
)

// DefaultConfig returns the paper's configuration: K = 2, R = 8,
// λa = 1, λb = 0.5, α = (1, 0), β = (0, 0), τ = 10, γ = HW/3.
func DefaultConfig() Config {
	return Config{
		K:            DefaultK,
		Reduction:    DefaultReduction,
		LambdaA:      DefaultLambdaA,
		LambdaB:      DefaultLambdaB,
		InitAlpha:    []float32{1, 0},
		InitBeta:     []float32{0, 0},
		Tau:          DefaultTau,
		GammaDivisor: DefaultGammaDivisor,
		MinHidden:    DefaultMinHidden,
	}
}

// Validate reports what is wrong with c, or nil.
func (c Config) Validate() error {
	var bad []string
	if c.K < 1 {
		bad = append(bad, fmt.Sprintf("K = %d, want ≥ 1", c.K))
	}
	if c.Reduction < 1 {
		bad = append(bad, fmt.Sprintf("Reduction = %d, want ≥ 1", c.Reduction))
	}
	if c.MinHidden < 1 {
		bad = append(bad, fmt.Sprintf("MinHidden = %d, want ≥ 1", c.MinHidden))
	}
	if len(c.InitAlpha) != c.K || len(c.InitBeta) != c.K {
		bad = append(bad, fmt.Sprintf("InitAlpha/InitBeta have %d/%d values, want K = %d", len(c.InitAlpha), len(c.InitBeta), c.K))
	}
	if !(c.Tau > 0) { // also rejects NaN
		bad = append(bad, fmt.Sprintf("Tau = %g, want > 0", c.Tau))
	}
	if !(c.GammaDivisor > 0) {
		bad = append(bad, fmt.Sprintf("GammaDivisor = %g, want > 0", c.GammaDivisor))
	}
	if len(bad) > 0 {
		return fmt.Errorf("dyrelu: config: %s", strings.Join(bad, "; "))
	}
	return nil
}

// Hidden returns the width of the hyper function's bottleneck for a layer
// of the given channels: max(channels/Reduction, MinHidden).
func (c Config) Hidden(channels int) int { return max(channels/c.Reduction, c.MinHidden) }

// clone returns c with its own copies of the slices, so that a layer is not
// changed by later edits of the caller's Config.
func (c Config) clone() Config {
	c.InitAlpha = append([]float32(nil), c.InitAlpha...)
	c.InitBeta = append([]float32(nil), c.InitBeta...)
	return c
}
