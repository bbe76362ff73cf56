package pose

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// tinyArch keeps model tests fast.
const tinyArch = "mnv3-small-dyrelu-c-w0.25-hc16"

func TestModelShapes(t *testing.T) {
	tests := []struct {
		arch string
		out  []int
	}{
		{"mnv3-small-dyrelu-c-w0.25-hc16", []int{1, 17, 32, 24}},
		{"mnv3-large-baseline-w0.25-hc16", []int{1, 17, 32, 24}},
		{"mnv3-small-dyrelu-a-deconv-w0.25-hc16-k5", []int{1, 5, 32, 24}},
		{"mnv3-small-dyrelu-c-lat-w0.25-hc16", []int{1, 17, 32, 24}},
		{"mnv3-large-baseline-lat-w0.25-hc16", []int{1, 17, 32, 24}},
	}
	for _, tt := range tests {
		t.Run(tt.arch, func(t *testing.T) {
			m := New(MustParseArch(tt.arch), nntest.Rand(1))
			m.SetTraining(false)
			y := m.Forward(nntest.RandTensor(nntest.Rand(2), 1, 3, 128, 96))
			assert.Equal(t, tt.out, y.Shape)
			s := m.Summarize(128, 96)
			last := s.Layers[len(s.Layers)-1].Out
			assert.Equal(t, tt.out[1:], last[:])

			// BatchNorms finds every BN layer: one per running_mean buffer,
			// in the order the checkpoint lists them.
			var means []*nn.Tensor
			for _, p := range m.Params() {
				if strings.HasSuffix(p.Name, "running_mean") {
					means = append(means, p.Value)
				}
			}
			bns := m.BatchNorms()
			require.Len(t, bns, len(means))
			for i, b := range bns {
				assert.Same(t, means[i], b.RunningMean.Value, "BN %d", i)
			}

			// DyReLUs finds every DY-ReLU layer, in the checkpoint's order;
			// the baseline has none (its "fc1" weights are SE modules').
			var fc1 []*nn.Tensor
			for _, p := range m.Params() {
				if strings.HasSuffix(p.Name, ".fc1.weight") && !strings.Contains(tt.arch, "baseline") {
					fc1 = append(fc1, p.Value)
				}
			}
			ds := m.DyReLUs()
			require.Len(t, ds, len(fc1))
			for i, d := range ds {
				assert.Same(t, fc1[i], d.FC1Weight.Value, "DY-ReLU %d", i)
			}
		})
	}
}

// TestDeadHyperUnits kills every hidden unit of one DY-ReLU layer's hyper
// function and keeps all others alive, and checks that exactly the killed
// ones are counted dead; the counters go away after.
func TestDeadHyperUnits(t *testing.T) {
	m := New(MustParseArch(tinyArch), nntest.Rand(1))
	ds := m.DyReLUs()
	require.NotEmpty(t, ds)
	killed := ds[len(ds)/2]
	for _, d := range ds {
		bias := float32(1e4)
		if d == killed {
			bias = -1e4
		}
		for i := range d.FC1Bias.Value.Data {
			d.FC1Bias.Value.Data[i] = bias
		}
	}
	total := 0
	for _, d := range ds {
		total += d.Hidden
	}
	x := nntest.RandTensor(nntest.Rand(2), 4, 3, 64, 48)
	u, err := m.DeadHyperUnits(func() error { m.Forward(x); return nil })
	require.NoError(t, err)
	assert.Equal(t, total, u.Total)
	assert.Equal(t, killed.Hidden, u.Dead)
	for _, d := range ds {
		assert.Nil(t, d.Activity, "counters removed")
	}

	boom := errors.New("boom")
	_, err = m.DeadHyperUnits(func() error { return boom })
	assert.ErrorIs(t, err, boom)
	for _, d := range ds {
		assert.Nil(t, d.Activity, "counters removed after an error")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	m := New(MustParseArch(tinyArch), nntest.Rand(1))
	m.Meta.InputH, m.Meta.InputW = 128, 96
	m.Meta.Decode, m.Meta.Sigma, m.Meta.BoxPadding = DecodeDARK, 1.5, 1.0625
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, m.Save(path, map[string]string{"epoch": "7"}))

	got, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, m.Arch, got.Arch)
	assert.Equal(t, m.Meta, got.Meta)
	x := nntest.RandTensor(nntest.Rand(3), 1, 3, 64, 48)
	m.SetTraining(false)
	want := m.Forward(x).Clone()
	nntest.AssertClose(t, want, got.Forward(x), 0, "heatmaps after round trip")

	tf, err := nn.ReadSafetensors(path)
	require.NoError(t, err)
	assert.Equal(t, "7", tf.Metadata["epoch"])
	assert.Equal(t, tinyArch, tf.Metadata[MetaArch])

	// The same file from memory, whole and cut short.
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	dec, err := Decode(bytes.NewReader(b), "in memory")
	require.NoError(t, err)
	assert.Equal(t, m.Meta, dec.Meta)
	nntest.AssertClose(t, want, dec.Forward(x), 0, "heatmaps after Decode")
	_, err = Decode(bytes.NewReader(b[:len(b)-1]), "in memory")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pose: load in memory:")
}

func TestLoadWeightsArchMismatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, New(MustParseArch(tinyArch), nntest.Rand(1)).Save(path, nil))
	other := New(MustParseArch("mnv3-small-baseline-w0.25-hc16"), nntest.Rand(1))
	err := other.LoadWeights(path)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrArchMismatch))
	assert.Contains(t, err.Error(), tinyArch)
	assert.Contains(t, err.Error(), "mnv3-small-baseline-w0.25-hc16")
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bare := filepath.Join(dir, "bare.safetensors")
	m := New(MustParseArch(tinyArch), nntest.Rand(1))
	require.NoError(t, nn.WriteSafetensors(bare, nn.StateDict(m.Params()), nil, nn.WriteOptions{}))
	_, err := Load(bare)
	require.Error(t, err)
	assert.Contains(t, err.Error(), MetaArch)
	// A bare state dict of the right architecture loads with LoadWeights.
	require.NoError(t, New(MustParseArch(tinyArch), nntest.Rand(5)).LoadWeights(bare))

	_, err = Load(filepath.Join(dir, "missing.safetensors"))
	require.Error(t, err)

	for _, tc := range []struct{ key, value, want string }{
		{MetaDecode, "soft-argmax", `dypose.decode "soft-argmax"`},
		{MetaSigma, "-2", `dypose.sigma "-2"`},
		{MetaPadding, "0", `dypose.box_padding "0"`},
		{MetaInput, "100000x100000", `dypose.input "100000x100000"`},
		{MetaSigma, "1e10", `dypose.sigma "1e10"`},
		{MetaFlipPairs, "1-2,2-3", `dypose.flip_pairs: pair "2-3"`},
		{MetaArch, tinyArch + "-k1000000000", `dypose.arch: pose: architecture`},
	} {
		path := filepath.Join(dir, "bad-meta.safetensors")
		md := map[string]string{MetaArch: tinyArch, tc.key: tc.value}
		require.NoError(t, nn.WriteSafetensors(path, nn.StateDict(m.Params()), md, nn.WriteOptions{}))
		_, err = Load(path)
		require.Error(t, err, tc.key)
		assert.Contains(t, err.Error(), tc.want)
	}

	// A checkpoint from before the padding was recorded was trained with
	// SimpleBaseline's.
	old := filepath.Join(dir, "old.safetensors")
	md := map[string]string{MetaArch: tinyArch}
	require.NoError(t, nn.WriteSafetensors(old, nn.StateDict(m.Params()), md, nn.WriteOptions{}))
	got, err := Load(old)
	require.NoError(t, err)
	assert.Equal(t, DefaultBoxPadding, got.Meta.BoxPadding)

	// A lateral head cannot take an input whose sides are not multiples of
	// 32: refused when loading, not a panic at the first frame.
	lat := New(MustParseArch("mnv3-small-dyrelu-c-lat-w0.25-hc16"), nntest.Rand(1))
	latPath := filepath.Join(dir, "lat.safetensors")
	md = map[string]string{MetaArch: lat.Arch.String(), MetaInput: "100x75"}
	require.NoError(t, nn.WriteSafetensors(latPath, nn.StateDict(lat.Params()), md, nn.WriteOptions{}))
	_, err = Load(latPath)
	require.Error(t, err)
	assert.Contains(t, err.Error(), latPath)
	assert.Contains(t, err.Error(), MetaInput)
	assert.Contains(t, err.Error(), "multiples of 32")
}

