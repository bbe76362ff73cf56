package infer_test

import (
	"fmt"
	"log"

	"gocv.io/x/gocv"

	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/infer"
	"github.com/dypose/dypose/models"
)

// A Go service's whole pipeline: a person detector, the bundled model, and
// one Estimator reused for every frame.
func Example() {
	model, err := models.Synth() // or pose.Load("your-coco-model.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	// The frame's pedestrians are about 60 px tall, below HOG's 128-px
	// window at the frame's width: detect at twice the width.
	opts := detect.DefaultHOGOptions()
	opts.Width = 1280
	det, err := detect.NewHOG(opts)
	if err != nil {
		log.Fatal(err)
	}
	defer det.Close()
	est, err := infer.NewEstimator(model, infer.Options{Flip: true}) // the model's decoding and box padding
	if err != nil {
		log.Fatal(err)
	}
	defer est.Close()

	img := gocv.IMRead("../testdata/people/vtest_0100.jpg", gocv.IMReadColor)
	if img.Empty() {
		log.Fatal("cannot read the image")
	}
	defer img.Close()
	boxes, err := det.Detect(img)
	if err != nil {
		log.Fatal(err)
	}
	people, err := est.Estimate(img, boxes)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range people {
		// Keypoints are x, y, score triples in the image's pixels, COCO order.
		nose := p.Keypoints[0:3]
		fmt.Printf("person in box %.0f×%.0f at (%.0f, %.0f): %d keypoints, nose at (%.0f, %.0f)\n",
			p.Box.W, p.Box.H, p.Box.X, p.Box.Y, p.NumKeypoints(), nose[0], nose[1])
	}
	// Output:
	// person in box 44×87 at (306, 137): 17 keypoints, nose at (327, 153)
	// person in box 39×78 at (402, 116): 17 keypoints, nose at (422, 130)
	// person in box 48×95 at (282, 150): 17 keypoints, nose at (301, 172)
	// person in box 40×80 at (420, 117): 17 keypoints, nose at (422, 128)
	// person in box 47×94 at (480, 114): 17 keypoints, nose at (504, 134)
}
