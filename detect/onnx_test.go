package detect

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"
)

// The fixtures come from testdata/gen_yolo_onnx.py: a 160×128 input and
// sixteen candidate boxes, the first four listed there, the rest empty.
const (
	fixtureV5 = "testdata/yolov5_tiny.onnx"
	fixtureV8 = "testdata/yolov8_tiny.onnx"
	fixtureW  = 160
	fixtureH  = 128
)

func fixtureOptions() ONNXOptions {
	o := DefaultONNXOptions()
	o.InputWidth, o.InputHeight = fixtureW, fixtureH
	return o
}

func TestCheckONNXFile(t *testing.T) {
	dir := t.TempDir()
	valid, err := os.ReadFile(fixtureV5)
	require.NoError(t, err)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{"valid v5", fixtureV5, ""},
		{"valid v8", fixtureV8, ""},
		{"missing", filepath.Join(dir, "nope.onnx"), "no such file"},
		{"empty", write("empty.onnx", nil), "empty file"},
		{"text", write("text.onnx", []byte("hello, I am not a model\n")), "not an ONNX model"},
		{"jpeg", write("jpeg.onnx", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}), "not an ONNX model"},
		{"truncated", write("cut.onnx", valid[:len(valid)/2]), "truncated"},
		{"no graph", write("nograph.onnx", []byte{0x08, 0x07}), "no graph"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkONNXFile(tt.path)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
			// NewONNX must return the same problem instead of aborting.
			d, err := NewONNX(tt.path, fixtureOptions())
			assert.Nil(t, d)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestResolveShape(t *testing.T) {
	tests := []struct {
		name    string
		dims    []int
		layout  Layout
		class   int
		want    yoloShape
		wantErr string
	}{
		{"v5 auto", []int{1, 25200, 85}, LayoutAuto, 0, yoloShape{layout: LayoutYOLOv5, nBoxes: 25200, nAttrs: 85}, ""},
		{"v8 auto", []int{1, 84, 8400}, LayoutAuto, 0, yoloShape{layout: LayoutYOLOv8, nBoxes: 8400, nAttrs: 84}, ""},
		{"v8 named, squeezed", []int{84, 8400}, LayoutYOLOv8, 79, yoloShape{layout: LayoutYOLOv8, nBoxes: 8400, nAttrs: 84}, ""},
		{"v5 named despite few boxes", []int{1, 4, 8}, LayoutYOLOv5, 2, yoloShape{layout: LayoutYOLOv5, nBoxes: 4, nAttrs: 8}, ""},
		{"v5 class out of range", []int{1, 25200, 85}, LayoutYOLOv5, 80, yoloShape{}, "no person class 80"},
		{"v8 class out of range", []int{1, 5, 100}, LayoutYOLOv8, 1, yoloShape{}, "has 1 classes"},
		{"4-D output", []int{1, 3, 80, 85}, LayoutAuto, 0, yoloShape{}, "not (1, A, B)"},
		{"1-D output", []int{85}, LayoutAuto, 0, yoloShape{}, "not (1, A, B)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveShape(tt.dims, tt.layout, tt.class)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.layout, got.layout)
			assert.Equal(t, tt.want.nBoxes, got.nBoxes)
			assert.Equal(t, tt.want.nAttrs, got.nAttrs)
			assert.Equal(t, tt.dims, got.dims)
		})
	}
}

