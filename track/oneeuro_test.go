package track

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type sample struct{ t, x float64 }

// With Beta = 0 the filter is a first-order low-pass at MinCutoff; every
// step below is worked out by hand from α = 2π·fc·te / (1 + 2π·fc·te).
func TestOneEuroHandValues(t *testing.T) {
	// α at fc = 1 Hz: te = 0.1 s → 0.6283185/1.6283185 = 0.3858695;
	// te = 0.2 s → 1.2566371/2.2566371 = 0.5568613.
	const a01, a02 = 0.3858695, 0.5568613
	tests := []struct {
		name    string
		p       OneEuroParams
		samples []sample
		want    []float64
	}{
		{
			name:    "first sample passes through",
			p:       OneEuroParams{MinCutoff: 1, Beta: 0, DCutoff: 1},
			samples: []sample{{0, 5}},
			want:    []float64{5},
		},
		{
			name:    "low-pass step at 10 Hz",
			p:       OneEuroParams{MinCutoff: 1, Beta: 0, DCutoff: 1},
			samples: []sample{{0, 0}, {0.1, 1}, {0.2, 1}},
			// x̂1 = α; x̂2 = α + α(1 − α) = α(2 − α)
			want: []float64{0, a01, a01 * (2 - a01)},
		},
		{
			name:    "uneven frame time uses the real interval",
			p:       OneEuroParams{MinCutoff: 1, Beta: 0, DCutoff: 1},
			samples: []sample{{0, 0}, {0.1, 1}, {0.3, 1}},
			want:    []float64{0, a01, a01 + a02*(1-a01)},
		},
		{
			name:    "beta raises the cutoff with speed",
			p:       OneEuroParams{MinCutoff: 1, Beta: 0.1, DCutoff: 1},
			samples: []sample{{0, 0}, {0.1, 1}},
			// ẋ = (1 − 0)/0.1 = 10; filtered ẋ = α_d·10 = 3.858695 (α_d = a01);
			// fc = 1 + 0.1·3.858695 = 1.3858695 Hz;
			// α = 2π·0.13858695/(1 + 2π·0.13858695) = 0.8707634/1.8707634 = 0.4654600.
			want: []float64{0, 0.4654600},
		},
		{
			name:    "constant signal stays put",
			p:       DefaultOneEuro(),
			samples: []sample{{0, 3}, {0.033, 3}, {0.066, 3}, {0.1, 3}},
			want:    []float64{3, 3, 3, 3},
		},
		{
			name:    "repeated timestamp is ignored",
			p:       OneEuroParams{MinCutoff: 1, Beta: 0, DCutoff: 1},
			samples: []sample{{0, 0}, {0.1, 1}, {0.1, 100}, {0.05, -100}},
			want:    []float64{0, a01, a01, a01},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewOneEuro(tt.p)
			require.NoError(t, err)
			got := make([]float64, len(tt.samples))
			for i, s := range tt.samples {
				got[i] = f.Filter(s.x, s.t)
			}
			assert.InDeltaSlice(t, tt.want, got, 1e-6)
		})
	}
}

func TestOneEuroBetaTwoSteps(t *testing.T) {
	// Second step of the beta case, by hand: ẋ = (1 − 0.4654600)/0.1 =
	// 5.345400; filtered ẋ = 3.858695 + 0.3858695·(5.345400 − 3.858695) =
	// 4.432374; fc = 1.4432374; α = 0.9068061/1.9068061 = 0.4755627;
	// x̂ = 0.4654600 + 0.4755627·(1 − 0.4654600) = 0.7196676.
	f, err := NewOneEuro(OneEuroParams{MinCutoff: 1, Beta: 0.1, DCutoff: 1})
	require.NoError(t, err)
	f.Filter(0, 0)
	f.Filter(1, 0.1)
	assert.InDelta(t, 0.7196676, f.Filter(1, 0.2), 1e-6)
	f.Reset()
	assert.InDelta(t, 42.0, f.Filter(42, 0.3), 0, "after Reset the next sample passes through")
}

func TestOneEuroLessLagWhenFast(t *testing.T) {
	// A ramp at 300 px/s sampled at 30 Hz: with beta the filtered value
	// trails the input by less than without.
	lag := func(beta float64) float64 {
		f, err := NewOneEuro(OneEuroParams{MinCutoff: 1, Beta: beta, DCutoff: 1})
		require.NoError(t, err)
		var x, y float64
		for i := range 60 {
			x = 300 * float64(i) / 30
			y = f.Filter(x, float64(i)/30)
		}
		return x - y
	}
	assert.Less(t, lag(0.01), lag(0)/2)
}

func TestOneEuroParamsValidate(t *testing.T) {
	tests := []struct {
		name string
		p    OneEuroParams
		ok   bool
	}{
		{"default", DefaultOneEuro(), true},
		{"zero min cutoff", OneEuroParams{MinCutoff: 0, Beta: 0, DCutoff: 1}, false},
		{"zero d cutoff", OneEuroParams{MinCutoff: 1, Beta: 0, DCutoff: 0}, false},
		{"negative beta", OneEuroParams{MinCutoff: 1, Beta: -1, DCutoff: 1}, false},
		{"NaN", OneEuroParams{MinCutoff: math.NaN(), Beta: 0, DCutoff: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewOneEuro(tt.p)
			_, err2 := NewPoseFilter(tt.p, 17, 0.3)
			if tt.ok {
				assert.NoError(t, err)
				assert.NoError(t, err2)
			} else {
				assert.Error(t, err)
				assert.Error(t, err2)
			}
		})
	}
}

func TestPoseFilter(t *testing.T) {
	p := OneEuroParams{MinCutoff: 1, Beta: 0, DCutoff: 1}
	const a01 = 0.3858695
	f, err := NewPoseFilter(p, 2, 0.5)
	require.NoError(t, err)
	frames := []struct {
		name string
		t    float64
		in   []float32
		want []float32
	}{
		{"first frame passes through", 0, []float32{0, 10, 0.9, 5, 5, 0.9}, []float32{0, 10, 0.9, 5, 5, 0.9}},
		{"both smoothed", 0.1, []float32{1, 11, 0.9, 6, 6, 0.9},
			[]float32{a01, 10 + a01, 0.9, 5 + a01, 5 + a01, 0.9}},
		{"low-score joint passes through", 0.2, []float32{1, 11, 0.9, 100, 100, 0.1},
			[]float32{a01 * (2 - a01), 10 + a01*(2-a01), 0.9, 100, 100, 0.1}},
		{"reappearing joint restarts where seen", 0.3, []float32{1, 11, 0.9, 50, 60, 0.8},
			[]float32{a01*(2-a01) + a01*(1-a01*(2-a01)), 10 + a01*(2-a01) + a01*(1-a01*(2-a01)), 0.9, 50, 60, 0.8}},
	}
	for _, fr := range frames { // sequential: each frame depends on the last
		kps := append([]float32(nil), fr.in...)
		f.Filter(kps, fr.t)
		assert.InDeltaSlice(t, fr.want, kps, 1e-5, fr.name)
	}
	assert.Panics(t, func() { f.Filter(make([]float32, 9), 1) })
}
