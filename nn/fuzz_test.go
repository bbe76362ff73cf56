package nn

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzAllocPerByte and fuzzAllocSlack bound what decoding may allocate for
// an input of n bytes: fuzzAllocPerByte·n + fuzzAllocSlack. Decoding holds
// the header and its parsed JSON, the raw data and its float32 copy (4× for
// a U8 tensor), so a few dozen bytes per input byte is generous; a header
// that makes us trust a claimed size blows through it.
const (
	fuzzAllocPerByte = 64
	fuzzAllocSlack   = 1 << 20
)

// stFile returns a safetensors file with the given JSON header and data.
func stFile(header string, data ...byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

// FuzzDecodeSafetensors decodes arbitrary bytes as a file of known size
// (ReadSafetensors' path) and as a stream of unknown size
// (DecodeSafetensors). Neither may panic or allocate much more than the
// input holds, both must agree, and whatever decodes must survive an
// EncodeSafetensors → decode round trip with its shapes, values (bit for
// bit) and metadata.
func FuzzDecodeSafetensors(f *testing.F) {
	for _, name := range []string{"nn_misc_sched", "nn_misc_act", "dyrelu_c_n3_c12_1x1"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", name+".safetensors"))
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add(stFile(`{"__metadata__":{"k":"v"},"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1,1],"data_offsets":[4,6]}}`,
		0x00, 0x3c, 0x01, 0x7e, 0x80, 0xff))
	f.Add(stFile(`{"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"i":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}`,
		1, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	f.Add(stFile(`{"e":{"dtype":"I32","shape":[0,3],"data_offsets":[0,0]},"u":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"z":{"dtype":"BOOL","shape":[1],"data_offsets":[3,4]}}`,
		1, 2, 255, 1))
	f.Add(stFile(`{"w":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}}`, 0, 0, 0x80, 0x7f, 1, 0, 0xc0, 0x7f))
	// Headers that lie about sizes: a 256 MiB tensor in a 16-byte
	// stream, element counts and byte ranges that overflow int64.
	f.Add(stFile(`{"w":{"dtype":"F32","shape":[67108864],"data_offsets":[0,268435456]}}`, make([]byte, 16)...))
	f.Add(stFile(`{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}`))
	f.Add(stFile(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`))
	f.Add(stFile(`{"w":{"dtype":"U8","shape":[9223372036854775800],"data_offsets":[0,9223372036854775800]}}`, make([]byte, 16)...))
	f.Add(stFile(`{"__metadata__":null}`))
	f.Add(stFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[9223372036854775807],"data_offsets":[1,-9223372036854775808]}}`, make([]byte, 16)...))

	f.Fuzz(func(t *testing.T, b []byte) {
		var sized, stream *TensorFile
		var errSized, errStream error
		alloc := allocated(func() { sized, errSized = decodeSafetensors(bytes.NewReader(b), int64(len(b))) })
		limit := uint64(fuzzAllocPerByte*len(b) + fuzzAllocSlack)
		require.LessOrEqual(t, alloc, limit, "known size: allocated %d bytes for a %d-byte input", alloc, len(b))
		alloc = allocated(func() { stream, errStream = DecodeSafetensors(bytes.NewReader(b)) })
		require.LessOrEqual(t, alloc, limit, "stream: allocated %d bytes for a %d-byte input", alloc, len(b))
		require.Equal(t, errSized == nil, errStream == nil, "known size: %v; stream: %v", errSized, errStream)
		if errSized != nil {
			return
		}
		checkTensorFile(t, sized)
		assertSameTensorFile(t, sized, stream)

		var buf bytes.Buffer
		require.NoError(t, EncodeSafetensors(&buf, sized.Tensors, sized.Metadata, WriteOptions{}))
		again, err := DecodeSafetensors(&buf)
		require.NoError(t, err, "re-encoded file")
		assertSameTensorFile(t, sized, again)
	})
}

// allocated returns the bytes fn allocates on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// checkTensorFile checks that every tensor holds as many values as its
// shape says, counted without overflow, and that the maps can be written.
func checkTensorFile(t *testing.T, tf *TensorFile) {
	require.NotNil(t, tf.Tensors)
	require.NotNil(t, tf.Metadata)
	for name, x := range tf.Tensors {
		n := uint64(1)
		for _, d := range x.Shape {
			require.GreaterOrEqual(t, d, 0, "tensor %q: shape %v", name, x.Shape)
			hi, lo := bits.Mul64(n, uint64(d))
			require.Zero(t, hi, "tensor %q: shape %v overflows", name, x.Shape)
			n = lo
		}
		require.Equal(t, n, uint64(len(x.Data)), "tensor %q: shape %v", name, x.Shape)
	}
}

// assertSameTensorFile checks names, shapes, values (bit for bit, NaNs
// included) and metadata.
func assertSameTensorFile(t *testing.T, want, got *TensorFile) {
	assert.Equal(t, want.Metadata, got.Metadata)
	require.Len(t, got.Tensors, len(want.Tensors))
	for name, w := range want.Tensors {
		g, ok := got.Tensors[name]
		require.True(t, ok, "tensor %q missing", name)
		assert.Equal(t, w.Shape, g.Shape, "tensor %q", name)
		require.Len(t, g.Data, len(w.Data), "tensor %q", name)
		for i := range w.Data {
			if math.Float32bits(w.Data[i]) != math.Float32bits(g.Data[i]) {
				require.Failf(t, "values differ", "tensor %q [%d]: %#x, then %#x", name, i, math.Float32bits(w.Data[i]), math.Float32bits(g.Data[i]))
			}
		}
	}
}