func TestLetterbox(t *testing.T) {
	tests := []struct {
		name               string
		fw, fh, iw, ih     int
		newW, newH, px, py int
		// a box in input pixels (cx, cy, w, h) and where it lands in the frame
		in   [4]float32
		want Box
	}{
		{"640x480 into 640: bars top and bottom", 640, 480, 640, 640, 640, 480, 0, 80,
			[4]float32{320, 320, 100, 200}, Box{X: 270, Y: 140, W: 100, H: 200}},
		{"480x640 into 640: bars left and right", 480, 640, 640, 640, 480, 640, 80, 0,
			[4]float32{320, 320, 100, 200}, Box{X: 190, Y: 220, W: 100, H: 200}},
		{"1280x720 into 640: halved", 1280, 720, 640, 640, 640, 360, 0, 140,
			[4]float32{320, 320, 64, 100}, Box{X: 576, Y: 260, W: 128, H: 200}},
		{"200x100 into 160x128", 200, 100, 160, 128, 160, 80, 0, 24,
			[4]float32{80, 64, 40, 60}, Box{X: 75, Y: 12.5, W: 50, H: 75}},
		{"clipped at the frame edge", 640, 480, 640, 640, 640, 480, 0, 80,
			[4]float32{10, 100, 40, 60}, Box{X: 0, Y: 0, W: 30, H: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lb := newLetterbox(tt.fw, tt.fh, tt.iw, tt.ih)
			assert.Equal(t, [4]int{tt.newW, tt.newH, tt.px, tt.py}, [4]int{lb.newW, lb.newH, lb.padX, lb.padY})
			got := lb.toFrame(tt.in[0], tt.in[1], tt.in[2], tt.in[3], 0.5)
			assert.InDeltaSlice(t, []float32{tt.want.X, tt.want.Y, tt.want.W, tt.want.H},
				[]float32{got.X, got.Y, got.W, got.H}, 1e-4)
		})
	}
}

func TestDecodeYOLO(t *testing.T) {
	lb := newLetterbox(200, 100, fixtureW, fixtureH)
	// Two boxes, two classes: person (0) and another (1).
	v5 := []float32{
		80, 64, 40, 60, 0.8, 0.5, 0.1, // person 0.4
		40, 40, 20, 20, 0.9, 0.1, 0.9, // other; person 0.09
	}
	v8 := []float32{ // the same, attribute-major, objectness folded in
		80, 40,
		64, 40,
		40, 20,
		60, 20,
		0.4, 0.09,
		0.08, 0.81,
	}
	want := Box{X: 75, Y: 12.5, W: 50, H: 75, Score: 0.4}
	tests := []struct {
		name  string
		out   []float32
		shape yoloShape
		thr   float32
		want  []Box
	}{
		{"v5", v5, yoloShape{layout: LayoutYOLOv5, nBoxes: 2, nAttrs: 7}, 0.25, []Box{want}},
		{"v8", v8, yoloShape{layout: LayoutYOLOv8, nBoxes: 2, nAttrs: 6}, 0.25, []Box{want}},
		{"v5 low threshold keeps both", v5, yoloShape{layout: LayoutYOLOv5, nBoxes: 2, nAttrs: 7}, 0.05,
			[]Box{want, {X: 37.5, Y: 7.5, W: 25, H: 25, Score: 0.09}}},
		{"v8 high threshold keeps none", v8, yoloShape{layout: LayoutYOLOv8, nBoxes: 2, nAttrs: 6}, 0.5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeYOLO(nil, tt.out, tt.shape, 0, tt.thr, lb)
			require.Len(t, got, len(tt.want))
			for i := range got {
				assert.InDeltaSlice(t, boxSlice(tt.want[i]), boxSlice(got[i]), 1e-5, "box %d", i)
			}
		})
	}
	assert.Panics(t, func() { decodeYOLO(nil, v5[:5], yoloShape{layout: LayoutYOLOv5, nBoxes: 2, nAttrs: 7}, 0, 0, lb) })
}

func boxSlice(b Box) []float32 { return []float32{b.X, b.Y, b.W, b.H, b.Score} }

