package detect

/*
#include <stdlib.h>
#include "onnxprobe.h"
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"unsafe"

	"gocv.io/x/gocv"
)

// Layout names the output layout of a YOLO-style ONNX detector.
type Layout int

const (
	// LayoutAuto picks LayoutYOLOv8 when the output has fewer rows than
	// columns (attributes first, as YOLOv8 exports) and LayoutYOLOv5
	// otherwise. It cannot tell a YOLOv5 model from a YOLOv8 model whose
	// output was transposed to rows: name the layout for those.
	LayoutAuto Layout = iota
	// LayoutYOLOv5 is (1, N, 5+C): rows of cx, cy, w, h, objectness and C
	// class scores; a person's score is objectness × class score.
	LayoutYOLOv5
	// LayoutYOLOv8 is (1, 4+C, N): columns of cx, cy, w, h and C class
	// scores (no objectness); a person's score is its class score.
	LayoutYOLOv8
)

func (l Layout) String() string {
	switch l {
	case LayoutAuto:
		return "auto"
	case LayoutYOLOv5:
		return "yolov5"
	case LayoutYOLOv8:
		return "yolov8"
	default:
		return fmt.Sprintf("Layout(%d)", int(l))
	}
}

// letterboxPad is the grey YOLOv5/v8 pad the border with (114 of 255).
const letterboxPad = 114

// ONNXOptions tunes NewONNX. Start from DefaultONNXOptions.
type ONNXOptions struct {
	// InputWidth and InputHeight are the network input size in pixels
	// (YOLO exports: 640×640). Frames are letterboxed into it.
	InputWidth, InputHeight int
	// Layout of the output tensor.
	Layout Layout
	// PersonClass is the class index of "person" (0 in COCO-trained YOLO).
	PersonClass int
	// ScoreThreshold drops boxes whose person score is below it.
	ScoreThreshold float32
	// NMSThreshold suppresses a box overlapping a better one with IoU above it.
	NMSThreshold float32
	// OutputName is the output to read; "" reads the network's last layer
	// (right for YOLOv5 ≥ 6 and YOLOv8 exports, which have one output).
	OutputName string
}

// DefaultONNXOptions returns the settings of YOLOv5/YOLOv8 exports at 640.
func DefaultONNXOptions() ONNXOptions {
	return ONNXOptions{
		InputWidth:     640,
		InputHeight:    640,
		Layout:         LayoutAuto,
		PersonClass:    0,
		ScoreThreshold: 0.25,
		NMSThreshold:   0.45,
	}
}

func (o ONNXOptions) validate() error {
	switch {
	case o.InputWidth <= 0 || o.InputHeight <= 0:
		return fmt.Errorf("input size %dx%d is not positive", o.InputWidth, o.InputHeight)
	case o.Layout < LayoutAuto || o.Layout > LayoutYOLOv8:
		return fmt.Errorf("unknown layout %v", o.Layout)
	case o.PersonClass < 0:
		return fmt.Errorf("person class %d < 0", o.PersonClass)
	case !(o.ScoreThreshold >= 0 && o.ScoreThreshold <= 1):
		return fmt.Errorf("score threshold %g is not in [0, 1]", o.ScoreThreshold)
	case !(o.NMSThreshold > 0 && o.NMSThreshold <= 1):
		return fmt.Errorf("nms threshold %g is not in (0, 1]", o.NMSThreshold)
	}
	return nil
}

// yoloShape is a resolved output layout: nBoxes candidates of nAttrs
// numbers each, stored attribute-major (YOLOv8) or box-major (YOLOv5).
type yoloShape struct {
	layout         Layout // LayoutYOLOv5 or LayoutYOLOv8, never Auto
	nBoxes, nAttrs int
	dims           []int // the raw output shape, checked on every frame
}

// resolveShape maps an output shape to a layout, or explains why it cannot.
func resolveShape(dims []int, layout Layout, personClass int) (yoloShape, error) {
	core := dims
	for len(core) > 2 && core[0] == 1 {
		core = core[1:]
	}
	if len(core) != 2 {
		return yoloShape{}, fmt.Errorf("output shape %v is not (1, A, B)", dims)
	}
	a, b := core[0], core[1]
	if layout == LayoutAuto {
		layout = LayoutYOLOv5
		if a < b {
			layout = LayoutYOLOv8
		}
	}
	s := yoloShape{layout: layout, dims: append([]int(nil), dims...)}
	head := 5 // numbers before the class scores
	if layout == LayoutYOLOv8 {
		s.nAttrs, s.nBoxes, head = a, b, 4
	} else {
		s.nBoxes, s.nAttrs = a, b
	}
	if s.nAttrs-head <= personClass {
		return yoloShape{}, fmt.Errorf("output shape %v as %v has %d classes, no person class %d",
			dims, layout, s.nAttrs-head, personClass)
	}
	return s, nil
}

// letterbox maps between a frame and the network input it was resized
// (aspect kept) and centred into, with grey bars on two sides.
type letterbox struct {
	newW, newH     int     // resized frame inside the input
	padX, padY     int     // left and top bars
	sx, sy         float32 // input pixels per frame pixel, per axis
	frameW, frameH float32 // frame size, to clip boxes
	inW, inH       int     // network input size
}

func newLetterbox(frameW, frameH, inW, inH int) letterbox {
	r := min(float64(inW)/float64(frameW), float64(inH)/float64(frameH))
	nw := min(max(int(math.Round(float64(frameW)*r)), 1), inW)
	nh := min(max(int(math.Round(float64(frameH)*r)), 1), inH)
	return letterbox{
		newW: nw, newH: nh,
		padX: (inW - nw) / 2, padY: (inH - nh) / 2,
		sx: float32(nw) / float32(frameW), sy: float32(nh) / float32(frameH),
		frameW: float32(frameW), frameH: float32(frameH),
		inW: inW, inH: inH,
	}
}

// toFrame maps a centre-size box in input pixels to a clipped frame box.
func (l letterbox) toFrame(cx, cy, w, h, score float32) Box {
	x0 := (cx - w/2 - float32(l.padX)) / l.sx
	y0 := (cy - h/2 - float32(l.padY)) / l.sy
	return Box{X: x0, Y: y0, W: w / l.sx, H: h / l.sy, Score: score}.clip(l.frameW, l.frameH)
}

// decodeYOLO appends to dst the person boxes of out (the raw output of
// shape s) scoring at least thr, mapped through lb.
func decodeYOLO(dst []Box, out []float32, s yoloShape, personClass int, thr float32, lb letterbox) []Box {
	if len(out) != s.nBoxes*s.nAttrs {
		panic(fmt.Sprintf("%s: output of %d values for %d boxes × %d attributes", errShape, len(out), s.nBoxes, s.nAttrs))
	}
	// at returns attribute j of box i in either storage order.
	at := func(i, j int) float32 { return out[i*s.nAttrs+j] }
	if s.layout == LayoutYOLOv8 {
		at = func(i, j int) float32 { return out[j*s.nBoxes+i] }
	}
	for i := range s.nBoxes {
		var score float32
		if s.layout == LayoutYOLOv8 {
			score = at(i, 4+personClass)
		} else {
			score = at(i, 4) * at(i, 5+personClass)
		}
		if !(score >= thr) { // also drops NaN
			continue
		}
		b := lb.toFrame(at(i, 0), at(i, 1), at(i, 2), at(i, 3), score)
		if b.Area() > 0 {
			dst = append(dst, b)
		}
	}
	return dst
}

// errShape starts the panic message of a shape mismatch (a programmer error).
const errShape = "detect: shape mismatch"

// ONNX runs a YOLOv5/YOLOv8-style person detector exported to ONNX through
// OpenCV's DNN module. See the package documentation for the conventions.
type ONNX struct {
	opts    ONNXOptions
	net     gocv.Net
	shape   yoloShape
	bgr     gocv.Mat // gray or BGRA frames converted to BGR, reused
	resized gocv.Mat // the frame resized into the letterbox, reused
	blob    gocv.Mat // (1, 3, H, W) float32 network input, reused
	boxes   []Box
	closed  bool
}

// NewONNX loads a YOLO-style detector. The file is checked before OpenCV
// sees it, because OpenCV aborts the whole process on a missing or corrupt
// model: it must exist, parse as an ONNX ModelProto at the top level, load
// and run in OpenCV on a zero input of the configured size, and give an
// output that fits the configured layout.
func NewONNX(path string, opts ONNXOptions) (*ONNX, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("detect: onnx %s: %w", path, err)
	}
	if err := checkONNXFile(path); err != nil {
		return nil, fmt.Errorf("detect: onnx %s: %w", path, err)
	}
	dims, err := probeONNX(path, opts)
	if err != nil {
		return nil, fmt.Errorf("detect: onnx %s: %w", path, err)
	}
	shape, err := resolveShape(dims, opts.Layout, opts.PersonClass)
	if err != nil {
		return nil, fmt.Errorf("detect: onnx %s: %w", path, err)
	}
	net := gocv.ReadNetFromONNX(path)
	if net.Empty() {
		net.Close()
		return nil, fmt.Errorf("detect: onnx %s: OpenCV returned an empty network", path)
	}
	return &ONNX{
		opts:    opts,
		net:     net,
		shape:   shape,
		bgr:     gocv.NewMat(),
		resized: gocv.NewMat(),
		blob:    gocv.NewMatWithSizes([]int{1, 3, opts.InputHeight, opts.InputWidth}, gocv.MatTypeCV32F),
	}, nil
}

// Layout returns the resolved output layout (never LayoutAuto).
func (d *ONNX) Layout() Layout { return d.shape.layout }

// Detect finds people in img (BGR 8UC3, gray 8UC1 or BGRA 8UC4).
func (d *ONNX) Detect(img gocv.Mat) ([]Box, error) {
	if d.closed {
		return nil, errors.New("detect: onnx: detector is closed")
	}
	if img.Empty() {
		return nil, errors.New("detect: onnx: empty frame")
	}
	src := img
	switch img.Type() {
	case gocv.MatTypeCV8UC3:
	case gocv.MatTypeCV8UC1:
		gocv.CvtColor(img, &d.bgr, gocv.ColorGrayToBGR)
		src = d.bgr
	case gocv.MatTypeCV8UC4:
		gocv.CvtColor(img, &d.bgr, gocv.ColorBGRAToBGR)
		src = d.bgr
	default:
		return nil, fmt.Errorf("detect: onnx: unsupported Mat type %v (want 8UC1, 8UC3 or 8UC4)", img.Type())
	}
	lb := newLetterbox(src.Cols(), src.Rows(), d.opts.InputWidth, d.opts.InputHeight)
	if err := d.fillBlob(src, lb); err != nil {
		return nil, err
	}
	d.net.SetInput(d.blob, "")
	out := d.net.Forward(d.opts.OutputName)
	defer out.Close()
	if got := out.Size(); !equalInts(got, d.shape.dims) {
		return nil, fmt.Errorf("detect: onnx: output shape %v, want %v", got, d.shape.dims)
	}
	vals, err := out.DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("detect: onnx: read output: %w", err)
	}
	d.boxes = decodeYOLO(d.boxes[:0], vals, d.shape, d.opts.PersonClass, d.opts.ScoreThreshold, lb)
	return NMS(d.boxes, d.opts.NMSThreshold), nil
}

// fillBlob letterboxes src (BGR) into the reused input blob as RGB in [0, 1].
// Only the bars are painted grey, and pixels go through a 256-entry table,
// so each blob value is written once with no arithmetic; the loops run per
// row so bounds checks happen once a row.
func (d *ONNX) fillBlob(src gocv.Mat, lb letterbox) error {
	gocv.Resize(src, &d.resized, image.Pt(lb.newW, lb.newH), 0, 0, gocv.InterpolationLinear)
	pix, err := d.resized.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("detect: onnx: read resized frame: %w", err)
	}
	blob, err := d.blob.DataPtrFloat32()
	if err != nil {
		return fmt.Errorf("detect: onnx: write input blob: %w", err)
	}
	var lut [256]float32
	for i := range lut {
		lut[i] = float32(i) / 255
	}
	pad := lut[letterboxPad]
	plane := lb.inW * lb.inH
	for c := range 3 {
		p := blob[c*plane : (c+1)*plane]
		fill(p[:lb.padY*lb.inW], pad)                // top bar
		fill(p[(lb.padY+lb.newH)*lb.inW:], pad)      // bottom bar
		for y := lb.padY; y < lb.padY+lb.newH; y++ { // side bars
			row := p[y*lb.inW : (y+1)*lb.inW]
			fill(row[:lb.padX], pad)
			fill(row[lb.padX+lb.newW:], pad)
		}
	}
	r, g, b := blob[:plane], blob[plane:2*plane], blob[2*plane:3*plane]
	for y := range lb.newH {
		row := pix[y*lb.newW*3 : (y+1)*lb.newW*3]
		off := (lb.padY+y)*lb.inW + lb.padX
		rr, gr, br := r[off:off+lb.newW], g[off:off+lb.newW], b[off:off+lb.newW]
		for x := range rr {
			px := row[3*x : 3*x+3]
			br[x], gr[x], rr[x] = lut[px[0]], lut[px[1]], lut[px[2]]
		}
	}
	return nil
}

func fill(dst []float32, v float32) {
	for i := range dst {
		dst[i] = v
	}
}

// Close frees the network and buffers; it is safe to call twice.
func (d *ONNX) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.blob.Close()
	d.resized.Close()
	d.bgr.Close()
	return d.net.Close()
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// onnxWireType returns the protobuf wire type (0 varint, 2 length-delimited)
// of a top-level ModelProto field in onnx.proto, and false for a field
// number ModelProto does not have.
func onnxWireType(field uint64) (uint64, bool) {
	switch field {
	case 1, 5: // ir_version, model_version
		return 0, true
	case 2, 3, 4, 6, 7, 8, 14, 20, 25: // producer_name, producer_version, domain,
		// doc_string, graph, opset_import, metadata_props, training_info, functions
		return 2, true
	default:
		return 0, false
	}
}

// checkONNXFile reads path and walks the top level of its protobuf: every
// field must be a ModelProto field with the right wire type and fit in the
// file, and a graph must be present. This catches missing, truncated and
// non-ONNX files before OpenCV (which aborts on them) is called.
func checkONNXFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return errors.New("empty file, not an ONNX model")
	}
	graph := false
	for i := 0; i < len(data); {
		tag, n := binary.Uvarint(data[i:])
		if n <= 0 {
			return fmt.Errorf("bad protobuf tag at byte %d, not an ONNX model", i)
		}
		field, wire := tag>>3, tag&7
		want, ok := onnxWireType(field)
		if !ok || want != wire {
			return fmt.Errorf("unexpected field %d (wire type %d) at byte %d, not an ONNX model", field, wire, i)
		}
		i += n
		v, n := binary.Uvarint(data[i:])
		if n <= 0 {
			return fmt.Errorf("truncated field %d at byte %d", field, i)
		}
		i += n
		if wire == 2 {
			if v > uint64(len(data)-i) {
				return fmt.Errorf("truncated: field %d needs %d bytes, %d left", field, v, len(data)-i)
			}
			i += int(v)
		}
		graph = graph || field == 7
	}
	if !graph {
		return errors.New("no graph, not an ONNX model")
	}
	return nil
}

// probeONNX loads and runs the model once inside a C++ try/catch and
// returns its output shape.
func probeONNX(path string, opts ONNXOptions) ([]int, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	cout := C.CString(opts.OutputName)
	defer C.free(unsafe.Pointer(cout))
	var dims [8]C.int
	var cerr *C.char
	n := int(C.dypose_onnx_probe(cpath, cout, C.int(opts.InputWidth), C.int(opts.InputHeight), &dims[0], &cerr))
	if n < 0 {
		return nil, fmt.Errorf("OpenCV cannot run it at %dx%d: %s", opts.InputWidth, opts.InputHeight, takeCString(cerr))
	}
	out := make([]int, n)
	for i := range out {
		out[i] = int(dims[i])
	}
	return out, nil
}
