package nn

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/dypose/dypose/internal/atomicfile"
)

// The safetensors format (huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header mapping each tensor name to its dtype, shape
// and byte range, an optional "__metadata__" map of strings, then the raw
// little-endian data.

const metadataKey = "__metadata__"

// maxHeader bounds the JSON header so a corrupt length cannot make us
// allocate gigabytes.
const maxHeader = 100 << 20

type stEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// TensorFile is the content of a safetensors file: float32 tensors by name
// plus string metadata. F16, BF16, F64 and integer tensors are converted to
// float32 on read.
type TensorFile struct {
	Tensors  map[string]*Tensor
	Metadata map[string]string
}

// ReadSafetensors reads a whole safetensors file.
func ReadSafetensors(path string) (*TensorFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	tf, err := decodeSafetensors(bufio.NewReader(f), st.Size())
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return tf, nil
}

// DecodeSafetensors decodes a safetensors stream. Its buffers grow with the
// data that arrives, so a stream that ends before the sizes its header
// claims fails without allocating them.
func DecodeSafetensors(r io.Reader) (*TensorFile, error) {
	return decodeSafetensors(r, -1)
}

// decodeSafetensors decodes a stream of size bytes (−1 when unknown); a
// known size lets a corrupt header that declares more data than the file
// holds fail before anything is allocated for it.
func decodeSafetensors(r io.Reader, size int64) (*TensorFile, error) {
	var n uint64
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nil, fmt.Errorf("read header length: %w", err)
	}
	if n == 0 || n > maxHeader {
		return nil, fmt.Errorf("header length %d out of range (not a safetensors file?)", n)
	}
	if size >= 0 && int64(n) > size-8 {
		return nil, fmt.Errorf("header length %d runs past the end of the file (%d bytes)", n, size)
	}
	hdr, err := readN(r, int64(n), size >= 0)
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, fmt.Errorf("parse header: %w", err)
	}
	tf := &TensorFile{Tensors: map[string]*Tensor{}, Metadata: map[string]string{}}
	type named struct {
		name string
		e    stEntry
	}
	var entries []named
	for k, v := range raw {
		if k == metadataKey {
			if err := json.Unmarshal(v, &tf.Metadata); err != nil {
				return nil, fmt.Errorf("parse metadata: %w", err)
			}
			if tf.Metadata == nil { // "__metadata__": null
				tf.Metadata = map[string]string{}
			}
			continue
		}
		var e stEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", k, err)
		}
		entries = append(entries, named{k, e})
	}
	// By start, then end: an empty tensor shares its start with the next
	// tensor and must come first for the contiguity check below.
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i].e.Offsets, entries[j].e.Offsets
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	var pos int64
	for _, ne := range entries {
		e := ne.e
		esize, ok := dtypeSize[e.DType]
		if !ok {
			return nil, fmt.Errorf("tensor %q: unsupported dtype %q", ne.name, e.DType)
		}
		count := int64(1)
		for _, d := range e.Shape {
			if d < 0 {
				return nil, fmt.Errorf("tensor %q: negative dimension in %v", ne.name, e.Shape)
			}
			if d > 0 && count > math.MaxInt64/esize/int64(d) {
				return nil, fmt.Errorf("tensor %q: shape %v of %s overflows a 64-bit byte count", ne.name, e.Shape, e.DType)
			}
			count *= int64(d)
		}
		if e.Offsets[0] != pos || e.Offsets[1] < pos || e.Offsets[1]-pos != count*esize {
			return nil, fmt.Errorf("tensor %q: byte range %v does not fit shape %v of %s", ne.name, e.Offsets, e.Shape, e.DType)
		}
		if size >= 0 && e.Offsets[1] > size-8-int64(n) {
			return nil, fmt.Errorf("tensor %q: byte range %v runs past the end of the file (%d bytes)", ne.name, e.Offsets, size)
		}
		buf, err := readN(r, count*esize, size >= 0)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: read data: %w", ne.name, err)
		}
		pos = e.Offsets[1]
		shape := e.Shape
		if shape == nil {
			shape = []int{}
		}
		t := &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, count)}
		decodeInto(t.Data, buf, e.DType)
		tf.Tensors[ne.name] = t
	}
	return tf, nil
}