// TestONNXFixtures runs the generated models end to end. The frame is pure
// red, 200×100, letterboxed into 160×128: 160×80 of red (R = 1 after the
// BGR→RGB swap) between two 24-row bars of grey 114/255, so the model's
// box-0 score, mean(R) over the input, is (80 + 48·114/255)/128.
func TestONNXFixtures(t *testing.T) {
	meanR := float32((80 + 48*114.0/255) / 128)
	want := []Box{
		{X: 75, Y: 12.5, W: 50, H: 75, Score: meanR},         // box 0
		{X: 156.25, Y: 70, W: 37.5, H: 30, Score: 0.5 * 0.8}, // box 3, clipped at the bottom
	} // box 1 is not a person (0.09 < 0.25); box 2 loses NMS to box 0.
	tests := []struct {
		name   string
		path   string
		layout Layout
		want   Layout
	}{
		{"v5 auto", fixtureV5, LayoutAuto, LayoutYOLOv5},
		{"v8 auto", fixtureV8, LayoutAuto, LayoutYOLOv8},
		{"v5 named", fixtureV5, LayoutYOLOv5, LayoutYOLOv5},
	}
	red := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(0, 0, 255, 0), 100, 200, gocv.MatTypeCV8UC3)
	defer red.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := fixtureOptions()
			o.Layout = tt.layout
			d, err := NewONNX(tt.path, o)
			require.NoError(t, err)
			defer d.Close()
			assert.Equal(t, tt.want, d.Layout())
			for range 2 { // the second frame reuses every buffer
				got, err := d.Detect(red)
				require.NoError(t, err)
				require.Len(t, got, len(want))
				for i := range got {
					assert.InDeltaSlice(t, boxSlice(want[i]), boxSlice(got[i]), 1e-4, "box %d", i)
				}
			}
		})
	}
}

func TestONNXInputs(t *testing.T) {
	d, err := NewONNX(fixtureV5, fixtureOptions())
	require.NoError(t, err)
	defer d.Close()
	// The first box's score is mean(R) of the input, so it shows how the
	// frame was converted; a blue frame gives R = 0 and the box disappears.
	padOnly := float32(48 * 114.0 / 255 / 128)
	tests := []struct {
		name    string
		img     func() gocv.Mat
		score   float32 // of box 0, 0 if it must be missing
		wantErr bool
	}{
		{"blue BGR", func() gocv.Mat {
			return gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 0, 0, 0), 100, 200, gocv.MatTypeCV8UC3)
		}, 0, false},
		{"white gray", func() gocv.Mat {
			return gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 0, 0, 0), 100, 200, gocv.MatTypeCV8UC1)
		}, (80 + 48*114.0/255) / 128, false},
		{"red BGRA", func() gocv.Mat {
			return gocv.NewMatWithSizeFromScalar(gocv.NewScalar(0, 0, 255, 255), 100, 200, gocv.MatTypeCV8UC4)
		}, (80 + 48*114.0/255) / 128, false},
		{"float", func() gocv.Mat { return gocv.NewMatWithSize(100, 200, gocv.MatTypeCV32FC3) }, 0, true},
		{"empty", gocv.NewMat, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := tt.img()
			defer img.Close()
			got, err := d.Detect(img)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			var box0 *Box
			for i := range got {
				if got[i].X == 75 && got[i].W == 50 {
					box0 = &got[i]
				}
			}
			if tt.score == 0 {
				assert.Nil(t, box0, "pad alone gives mean(R) %v < 0.25", padOnly)
				return
			}
			require.NotNil(t, box0)
			assert.InDelta(t, tt.score, box0.Score, 1e-4)
		})
	}
}

