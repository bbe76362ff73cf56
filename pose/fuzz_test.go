package pose

import (
	"bytes"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

// maxModelBytes bounds what New may allocate for any name ParseArch
// accepts (parameters and their gradients, float32).
const maxModelBytes = 2 << 30

// FuzzParseArch checks that every name ParseArch accepts is within the
// documented bounds, reads back from its canonical String, and builds with
// New without a panic or an absurd allocation.
func FuzzParseArch(f *testing.F) {
	for _, s := range []string{
		DefaultArch, tinyArch, "mnv3-large-baseline-deconv", "mnv3-small-dyrelu-c-lat-w0.25-hc16",
		"mnv3-large-dyrelu-b-deconv-w0.75-hc64-k5", " MNV3-Small-DyReLU-A-w1-hc128-k17 ", "mnv3-small-dyrelu-c-k1",
		// Heads no checkpoint should make us build.
		"mnv3-small-dyrelu-c-hc1000000000", "mnv3-small-dyrelu-c-k1000000000",
		// A width whose shortest form has an exponent ("1e-05").
		"mnv3-small-dyrelu-c-w0.00001",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		a, err := ParseArch(name)
		if err != nil {
			assert.Contains(t, err.Error(), "pose: architecture")
			return
		}
		require.True(t, a.Width > 0 && a.Width <= 4, "width %v", a.Width)
		require.True(t, a.HeadChannels >= 1 && a.HeadChannels <= MaxHeadChannels, "head channels %d", a.HeadChannels)
		require.True(t, a.Keypoints >= 1 && a.Keypoints <= MaxKeypoints, "keypoints %d", a.Keypoints)
		back, err := ParseArch(a.String())
		require.NoError(t, err, "canonical name %q of %q", a.String(), name)
		require.Equal(t, a, back, "canonical name %q of %q", a.String(), name)

		var m *Model
		alloc := allocated(func() { m = New(a, nntest.Rand(1)) })
		require.LessOrEqual(t, alloc, uint64(maxModelBytes), "New(%s)", a)
		assert.Equal(t, a, m.Arch)
		assert.Len(t, m.Meta.KeypointNames, a.Keypoints)
	})
}

// FuzzDecodeMeta decodes arbitrary checkpoint metadata for k keypoints:
// no panic; an error names the key at fault; a Meta that decodes is within
// bounds and reads back the same from what encode writes.
func FuzzDecodeMeta(f *testing.F) {
	def := map[string]string{}
	DefaultMeta(DefaultKeypoints).encode(def)
	f.Add(uint16(DefaultKeypoints), def[MetaInput], def[MetaKeypoints], def[MetaFlipPairs], def[MetaDecode], "2", def[MetaPadding])
	f.Add(uint16(3), "64x32", "a,b,c", "0-2", DecodeDARK, "1.5", "1.0625")
	f.Add(uint16(1), "", "", "", "", "", "")
	// Values no inference should take: a 10⁵-pixel side, a σ whose DARK
	// kernel needs 200 GB.
	f.Add(uint16(DefaultKeypoints), "100000x100000", "", "", DecodeDARK, "1e10", "")
	f.Fuzz(func(t *testing.T, k uint16, input, names, pairs, decode, sigma, padding string) {
		kp := int(k)%MaxKeypoints + 1
		md := fuzzMeta(input, names, pairs, decode, sigma, padding)
		m, err := decodeMeta(md, kp)
		if err != nil {
			assertNamesKey(t, err)
			return
		}
		checkMeta(t, m, kp)
		enc := map[string]string{}
		m.encode(enc)
		back, err := decodeMeta(enc, kp)
		require.NoError(t, err, "metadata %v", enc)
		assert.Equal(t, m, back)
	})
}

// fuzzArchs are the small models FuzzLoad checkpoints: with and without
// DY-ReLU, laterals and the Deconv head, with 17, 1 and 5 keypoints.
var fuzzArchs = []string{
	tinyArch,
	"mnv3-small-baseline-w0.25-hc16-k1",
	"mnv3-small-dyrelu-c-lat-w0.25-hc16-k3",
	"mnv3-small-dyrelu-a-deconv-w0.25-hc16-k5",
}

// Tensor edits of FuzzLoad (op % fuzzOps).
const (
	fuzzKeep = iota
	fuzzDrop
	fuzzRename
	fuzzReshape
	fuzzExtra
	fuzzOps
)

