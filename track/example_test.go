package track_test

import (
	"fmt"

	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/track"
)

func ExampleTracker() {
	opts := track.DefaultTrackerOptions()
	opts.Metric = track.MetricIoU
	tr, err := track.NewTracker(opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	frames := [][]detect.Box{
		{{X: 10, Y: 10, W: 50, H: 120}, {X: 300, Y: 20, W: 50, H: 120}},
		{{X: 305, Y: 20, W: 50, H: 120}, {X: 14, Y: 10, W: 50, H: 120}}, // order swapped
	}
	for i, boxes := range frames {
		people := make([]track.Person, len(boxes))
		for j, b := range boxes {
			people[j].Box = b
		}
		if err := tr.Update(people, float64(i)/30); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(people[0].TrackID, people[1].TrackID)
	}
	// Output:
	// 1 2
	// 2 1
}

func ExampleBoxFromKeypoints() {
	// Two confident joints and one the model is unsure of.
	kps := []float32{100, 100, 0.9, 140, 200, 0.7, 500, 10, 0.1}
	box, ok := track.BoxFromKeypoints(kps, 0.3, 1.25, 640, 480)
	fmt.Printf("%v x=%.1f y=%.1f w=%.1f h=%.1f score=%.2f\n", ok, box.X, box.Y, box.W, box.H, box.Score)
	// Output: true x=95.0 y=87.5 w=50.0 h=125.0 score=0.80
}
