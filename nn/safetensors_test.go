package nn_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/nn"
	"github.com/dypose/dypose/nn/nntest"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	rng := nntest.Rand(1)
	tensors := map[string]*nn.Tensor{
		"conv.weight":  nntest.RandTensor(rng, 4, 3, 3, 3),
		"conv.bias":    nntest.RandTensor(rng, 4),
		"scalar":       nn.FromData([]float32{2.5}),
		"bn.mean":      nn.FromData([]float32{0, -1, 1e-6, 65504}, 4),
		"empty":        nn.New(0, 3),
		"fc.weight.ab": nntest.RandTensor(rng, 2, 5),
	}
	meta := map[string]string{"arch": "mobilenetv3-small", "epoch": "7"}
	for _, tc := range []struct {
		name string
		half bool
		tol  float64
	}{
		{"f32", false, 0},
		{"f16", true, 1e-3}, // 11-bit significand: relative error ≤ 2^-11
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.safetensors")
			require.NoError(t, nn.WriteSafetensors(path, tensors, meta, nn.WriteOptions{Half: tc.half}))
			tf, err := nn.ReadSafetensors(path)
			require.NoError(t, err)
			assert.Equal(t, meta, tf.Metadata)
			require.Len(t, tf.Tensors, len(tensors))
			for name, want := range tensors {
				got, ok := tf.Tensors[name]
				require.True(t, ok, name)
				assert.Equal(t, want.Shape, got.Shape, name)
				nntest.AssertClose(t, want, got, tc.tol, name)
			}
		})
	}
}

func TestSafetensorsHeaderLayout(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, nn.EncodeSafetensors(&buf, map[string]*nn.Tensor{"b": nn.New(3), "a": nn.New(1)}, nil, nn.WriteOptions{}))
	n := binary.LittleEndian.Uint64(buf.Bytes())
	assert.Zero(t, n%8, "header padded to 8 bytes")
	assert.Equal(t, int(8+n+4*4), buf.Len())
	hdr := string(buf.Bytes()[8 : 8+n])
	assert.NotContains(t, hdr, "__metadata__")
	assert.Less(t, bytes.Index([]byte(hdr), []byte(`"a"`)), bytes.Index([]byte(hdr), []byte(`"b"`)), "names sorted")
	assert.Error(t, nn.EncodeSafetensors(&buf, map[string]*nn.Tensor{"__metadata__": nn.New(1)}, nil, nn.WriteOptions{}))
}

