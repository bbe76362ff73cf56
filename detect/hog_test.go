package detect

import (
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"
)

// vtestFrame is frame 100 of OpenCV's vtest.avi, resized to 640×480.
var vtestFrame = filepath.Join("..", "testdata", "people", "vtest_0100.jpg")

// vtestPeople are the six people standing in vtestFrame, annotated by hand
// (tight xywh boxes around each body, ±2 px). A seventh person far away at
// the top left is ~28 px tall and out of HOG's reach.
var vtestPeople = []Box{
	{X: 291, Y: 166, W: 29, H: 63}, // black coat, front left
	{X: 312, Y: 148, W: 30, H: 65}, // dark jacket, jeans
	{X: 352, Y: 148, W: 23, H: 66}, // behind the sign, half hidden
	{X: 412, Y: 123, W: 21, H: 60}, // red jacket
	{X: 429, Y: 127, W: 21, H: 57}, // dark coat next to him
	{X: 493, Y: 128, W: 22, H: 67}, // alone on the right
}

func readImage(t testing.TB, path string) gocv.Mat {
	t.Helper()
	img := gocv.IMRead(path, gocv.IMReadColor)
	require.False(t, img.Empty(), "read %s", path)
	return img
}

// matchPeople pairs detections with annotated people one to one, greedily
// by IoU ≥ minIoU, and returns how many people were found and how many
// detections matched nobody.
func matchPeople(dets, people []Box, minIoU float32) (found, falsePos int) {
	type pair struct {
		d, p int
		iou  float32
	}
	var pairs []pair
	for i, d := range dets {
		for j, p := range people {
			if v := IoU(d, p); v >= minIoU {
				pairs = append(pairs, pair{i, j, v})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		switch {
		case a.iou > b.iou:
			return -1
		case a.iou < b.iou:
			return 1
		}
		return 0
	})
	usedD, usedP := map[int]bool{}, map[int]bool{}
	for _, pr := range pairs {
		if !usedD[pr.d] && !usedP[pr.p] {
			usedD[pr.d], usedP[pr.p] = true, true
			found++
		}
	}
	return found, len(dets) - found
}

func TestDefaultPeopleSVM(t *testing.T) {
	svm := DefaultPeopleSVM()
	// 64×128 window, 16×16 blocks at stride 8 (7×15 positions), 4 cells of
	// 9 bins each: 3780 weights, plus the bias.
	require.Len(t, svm, 7*15*4*9+1)
	var sumAbs float64
	for i, v := range svm {
		require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0), "coefficient %d = %v", i, v)
		sumAbs += math.Abs(float64(v))
	}
	assert.Greater(t, sumAbs, 1.0, "coefficients look like zeroed memory")
	again := DefaultPeopleSVM()
	assert.InDeltaSlice(t, svm, again, 0, "a Go-owned copy, the same every call")
	again[0] = 42
	assert.NotEqual(t, float32(42), svm[0], "copies must not share memory")
}

func TestHOGOptions(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*HOGOptions)
		wantErr string
	}{
		{"defaults", func(*HOGOptions) {}, ""},
		{"stride not a multiple of 8", func(o *HOGOptions) { o.WinStride = 12 }, "win stride"},
		{"zero stride", func(o *HOGOptions) { o.WinStride = 0 }, "win stride"},
		{"odd padding", func(o *HOGOptions) { o.Padding = 4 }, "padding"},
		{"scale 1", func(o *HOGOptions) { o.Scale = 1 }, "scale"},
		{"negative width", func(o *HOGOptions) { o.Width = -1 }, "width"},
		{"nms 0", func(o *HOGOptions) { o.NMSThreshold = 0 }, "nms"},
		{"svm of wrong length", func(o *HOGOptions) { o.SVM = make([]float32, 100) }, "set SVM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultHOGOptions()
			tt.edit(&o)
			d, err := NewHOG(o)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.NoError(t, d.Close())
			assert.NoError(t, d.Close(), "second Close")
		})
	}
}