// fuzzMaxSide is the largest input side FuzzLoad runs a model at; larger
// recorded inputs are run at 32×32, which every architecture takes.
const fuzzMaxSide = 64

// FuzzLoad writes a checkpoint of a small model with fuzzed metadata and
// one fuzzed tensor edit (a tensor dropped, renamed, reshaped or added),
// then loads it. Load must fail with an error that names the metadata key
// or the tensors at fault, or give a model whose Meta is within bounds and
// reads back from what Save records, and that runs (with the flip test,
// unfused and fused) and decodes without a panic.
func FuzzLoad(f *testing.F) {
	type base struct {
		arch    Arch
		tensors map[string]*nn.Tensor
		names   []string
	}
	var bases []base
	for _, s := range fuzzArchs {
		m := New(MustParseArch(s), nntest.Rand(1))
		tensors := nn.StateDict(m.Params())
		bases = append(bases, base{m.Arch, tensors, slices.Sorted(maps.Keys(tensors))})
	}
	def := map[string]string{}
	DefaultMeta(DefaultKeypoints).encode(def)
	f.Add(uint8(0), uint8(0xff), def[MetaInput], def[MetaKeypoints], def[MetaFlipPairs], def[MetaDecode], "2", def[MetaPadding], uint8(fuzzKeep), uint16(0), "", []byte{})
	f.Add(uint8(0), uint8(0xff), "64x48", def[MetaKeypoints], def[MetaFlipPairs], DecodeDARK, "1.5", "1", uint8(fuzzKeep), uint16(0), "", []byte{})
	f.Add(uint8(1), uint8(0xff), "33x17", "nose", "", DecodeArgmax, "", "1.25", uint8(fuzzKeep), uint16(0), "", []byte{})
	f.Add(uint8(2), uint8(0xff), "64x32", "a,b,c", "0-2", DecodeDARK, "3", "1.5", uint8(fuzzKeep), uint16(0), "", []byte{})
	f.Add(uint8(3), uint8(0), "", "", "", "", "", "", uint8(fuzzKeep), uint16(0), "", []byte{})
	// An input and σ too large for inference; an input the laterals cannot take.
	f.Add(uint8(0), uint8(0xff), "100000x100000", "", "", DecodeDARK, "1e10", "", uint8(fuzzKeep), uint16(0), "", []byte{})
	f.Add(uint8(2), uint8(0xff), "64x48", "a,b,c", "", DecodeArgmax, "", "", uint8(fuzzKeep), uint16(0), "", []byte{})
	f.Add(uint8(0), uint8(0), "", "", "", "", "", "", uint8(fuzzDrop), uint16(3), "", []byte{})
	f.Add(uint8(1), uint8(0), "", "", "", "", "", "", uint8(fuzzRename), uint16(7), "head.final_layer.bias2", []byte{})
	f.Add(uint8(2), uint8(0), "", "", "", "", "", "", uint8(fuzzReshape), uint16(5), "", []byte{16, 1, 1})
	f.Add(uint8(3), uint8(0), "", "", "", "", "", "", uint8(fuzzExtra), uint16(0), "num_batches_tracked", []byte{1})
	f.Fuzz(func(t *testing.T, which, present uint8, input, names, pairs, decode, sigma, padding string,
		op uint8, idx uint16, name string, dims []byte) {
		b := bases[int(which)%len(bases)]
		md := fuzzMeta(input, names, pairs, decode, sigma, padding)
		for i, key := range fuzzKeys {
			if present&(1<<i) == 0 {
				delete(md, key)
			}
		}
		md[MetaArch] = b.arch.String()
		tensors := editTensors(b.tensors, b.names, op, idx, name, dims)

		// Written without WriteSafetensors' fsync, which would make each
		// iteration wait on the disk.
		var buf bytes.Buffer
		require.NoError(t, nn.EncodeSafetensors(&buf, tensors, md, nn.WriteOptions{}))
		path := filepath.Join(t.TempDir(), "m.safetensors")
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		m, err := Load(path)
		if err != nil {
			if !strings.Contains(err.Error(), "state dict does not match") {
				assertNamesKey(t, err)
			}
			return
		}
		require.Equal(t, b.arch, m.Arch)
		checkMeta(t, m.Meta, m.Arch.Keypoints)

		// What Save would record reads back the same.
		enc := map[string]string{}
		m.Meta.encode(enc)
		back, err := decodeMeta(enc, m.Arch.Keypoints)
		require.NoError(t, err, "metadata %v", enc)
		assert.Equal(t, m.Meta, back)

		h, w := m.Meta.InputH, m.Meta.InputW
		if h > fuzzMaxSide || w > fuzzMaxSide {
			h, w = 32, 32
		}
		x := nntest.RandTensor(nntest.Rand(2), 1, 3, h, w)
		runAndDecode(t, m, x)
		m.Fuse()
		runAndDecode(t, m, x)
	})
}