// TestSafetensorsEmptyTensorFirst decodes a file whose empty tensor shares
// its start offset with the next one, listed after it (the encoding of a
// valid file by another writer).
func TestSafetensorsEmptyTensorFirst(t *testing.T) {
	hdr := []byte(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`)
	var buf bytes.Buffer
	require.NoError(t, binary.Write(&buf, binary.LittleEndian, uint64(len(hdr))))
	buf.Write(hdr)
	for _, v := range []float32{1.5, -2} {
		require.NoError(t, binary.Write(&buf, binary.LittleEndian, math.Float32bits(v)))
	}
	for range 20 { // map order varies between runs of the decoder
		tf, err := nn.DecodeSafetensors(bytes.NewReader(buf.Bytes()))
		require.NoError(t, err)
		assert.InDeltaSlice(t, []float32{1.5, -2}, tf.Tensors["w"].Data, 0)
		assert.Equal(t, 0, tf.Tensors["e"].Len())
	}
}

func TestSafetensorsCorrupt(t *testing.T) {
	var good bytes.Buffer
	require.NoError(t, nn.EncodeSafetensors(&good, map[string]*nn.Tensor{"w": nn.New(2, 2)}, nil, nn.WriteOptions{}))
	header := func(h string) []byte {
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		return append(append(b, h...), make([]byte, 16)...)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short_length", []byte{1, 2, 3}},
		{"huge_length", binary.LittleEndian.AppendUint64(nil, 1<<40)},
		{"zero_length", binary.LittleEndian.AppendUint64(nil, 0)},
		{"truncated_header", good.Bytes()[:12]},
		{"truncated_data", good.Bytes()[:good.Len()-1]},
		{"bad_json", header(`{"w":`)},
		{"bad_dtype", header(`{"w":{"dtype":"Q8","shape":[4],"data_offsets":[0,4]}}`)},
		{"offsets_vs_shape", header(`{"w":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}`)},
		{"gap", header(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}`)},
		{"negative_dim", header(`{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}`)},
		{"bad_metadata", header(`{"__metadata__":{"a":1}}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := nn.DecodeSafetensors(bytes.NewReader(tc.data))
			assert.Error(t, err)
		})
	}
	t.Run("file_error_names_path", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bad.safetensors")
		require.NoError(t, os.WriteFile(path, header(`{"w":`), 0o644))
		_, err := nn.ReadSafetensors(path)
		require.Error(t, err)
		assert.Contains(t, err.Error(), path)
		_, err = nn.ReadSafetensors(filepath.Join(t.TempDir(), "missing.safetensors"))
		assert.Error(t, err)
	})
}

func TestFloat16Conversion(t *testing.T) {
	for _, tc := range []struct {
		f    float32
		bits uint16
	}{
		{0, 0x0000},
		{1, 0x3c00},
		{-2, 0xc000},
		{65504, 0x7bff},                  // largest half
		{65520, 0x7c00},                  // rounds up to +Inf
		{float32(math.Inf(-1)), 0xfc00},  // -Inf
		{6.103515625e-05, 0x0400},        // smallest normal 2^-14
		{5.960464477539063e-08, 0x0001},  // smallest subnormal 2^-24
		{2.9802322387695312e-08, 0x0000}, // 2^-25: tie, rounds to even (0)
		{1 + 1.0/2048, 0x3c00},           // tie between 1 and 1+2^-10: even
		{1 + 3.0/2048, 0x3c02},           // tie: rounds up to even
	} {
		assert.Equal(t, tc.bits, nn.Float32ToFloat16(tc.f), "to half %g", tc.f)
		if tc.bits&0x7fff != 0x7c00 && tc.bits != 0 && tc.f != 65520 && tc.f != 1+1.0/2048 && tc.f != 1+3.0/2048 {
			assert.InDelta(t, tc.f, nn.Float16ToFloat32(tc.bits), 0, "from half %#04x", tc.bits)
		}
	}
	assert.True(t, math.IsNaN(float64(nn.Float16ToFloat32(nn.Float32ToFloat16(float32(math.NaN()))))))
	// Every finite half survives half → float32 → half.
	for h := range uint32(1 << 16) {
		if h&0x7c00 == 0x7c00 {
			continue
		}
		assert.Equal(t, uint16(h), nn.Float32ToFloat16(nn.Float16ToFloat32(uint16(h))), "%#04x", h)
	}
}

func TestLoadStateDict(t *testing.T) {
	rng := nntest.Rand(2)
	model := func() []*nn.Param {
		c := nn.NewConv2D(3, 4, 3, 1, 1, 1, true, rng)
		return append(nn.Prefixed("conv", c.Params()), nn.NewBuffer("bn.running_mean", 4), nn.NewBuffer("bn.scale1", 1))
	}
	src := model()
	good := nn.StateDict(src)
	t.Run("ok", func(t *testing.T) {
		dst := model()
		withExtra := map[string]*nn.Tensor{"bn.num_batches_tracked": nn.FromData([]float32{3})}
		for k, v := range good {
			withExtra[k] = v
		}
		withExtra["bn.scale1"] = nn.FromData([]float32{7}) // 0-d in the file, (1) in the model
		withExtra["bn.scale1"].Shape = []int{}
		require.NoError(t, nn.LoadStateDict(dst, withExtra))
		for i, p := range dst[:2] {
			assert.InDeltaSlice(t, src[i].Value.Data, p.Value.Data, 0, p.Name)
		}
		assert.InDelta(t, 7, dst[3].Value.Data[0], 0)
	})
	for _, tc := range []struct {
		name   string
		edit   func(m map[string]*nn.Tensor)
		substr []string
	}{
		{"missing", func(m map[string]*nn.Tensor) { delete(m, "conv.bias") }, []string{"missing", "conv.bias"}},
		{"unexpected", func(m map[string]*nn.Tensor) { m["head.weight"] = nn.New(2) }, []string{"unexpected", "head.weight"}},
		{"shape", func(m map[string]*nn.Tensor) { m["conv.weight"] = nn.New(4, 3, 1, 9) }, []string{"conv.weight", "[4 3 1 9]", "[4 3 3 3]"}},
		{"all_three", func(m map[string]*nn.Tensor) {
			delete(m, "bn.running_mean")
			m["extra"] = nn.New(1)
			m["conv.bias"] = nn.New(5)
		}, []string{"bn.running_mean", "extra", "conv.bias"}},
		{"nan", func(m map[string]*nn.Tensor) {
			m["conv.bias"] = nn.FromData([]float32{0, float32(math.NaN()), 0, 0}, 4)
		}, []string{"conv.bias", "NaN"}},
		{"inf", func(m map[string]*nn.Tensor) {
			m["bn.running_mean"] = nn.FromData([]float32{0, 0, float32(math.Inf(-1)), 0}, 4)
		}, []string{"bn.running_mean", "Inf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]*nn.Tensor{}
			for k, v := range good {
				m[k] = v
			}
			tc.edit(m)
			dst := model()
			before := dst[0].Value.Clone()
			err := nn.LoadStateDict(dst, m)
			require.Error(t, err)
			for _, s := range tc.substr {
				assert.Contains(t, err.Error(), s)
			}
			assert.InDeltaSlice(t, before.Data, dst[0].Value.Data, 0, "nothing loaded on error")
		})
	}
}

func TestReadSafetensorsHeaderPastEOF(t *testing.T) {
	// A header that declares a 1 GiB tensor in a tiny file must fail on the
	// size check, not try to allocate the gigabyte.
	hdr := []byte(`{"w":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}`)
	var buf bytes.Buffer
	require.NoError(t, binary.Write(&buf, binary.LittleEndian, uint64(len(hdr))))
	buf.Write(hdr)
	buf.Write(make([]byte, 16))
	path := filepath.Join(t.TempDir(), "big.safetensors")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	_, err := nn.ReadSafetensors(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "past the end of the file")
}