// readN reads exactly n bytes. When the stream's size is not known (sized
// false), n comes from a header that may lie: the buffer grows with what
// arrives, so a short stream that claims gigabytes fails having allocated
// about what it held.
func readN(r io.Reader, n int64, sized bool) ([]byte, error) {
	if sized {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	b, err := io.ReadAll(io.LimitReader(r, n))
	if err == nil && int64(len(b)) < n {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

var dtypeSize = map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1}

func decodeInto(dst []float32, b []byte, dtype string) {
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		for i := range dst {
			dst[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case "F16":
		for i := range dst {
			dst[i] = Float16ToFloat32(le.Uint16(b[2*i:]))
		}
	case "BF16":
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		}
	case "F64":
		for i := range dst {
			dst[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		}
	case "I64":
		for i := range dst {
			dst[i] = float32(int64(le.Uint64(b[8*i:])))
		}
	case "I32":
		for i := range dst {
			dst[i] = float32(int32(le.Uint32(b[4*i:])))
		}
	case "U8", "BOOL":
		for i := range dst {
			dst[i] = float32(b[i])
		}
	default:
		panic("nn: decodeInto: dtype " + dtype) // guarded by dtypeSize
	}
}

// WriteOptions chooses how tensors are stored.
type WriteOptions struct {
	// Half stores tensors as IEEE float16 (halves the file; for bundled
	// models). Exact float32 is the default.
	Half bool
}

// WriteSafetensors writes tensors and metadata to path atomically
// (internal/atomicfile): a crash or a full disk never leaves a half-written
// file there.
func WriteSafetensors(path string, tensors map[string]*Tensor, metadata map[string]string, opt WriteOptions) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		return EncodeSafetensors(w, tensors, metadata, opt)
	})
	if err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

// EncodeSafetensors writes tensors in name order, as float32 or float16.
func EncodeSafetensors(w io.Writer, tensors map[string]*Tensor, metadata map[string]string, opt WriteOptions) error {
	names := make([]string, 0, len(tensors))
	for k := range tensors {
		if k == metadataKey {
			return errors.New("tensor name " + metadataKey + " is reserved")
		}
		names = append(names, k)
	}
	sort.Strings(names)
	dtype, size := "F32", int64(4)
	if opt.Half {
		dtype, size = "F16", 2
	}
	header := map[string]any{}
	if len(metadata) > 0 {
		header[metadataKey] = metadata
	}
	var off int64
	for _, k := range names {
		t := tensors[k]
		n := int64(len(t.Data)) * size
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[k] = stEntry{DType: dtype, Shape: shape, Offsets: [2]int64{off, off + n}}
		off += n
	}
	hdr, err := json.Marshal(header)
	if err != nil {
		return err
	}
	// Pad the header with spaces to 8 bytes, as the reference writer does,
	// so that the data is aligned.
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}
	if err := binary.Write(w, binary.LittleEndian, uint64(len(hdr))); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for _, k := range names {
		for _, v := range tensors[k].Data {
			if opt.Half {
				buf = binary.LittleEndian.AppendUint16(buf, Float32ToFloat16(v))
			} else {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
			if len(buf) >= 1<<16 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err = w.Write(buf)
	return err
}

// Float16ToFloat32 converts IEEE 754 half-precision bits to float32.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// Float32ToFloat16 converts float32 to IEEE 754 half-precision bits with
// round-to-nearest-even; values beyond the half range become ±Inf.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	if b&0x7fffffff > 0x7f800000 { // NaN
		return sign | 0x7e00
	}
	if exp >= 0x1f {
		return sign | 0x7c00
	}
	if exp <= 0 {
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := uint16(mant >> shift)
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | half
	}
	half := sign | uint16(exp)<<10 | uint16(mant>>13)
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, which is the correct rounding
	}
	return half
}
