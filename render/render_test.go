package render

import (
	"fmt"
	"image/color"
	"testing"

	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/track"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"
)

// testPerson is a COCO pose on a 320×240 frame: nose, shoulders, elbows,
// wrists and hips confident; eyes, ears, knees and ankles below 0.3.
func testPerson() track.Person {
	kps := []float32{
		160, 30, 0.95, // 1 nose
		150, 20, 0.1, // 2 left eye (hidden)
		170, 20, 0.1, // 3 right eye (hidden)
		140, 25, 0.2, // 4 left ear (hidden)
		180, 25, 0.2, // 5 right ear (hidden)
		200, 60, 0.9, // 6 left shoulder
		120, 60, 0.9, // 7 right shoulder
		220, 110, 0.8, // 8 left elbow
		100, 110, 0.8, // 9 right elbow
		230, 160, 0.5, // 10 left wrist
		90, 160, 0.35, // 11 right wrist
		190, 140, 0.9, // 12 left hip
		130, 140, 0.9, // 13 right hip
		190, 190, 0.2, // 14 left knee (hidden)
		130, 190, 0.2, // 15 right knee (hidden)
		190, 230, 0.29, // 16 left ankle (just below the threshold)
		130, 230, 0.0, // 17 right ankle (hidden)
	}
	return track.Person{
		Keypoints: kps, Score: 0.87, TrackID: 3,
		Box: detect.Box{X: 80, Y: 10, W: 160, H: 225, Score: 0.9},
	}
}

// bgrAt returns the pixel at (x, y) as a colour.
func bgrAt(img gocv.Mat, x, y int) color.RGBA {
	v := img.GetVecbAt(y, x)
	return color.RGBA{R: v[2], G: v[1], B: v[0], A: 255}
}

func blank() gocv.Mat { return gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3) }

func TestDrawPerson(t *testing.T) {
	style := DefaultStyle()
	r, err := NewRenderer(style)
	require.NoError(t, err)
	img := blank()
	defer img.Close()
	p := testPerson()
	r.Draw(&img, []track.Person{p})

	black := color.RGBA{A: 255}
	kps := p.Keypoints
	for j := range 17 {
		x, y, s := int(kps[3*j]), int(kps[3*j+1]), kps[3*j+2]
		if s < style.KeypointThreshold {
			assert.Equal(t, black, bgrAt(img, x, y), "keypoint %d (score %v) must not be drawn", j+1, s)
		} else {
			assert.Equal(t, r.KeypointColor(s), bgrAt(img, x, y), "keypoint %d (score %v)", j+1, s)
		}
	}
	limbs := []struct {
		name string
		x, y int // the limb's midpoint
		want color.RGBA
	}{
		{"left upper arm", 210, 85, style.Left},
		{"right upper arm", 110, 85, style.Right},
		{"left flank", 195, 100, style.Left},
		{"shoulders", 160, 60, style.Center},
		{"hips", 160, 140, style.Center},
		{"left shin is hidden", 190, 210, black},
		{"left eye to ear is hidden", 145, 22, black},
	}
	for _, l := range limbs {
		assert.Equal(t, l.want, bgrAt(img, l.x, l.y), l.name)
	}
	assert.Equal(t, black, bgrAt(img, 80, 120), "no box unless asked")
	assert.NotEqual(t, r.KeypointColor(0.35), r.KeypointColor(0.95), "confidence changes the colour")
}

func TestDrawBoxes(t *testing.T) {
	style := DefaultStyle()
	style.Boxes = true
	r, err := NewRenderer(style)
	require.NoError(t, err)
	img := blank()
	defer img.Close()
	r.Draw(&img, []track.Person{testPerson()})
	assert.Equal(t, style.BoxColor, bgrAt(img, 80, 120), "left edge of the box")
	assert.Equal(t, style.BoxColor, bgrAt(img, 160, 235), "bottom edge of the box")
	// The label "#3 0.87" sits above the box top-left corner (10 → clamped to baseline 12).
	labelPixels := 0
	for y := 0; y < 13; y++ {
		for x := 80; x < 150; x++ {
			if bgrAt(img, x, y) != (color.RGBA{A: 255}) {
				labelPixels++
			}
		}
	}
	assert.Greater(t, labelPixels, 20, "label drawn")
}

