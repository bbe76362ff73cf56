package detect_test

import (
	"fmt"

	"github.com/dypose/dypose/detect"
	"gocv.io/x/gocv"
)

func ExampleNewHOG() {
	img := gocv.IMRead("../testdata/people/vtest_0100.jpg", gocv.IMReadColor)
	defer img.Close()
	opts := detect.DefaultHOGOptions()
	opts.Width = 960 // the people here are small: upscale 1.5×
	d, err := detect.NewHOG(opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	boxes, err := d.Detect(img)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(boxes) >= 4, boxes[0].Score > 0.9)
	// Output: true true
}

func ExampleNMS() {
	boxes := []detect.Box{
		{X: 10, Y: 10, W: 40, H: 80, Score: 0.7},
		{X: 12, Y: 10, W: 40, H: 80, Score: 0.9},
		{X: 200, Y: 10, W: 40, H: 80, Score: 0.4},
	}
	for _, b := range detect.NMS(boxes, 0.5) {
		fmt.Println(b)
	}
	// Output:
	// {12 10 40 80 0.9}
	// {200 10 40 80 0.4}
}
