package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func TestAddInto(t *testing.T) {
	rng := nntest.Rand(1)
	a, b := nntest.RandTensor(rng, 2, 3, 4, 5), nntest.RandTensor(rng, 2, 3, 4, 5)
	want := a.Clone()
	for i := range want.Data {
		want.Data[i] += b.Data[i]
	}
	nn.AddInto(a, b)
	assert.InDeltaSlice(t, want.Data, a.Data, 0)
	assert.Panics(t, func() { nn.AddInto(a, nn.New(2, 3, 5, 4)) })
}

func TestConcatSplitChannels(t *testing.T) {
	rng := nntest.Rand(2)
	a, b := nntest.RandTensor(rng, 2, 3, 2, 2), nntest.RandTensor(rng, 2, 1, 2, 2)
	y := nn.ConcatChannels(nil, a, b)
	require.Equal(t, []int{2, 4, 2, 2}, y.Shape)
	for i := range 2 {
		for c := range 4 {
			for p := range 4 {
				var want float32
				if c < 3 {
					want = a.Data[(i*3+c)*4+p]
				} else {
					want = b.Data[(i*1+c-3)*4+p]
				}
				assert.InDelta(t, want, y.Data[(i*4+c)*4+p], 0, "n=%d c=%d p=%d", i, c, p)
			}
		}
	}
	da, db := nn.New(a.Shape...), nn.New(b.Shape...)
	nn.SplitChannels(y, da, db)
	assert.InDeltaSlice(t, a.Data, da.Data, 0)
	assert.InDeltaSlice(t, b.Data, db.Data, 0)
	assert.Panics(t, func() { nn.SplitChannels(y, da) })
	assert.Panics(t, func() { nn.ConcatChannels(nil, a, nn.New(2, 1, 3, 2)) })
}