func TestDrawPanicsOnShortPose(t *testing.T) {
	r, err := NewRenderer(DefaultStyle())
	require.NoError(t, err)
	img := blank()
	defer img.Close()
	assert.Panics(t, func() { r.Draw(&img, []track.Person{{Keypoints: make([]float32, 5*3)}}) })
}

func TestNewRendererErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Style)
	}{
		{"link past K", func(s *Style) { s.Skeleton.Links = append(s.Skeleton.Links, [2]int{1, 18}) }},
		{"0-based link", func(s *Style) { s.Skeleton.Links = [][2]int{{0, 1}} }},
		{"self link", func(s *Style) { s.Skeleton.Links = [][2]int{{2, 2}} }},
		{"no keypoints", func(s *Style) { s.Skeleton = Skeleton{} }},
		{"bad side", func(s *Style) { s.Skeleton.Sides = []Side{Left, 7} }},
		{"zero radius", func(s *Style) { s.Radius = 0 }},
		{"threshold above 1", func(s *Style) { s.KeypointThreshold = 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultStyle()
			tt.edit(&s)
			_, err := NewRenderer(s)
			assert.Error(t, err)
		})
	}
}

func TestCOCOSkeleton(t *testing.T) {
	s := COCOSkeleton()
	require.NoError(t, s.validate())
	assert.Len(t, s.Links, 19)
	assert.Len(t, s.Sides, 17)
	tests := []struct {
		link [2]int
		want Side
	}{
		{[2]int{16, 14}, Left},  // left ankle – left knee
		{[2]int{17, 15}, Right}, // right ankle – right knee
		{[2]int{6, 7}, Center},  // shoulders
		{[2]int{1, 2}, Center},  // nose – left eye
		{[2]int{8, 10}, Left},   // left elbow – left wrist
		{[2]int{9, 11}, Right},  // right elbow – right wrist
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, s.linkSide(tt.link), "link %v", tt.link)
	}
}

func TestColormap(t *testing.T) {
	stops := confidenceStops()
	m := newColormap(stops)
	tests := []struct {
		name string
		s    float32
		want color.RGBA
	}{
		{"threshold is the first stop", 0.3, stops[0]},
		{"one is the last stop", 1, stops[len(stops)-1]},
		{"above one clamps", 1.5, stops[len(stops)-1]},
		{"below threshold clamps", 0, stops[0]},
		{"middle is the middle stop", 0.65, stops[2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, m.at(tt.s, 0.3))
		})
	}
}

func TestDrawText(t *testing.T) {
	r, err := NewRenderer(DefaultStyle())
	require.NoError(t, err)
	img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(0, 0, 255, 0), 240, 320, gocv.MatTypeCV8UC3)
	defer img.Close()
	r.DrawText(&img, "24.8 FPS  38.1 ms", "2 people")
	red := color.RGBA{R: 255, A: 255}
	assert.Equal(t, color.RGBA{A: 255}, bgrAt(img, 2, 8), "dark band behind the first line")
	white := 0
	for y := 0; y < 40; y++ {
		for x := 0; x < 150; x++ {
			if c := bgrAt(img, x, y); c.R > 200 && c.G > 200 && c.B > 200 {
				white++
			}
		}
	}
	assert.Greater(t, white, 30, "white text")
	assert.Equal(t, red, bgrAt(img, 300, 200), "rest of the frame untouched")
}

func TestDrawAllocs(t *testing.T) {
	r, err := NewRenderer(DefaultStyle())
	require.NoError(t, err)
	img := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer img.Close()
	people := []track.Person{testPerson(), testPerson(), testPerson()}
	allocs := testing.AllocsPerRun(20, func() { r.Draw(&img, people) })
	assert.Zero(t, allocs, "drawing skeletons must not allocate")
}

func BenchmarkDraw(b *testing.B) {
	for _, n := range []int{1, 5, 20} {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			style := DefaultStyle()
			style.Boxes = true
			r, err := NewRenderer(style)
			require.NoError(b, err)
			img := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
			defer img.Close()
			people := make([]track.Person, n)
			for i := range people {
				people[i] = testPerson()
			}
			b.ReportAllocs()
			for b.Loop() {
				r.Draw(&img, people)
			}
		})
	}
}
