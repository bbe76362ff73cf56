package nn

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// emaParams returns a weight and a buffer holding the given values.
func emaParams(w, b float32) []*Param {
	p, q := NewParam("conv.weight", 2), NewBuffer("bn.running_mean", 1)
	p.Value.Data[0], p.Value.Data[1], q.Value.Data[0] = w, -w, b
	return []*Param{p, q}
}

func TestEMAUpdate(t *testing.T) {
	// The decay ramps as min(Decay, (1+n)/(10+n)): 0.1, 2/11, 0.25, … up to Decay.
	for _, tc := range []struct {
		name   string
		decay  float64
		values []float32 // the weight after each step
		want   float32   // the average after the last
	}{
		{"first update ramps to 0.1", 0.99, []float32{10}, 0.1*1 + 0.9*10},
		{"second update uses 2/11", 0.99, []float32{10, 20}, float32(2.0/11)*(0.1*1+0.9*10) + float32(9.0/11)*20},
		{"capped by Decay", 0.05, []float32{10, 20}, 0.05*(0.05*1+0.95*10) + 0.95*20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := emaParams(1, 1)
			e := NewEMA(ps, tc.decay)
			for _, v := range tc.values {
				ps[0].Value.Data[0], ps[0].Value.Data[1], ps[1].Value.Data[0] = v, -v, v
				e.Update()
			}
			avg := e.State()
			assert.InDelta(t, tc.want, avg["conv.weight"].Data[0], 1e-5)
			assert.InDelta(t, -tc.want, avg["conv.weight"].Data[1], 1e-5)
			assert.InDelta(t, tc.want, avg["bn.running_mean"].Data[0], 1e-5, "buffers are averaged too")
			assert.Equal(t, len(tc.values), e.Updates)
			assert.Equal(t, tc.values[len(tc.values)-1], ps[0].Value.Data[0], "the model keeps its values")
		})
	}
}

func TestEMASwap(t *testing.T) {
	ps := emaParams(1, 5)
	e := NewEMA(ps, 0.5)
	ps[0].Value.Data[0], ps[1].Value.Data[0] = 3, 7
	e.Swap()
	assert.Equal(t, []float32{1, -1}, ps[0].Value.Data, "the model holds the average")
	assert.Equal(t, float32(5), ps[1].Value.Data[0])
	assert.Equal(t, []float32{3, -1}, e.State()["conv.weight"].Data)
	e.Swap()
	assert.Equal(t, []float32{3, -1}, ps[0].Value.Data, "swapped back")
	assert.Equal(t, float32(7), ps[1].Value.Data[0])
	assert.Equal(t, []float32{1, -1}, e.State()["conv.weight"].Data)
}

func TestEMALoadState(t *testing.T) {
	src := NewEMA(emaParams(2, 3), 0.9)
	src.Update()
	dst := NewEMA(emaParams(0, 0), 0.9)
	require.NoError(t, dst.LoadState(src.State(), 1))
	assert.Equal(t, src.State()["conv.weight"].Data, dst.State()["conv.weight"].Data)
	assert.Equal(t, 1, dst.Updates)

	fresh := NewEMA(emaParams(0, 0), 0.9)
	missing := map[string]*Tensor{"conv.weight": src.State()["conv.weight"]}
	err := fresh.LoadState(missing, 4)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bn.running_mean")
	assert.Zero(t, fresh.Updates, "nothing changed")
	assert.Equal(t, []float32{0, 0}, fresh.State()["conv.weight"].Data, "nothing changed")
	assert.ErrorContains(t, fresh.LoadState(src.State(), -1), "-1 updates")
}

// BenchmarkEMAUpdate times one update over the bundled network's values
// (mnv3-small-dyrelu-c-lat-hc32: 391 tensors, 2.11 M floats), to set
// against a training step of the same network.
func BenchmarkEMAUpdate(b *testing.B) {
	ps := make([]*Param, 391)
	for i := range ps {
		ps[i] = NewParam(fmt.Sprintf("p%d", i), 5395)
	}
	e := NewEMA(ps, 0.9995)
	b.ResetTimer()
	for range b.N {
		e.Update()
	}
}