// fuzzKeys are the metadata keys FuzzLoad may leave out, one bit each.
var fuzzKeys = []string{MetaInput, MetaKeypoints, MetaFlipPairs, MetaDecode, MetaSigma, MetaPadding}

func fuzzMeta(input, names, pairs, decode, sigma, padding string) map[string]string {
	return map[string]string{MetaInput: input, MetaKeypoints: names, MetaFlipPairs: pairs,
		MetaDecode: decode, MetaSigma: sigma, MetaPadding: padding}
}

// fuzzMaxDim bounds each dimension of a reshaped or added tensor, so that
// an iteration writes and reads a few MB at most, not gigabytes.
const fuzzMaxDim = 32

// editTensors returns a copy of the map tensors with one edit: op %
// fuzzOps picks it, idx the tensor (of names) it applies to, name the new
// name, dims (one byte each, at most 4, each at most fuzzMaxDim) the new
// shape.
func editTensors(tensors map[string]*nn.Tensor, names []string, op uint8, idx uint16, name string, dims []byte) map[string]*nn.Tensor {
	out := maps.Clone(tensors)
	target := names[int(idx)%len(names)]
	shape := make([]int, 0, 4)
	for _, d := range dims[:min(len(dims), 4)] {
		shape = append(shape, int(d)%(fuzzMaxDim+1))
	}
	switch op % fuzzOps {
	case fuzzKeep:
	case fuzzDrop:
		delete(out, target)
	case fuzzRename:
		if name != "" {
			out[name] = out[target]
			delete(out, target)
		}
	case fuzzReshape:
		out[target] = nn.New(shape...)
	case fuzzExtra:
		if name != "" {
			out[name] = nn.New(shape...)
		}
	}
	delete(out, "__metadata__") // reserved by the format
	return out
}

// runAndDecode runs m on x with the flip test and decodes the heatmaps
// as an Estimator would.
func runAndDecode(t *testing.T, m *Model, x *nn.Tensor) {
	hm := m.Predict(x, true)
	n, k, hh, hw := hm.Dims4()
	require.Equal(t, []int{x.Shape[0], m.Arch.Keypoints}, []int{n, k})
	d := Decoder{DARK: m.Meta.Decode == DecodeDARK, Sigma: m.Meta.Sigma}
	kps := make([]Keypoint, k)
	d.Decode(kps, hm.Data[:k*hh*hw], k, hh, hw)
	for j, kp := range kps {
		require.False(t, math.IsNaN(float64(kp.X)) || math.IsInf(float64(kp.X), 0) ||
			math.IsNaN(float64(kp.Y)) || math.IsInf(float64(kp.Y), 0), "keypoint %d at (%v, %v)", j, kp.X, kp.Y)
	}
}

// checkMeta checks what inference relies on.
func checkMeta(t *testing.T, m Meta, k int) {
	require.True(t, m.InputH >= 1 && m.InputH <= MaxInputSide && m.InputW >= 1 && m.InputW <= MaxInputSide, "input %dx%d", m.InputH, m.InputW)
	require.True(t, KnownDecode(m.Decode), "decode %q", m.Decode)
	require.True(t, m.Sigma == 0 || m.Sigma > 0 && m.Sigma <= MaxSigma, "sigma %v", m.Sigma)
	require.True(t, m.BoxPadding > 0 && !math.IsInf(m.BoxPadding, 0), "box padding %v", m.BoxPadding)
	require.Len(t, m.KeypointNames, k)
	paired := make([]bool, k)
	for _, p := range m.FlipPairs {
		for _, j := range p {
			require.True(t, j >= 0 && j < k && !paired[j], "flip pairs %v for %d keypoints", m.FlipPairs, k)
			paired[j] = true
		}
	}
}

// assertNamesKey checks that a metadata error names its key.
func assertNamesKey(t *testing.T, err error) {
	for _, key := range fuzzKeys {
		if strings.Contains(err.Error(), key) {
			return
		}
	}
	assert.Failf(t, "error names no metadata key", "%v", err)
}

// allocated returns the bytes fn allocates on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
