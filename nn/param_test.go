package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func convBN(c int, seed uint64) *nn.Sequential {
	return nn.NewSequential(nn.NewConv2D(3, c, 3, 1, 1, 1, false, nntest.Rand(seed)), nn.NewBatchNorm2D(c, 1e-5, 0.1))
}

func TestShareValues(t *testing.T) {
	src, rep := convBN(4, 1), convBN(4, 2)
	sp, rp := src.Params(), rep.Params()
	srcMean, repMean := nn.Lookup(sp, "1.running_mean"), nn.Lookup(rp, "1.running_mean")
	nn.Fill(srcMean.Value, 0.5)
	require.NoError(t, nn.ShareValues(rp, sp))

	x := nntest.RandTensor(nntest.Rand(3), 2, 3, 5, 5)
	src.SetTraining(false)
	rep.SetTraining(false)
	want := src.Forward(x).Clone()
	nntest.AssertClose(t, want, rep.Forward(x), 0, "replica with shared weights and copied buffers")

	sp[0].Value.Data[0] += 1 // a weight: shared
	srcMean.Value.Data[0] = 7
	assert.Equal(t, sp[0].Value.Data[0], rp[0].Value.Data[0])
	assert.Equal(t, float32(0.5), repMean.Value.Data[0], "buffers are copied, not shared")
	assert.NotSame(t, &sp[0].Grad.Data[0], &rp[0].Grad.Data[0], "gradients stay per replica")

	for _, tc := range []struct {
		name string
		rep  []*nn.Param
	}{
		{"other shape", convBN(5, 1).Params()},
		{"fewer parameters", convBN(4, 1).Params()[:3]},
		{"other order", append([]*nn.Param{convBN(4, 1).Params()[1]}, convBN(4, 1).Params()[1:]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := nn.ShareValues(tc.rep, sp)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "replica")
		})
	}
}

func TestAddGrads(t *testing.T) {
	a, b, c := convBN(3, 1).Params(), convBN(3, 2).Params(), convBN(3, 3).Params()
	for i, ps := range [][]*nn.Param{a, b, c} {
		for _, p := range ps {
			if p.Grad != nil {
				nn.Fill(p.Grad, float32(i+1))
			}
		}
	}
	nn.AddGrads(a, b)
	nn.AddGrads(a, c)
	for _, p := range a {
		if p.Grad != nil {
			assert.Equal(t, float32(6), p.Grad.Data[len(p.Grad.Data)-1], p.Name)
			assert.Equal(t, float32(6), p.Grad.Data[0], p.Name)
		}
	}
	assert.Equal(t, float32(2), b[0].Grad.Data[0], "the source is left alone")
}
