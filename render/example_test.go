package render_test

import (
	"fmt"
	"time"

	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/render"
	"github.com/dypose/dypose/track"
	"gocv.io/x/gocv"
)

func ExampleRenderer_Draw() {
	style := render.DefaultStyle()
	style.Boxes = true
	r, err := render.NewRenderer(style)
	if err != nil {
		fmt.Println(err)
		return
	}
	frame := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer frame.Close()
	kps := make([]float32, 17*3) // from the pose model: x, y, score per joint
	for j := range 17 {
		kps[3*j], kps[3*j+1], kps[3*j+2] = 300+float32(j%2)*40, 100+float32(j)*15, 0.9
	}
	people := []track.Person{{Keypoints: kps, Score: 0.9, TrackID: 1, Box: detect.Box{X: 280, Y: 90, W: 80, H: 270}}}
	r.Draw(&frame, people)

	m, _ := render.NewMeter(0.1)
	m.Add(40*time.Millisecond, 25*time.Millisecond)
	r.DrawText(&frame, string(m.Format(nil)))
	fmt.Println(string(m.Format(nil)))
	// Output: 25.0 FPS  25.0 ms
}