func TestHOGFindsPeople(t *testing.T) {
	img := readImage(t, vtestFrame)
	defer img.Close()
	o := DefaultHOGOptions()
	// The people in this surveillance frame are 57-67 px tall; upscaling
	// 1.5× brings the larger ones to HOG's 96 px body height.
	o.Width = 960
	d, err := NewHOG(o)
	require.NoError(t, err)
	defer d.Close()

	boxes, err := d.Detect(img)
	require.NoError(t, err)
	found, falsePos := matchPeople(boxes, vtestPeople, 0.25)
	t.Logf("%d boxes, %d of %d people found, %d false positives: %v", len(boxes), found, len(vtestPeople), falsePos, boxes)
	assert.GreaterOrEqual(t, found, 4, "recall")
	assert.Zero(t, falsePos, "every box should be on a person")
	for i, b := range boxes {
		assert.True(t, b.Score > 0.5 && b.Score <= 1, "box %d score %v", i, b.Score)
		if i > 0 {
			assert.GreaterOrEqual(t, boxes[i-1].Score, b.Score, "sorted by score")
		}
	}

	// The same frame through the BGRA and gray paths still finds people.
	for _, code := range []gocv.ColorConversionCode{gocv.ColorBGRToBGRA, gocv.ColorBGRToGray} {
		conv := gocv.NewMat()
		gocv.CvtColor(img, &conv, code)
		got, err := d.Detect(conv)
		conv.Close()
		require.NoError(t, err)
		f, _ := matchPeople(got, vtestPeople, 0.25)
		assert.GreaterOrEqual(t, f, 3, "conversion %v", code)
	}
}

func TestHOGNoPeople(t *testing.T) {
	d, err := NewHOG(DefaultHOGOptions())
	require.NoError(t, err)
	defer d.Close()
	tests := []struct {
		name string
		img  func() gocv.Mat
		err  bool
	}{
		{"flat grey", func() gocv.Mat {
			return gocv.NewMatWithSizeFromScalar(gocv.NewScalar(128, 128, 128, 0), 480, 640, gocv.MatTypeCV8UC3)
		}, false},
		{"smaller than a window", func() gocv.Mat {
			return gocv.NewMatWithSizeFromScalar(gocv.NewScalar(128, 128, 128, 0), 40, 30, gocv.MatTypeCV8UC3)
		}, false},
		// At the detection width these are under a pixel high: Resize to a
		// zero height aborted the process.
		{"a strip", func() gocv.Mat {
			return gocv.NewMatWithSizeFromScalar(gocv.NewScalar(128, 128, 128, 0), 2, 3000, gocv.MatTypeCV8UC3)
		}, false},
		{"one pixel", func() gocv.Mat {
			return gocv.NewMatWithSizeFromScalar(gocv.NewScalar(128, 128, 128, 0), 1, 1, gocv.MatTypeCV8UC3)
		}, false},
		{"float image", func() gocv.Mat { return gocv.NewMatWithSize(480, 640, gocv.MatTypeCV32FC3) }, true},
		{"empty Mat", gocv.NewMat, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := tt.img()
			defer img.Close()
			boxes, err := d.Detect(img)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Empty(t, boxes)
		})
	}
}

func TestHOGClosed(t *testing.T) {
	d, err := NewHOG(DefaultHOGOptions())
	require.NoError(t, err)
	require.NoError(t, d.Close())
	img := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer img.Close()
	_, err = d.Detect(img)
	assert.ErrorContains(t, err, "closed")
}

// BenchmarkHOG times one 640×480 frame at the default width (no resize)
// and upscaled to 960 for small people.
func BenchmarkHOG(b *testing.B) {
	img := readImage(b, vtestFrame)
	defer img.Close()
	for _, width := range []int{480, 640, 960} {
		o := DefaultHOGOptions()
		o.Width = width
		d, err := NewHOG(o)
		require.NoError(b, err)
		b.Run("width="+strconv.Itoa(width), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Detect(img); err != nil {
					b.Fatal(err)
				}
			}
		})
		d.Close()
	}
}

// TestDetectAllocs keeps the per-frame Go allocations of the detectors
// within a small budget (cgo error pointer, gocv's output Mat and shape).
func TestDetectAllocs(t *testing.T) {
	if matProfileOn {
		t.Skip("matprofile records every Mat with an allocation")
	}
	img := readImage(t, vtestFrame)
	defer img.Close()
	hog, err := NewHOG(DefaultHOGOptions())
	require.NoError(t, err)
	defer hog.Close()
	onnx, err := NewONNX(fixtureV5, fixtureOptions())
	require.NoError(t, err)
	defer onnx.Close()
	tests := []struct {
		name   string
		d      Detector
		budget float64
	}{
		{"hog", hog, 1},
		{"onnx", onnx, 4},
		{"whole image", &WholeImage{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(3, func() {
				if _, err := tt.d.Detect(img); err != nil {
					t.Fatal(err)
				}
			})
			assert.LessOrEqual(t, allocs, tt.budget)
		})
	}
}