func TestONNXOptions(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*ONNXOptions)
		wantErr string
	}{
		{"no person class in 3 classes", func(o *ONNXOptions) { o.PersonClass = 3 }, "no person class 3"},
		{"zero input", func(o *ONNXOptions) { o.InputWidth = 0 }, "input size"},
		{"bad layout", func(o *ONNXOptions) { o.Layout = 7 }, "layout"},
		{"score threshold above 1", func(o *ONNXOptions) { o.ScoreThreshold = 2 }, "score threshold"},
		{"unknown output name", func(o *ONNXOptions) { o.OutputName = "nope" }, "OpenCV cannot run it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := fixtureOptions()
			tt.edit(&o)
			d, err := NewONNX(fixtureV5, o)
			assert.Nil(t, d)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// BenchmarkONNXOverhead times everything around the network for a 640×480
// frame at a 640×640 input (the fixture's network is a pooling and one
// tiny matrix product): letterbox, blob fill, forward, decode and NMS.
func BenchmarkONNXOverhead(b *testing.B) {
	img := readImage(b, vtestFrame)
	defer img.Close()
	o := DefaultONNXOptions()
	d, err := NewONNX(fixtureV5, o)
	require.NoError(b, err)
	defer d.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Detect(img); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLetterbox compares our resize + Go blob fill with the usual gocv
// route (resize, CopyMakeBorder, BlobFromImage with swapRB), which builds a
// new blob Mat every frame.
func BenchmarkLetterbox(b *testing.B) {
	img := readImage(b, vtestFrame)
	defer img.Close()
	lb := newLetterbox(img.Cols(), img.Rows(), 640, 640)
	b.Run("impl=dypose", func(b *testing.B) {
		d := &ONNX{resized: gocv.NewMat(), blob: gocv.NewMatWithSizes([]int{1, 3, 640, 640}, gocv.MatTypeCV32F)}
		defer d.resized.Close()
		defer d.blob.Close()
		b.ReportAllocs()
		for b.Loop() {
			if err := d.fillBlob(img, lb); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=gocv", func(b *testing.B) {
		resized, padded := gocv.NewMat(), gocv.NewMat()
		defer resized.Close()
		defer padded.Close()
		b.ReportAllocs()
		for b.Loop() {
			gocv.Resize(img, &resized, image.Pt(lb.newW, lb.newH), 0, 0, gocv.InterpolationLinear)
			gocv.CopyMakeBorder(resized, &padded, lb.padY, 640-lb.newH-lb.padY, lb.padX, 640-lb.newW-lb.padX,
				gocv.BorderConstant, color.RGBA{R: letterboxPad, G: letterboxPad, B: letterboxPad})
			blob := gocv.BlobFromImage(padded, 1.0/255, image.Pt(640, 640), gocv.NewScalar(0, 0, 0, 0), true, false)
			blob.Close()
		}
	})
}

// TestLetterboxMatchesGocv checks our blob against the gocv route pixel by pixel.
func TestLetterboxMatchesGocv(t *testing.T) {
	img := readImage(t, vtestFrame)
	defer img.Close()
	lb := newLetterbox(img.Cols(), img.Rows(), 320, 256)
	d := &ONNX{resized: gocv.NewMat(), blob: gocv.NewMatWithSizes([]int{1, 3, 256, 320}, gocv.MatTypeCV32F)}
	defer d.resized.Close()
	defer d.blob.Close()
	require.NoError(t, d.fillBlob(img, lb))
	ours, err := d.blob.DataPtrFloat32()
	require.NoError(t, err)

	resized, padded := gocv.NewMat(), gocv.NewMat()
	defer resized.Close()
	defer padded.Close()
	gocv.Resize(img, &resized, image.Pt(lb.newW, lb.newH), 0, 0, gocv.InterpolationLinear)
	gocv.CopyMakeBorder(resized, &padded, lb.padY, 256-lb.newH-lb.padY, lb.padX, 320-lb.newW-lb.padX,
		gocv.BorderConstant, color.RGBA{R: letterboxPad, G: letterboxPad, B: letterboxPad})
	blob := gocv.BlobFromImage(padded, 1.0/255, image.Pt(320, 256), gocv.NewScalar(0, 0, 0, 0), true, false)
	defer blob.Close()
	theirs, err := blob.DataPtrFloat32()
	require.NoError(t, err)
	require.Len(t, ours, len(theirs))
	assert.InDeltaSlice(t, theirs, ours, 1e-6)
}

// A file with valid top-level framing but a garbage graph passes the Go
// check; OpenCV then throws, and the C++ probe must turn that into an
// error instead of letting the process abort.
func TestNewONNXGarbageGraph(t *testing.T) {
	p := filepath.Join(t.TempDir(), "garbage.onnx")
	// ir_version 7, then graph (field 7) holding 4 bytes that are no GraphProto.
	require.NoError(t, os.WriteFile(p, []byte{0x08, 0x07, 0x3a, 0x04, 0xff, 0xff, 0xff, 0xff}, 0o644))
	require.NoError(t, checkONNXFile(p))
	d, err := NewONNX(p, fixtureOptions())
	assert.Nil(t, d)
	assert.ErrorContains(t, err, "OpenCV cannot run it")
	t.Log(err)
}
