package pose_test

import (
	"fmt"

	"github.com/dypose/dypose/pose"
)

func ExampleParseArch() {
	a, err := pose.ParseArch("mnv3-large-dyrelu-c-deconv-w0.75")
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Size, a.Act, a.Head, a.Width, a.HeadChannels, a.Keypoints)
	fmt.Println(a)
	// Output:
	// large dyrelu-c deconv 0.75 256 17
	// mnv3-large-dyrelu-c-deconv-w0.75
}

func ExampleDecoder() {
	// One 3×4 heatmap with its peak at (1, 1); the right neighbour is
	// larger than the left, the lower one larger than the upper.
	hm := []float32{
		0, 0.1, 0, 0,
		0.2, 0.9, 0.4, 0,
		0, 0.3, 0, 0,
	}
	kps := make([]pose.Keypoint, 1)
	var d pose.Decoder
	d.Decode(kps, hm, 1, 3, 4)
	fmt.Printf("%.2f %.2f %.1f\n", kps[0].X, kps[0].Y, kps[0].Score)
	// Output: 1.25 1.25 0.9
}