func TestFuseMatchesUnfused(t *testing.T) {
	for _, arch := range []string{tinyArch, "mnv3-small-dyrelu-c-lat-w0.25-hc16"} {
		t.Run(arch, func(t *testing.T) {
			m := New(MustParseArch(arch), nntest.Rand(1))
			synthWeights(m.Params()) // non-trivial BN statistics
			m.SetTraining(false)
			x := nntest.RandTensor(nntest.Rand(4), 2, 3, 64, 64)
			want := m.Forward(x).Clone()
			m.Fuse()
			assert.True(t, m.Fused())
			nntest.AssertClose(t, want, m.Forward(x), 1e-4, "fused heatmaps")
			require.Error(t, m.Save(filepath.Join(t.TempDir(), "f.safetensors"), nil))
		})
	}
}

func TestPredictFlip(t *testing.T) {
	m := New(MustParseArch(tinyArch), nntest.Rand(1))
	synthWeights(m.Params())
	m.SetTraining(false)
	x := nntest.RandTensor(nntest.Rand(6), 1, 3, 64, 48)
	plain := m.Forward(x).Clone()
	xf := nn.New(x.Shape...)
	FlipHorizontal(xf, x)
	back := nn.New(plain.Shape...)
	FlipBack(back, m.Forward(xf), m.Meta.FlipPairs, AlignedFlipShift(x.Shape[3], plain.Shape[3]))
	got := m.Predict(x, true)
	for i := range got.Data {
		require.InDelta(t, 0.5*(plain.Data[i]+back.Data[i]), got.Data[i], 1e-6)
	}
	nntest.AssertClose(t, plain, m.Predict(x, false), 0, "no flip")
}

// TestForwardAllocs checks that inference reuses the layers' buffers: no
// allocation per Forward once warmed up (single-threaded, so ParallelFor's
// goroutines do not count).
func TestForwardAllocs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, arch := range []string{tinyArch, "mnv3-small-baseline-deconv-w0.25-hc16", "mnv3-small-dyrelu-c-lat-w0.25-hc16"} {
		m := New(MustParseArch(arch), nntest.Rand(1))
		m.SetTraining(false)
		x := nntest.RandTensor(nntest.Rand(2), 1, 3, 64, 64)
		m.Predict(x, true)
		allocs := testing.AllocsPerRun(5, func() { m.Predict(x, true) })
		assert.Zero(t, allocs, arch)
	}
}

func BenchmarkForward(b *testing.B) {
	for _, arch := range []string{"mnv3-small-dyrelu-c", "mnv3-small-baseline", "mnv3-large-dyrelu-c"} {
		b.Run(arch, func(b *testing.B) {
			m := New(MustParseArch(arch), nntest.Rand(1))
			m.SetTraining(false)
			x := nntest.RandTensor(nntest.Rand(2), 1, 3, DefaultInputH, DefaultInputW)
			m.Forward(x)
			b.ReportAllocs()
			for b.Loop() {
				m.Forward(x)
			}
		})
	}
}
