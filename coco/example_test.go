package coco_test

import (
	"context"
	"fmt"

	"github.com/dypose/dypose/coco"
)

func ExampleLoad() {
	ds, err := coco.Load("../testdata/coco/person_keypoints_tiny.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	kp := ds.Person.Keypoints
	fmt.Println(len(ds.Images), "images,", len(ds.Annotations), "annotations,", kp.K(), "keypoints")
	fmt.Println("first flip pair:", kp.Names[kp.FlipPairs[0][0]], kp.Names[kp.FlipPairs[0][1]])
	// Output:
	// 3 images, 7 annotations, 17 keypoints
	// first flip pair: left_eye right_eye
}

func ExampleAffineTransform() {
	center, scale := coco.BoxToCenterScale([4]float64{100, 50, 60, 80}, 192.0/256, coco.BoxPadding)
	toCrop := coco.AffineTransform(center, scale, 0, 192, 256, false)
	x, y := coco.TransformPoint(toCrop, 130, 90) // the box centre
	fmt.Printf("crop (%.1f, %.1f)\n", x, y)
	toImage := coco.AffineTransform(center, scale, 0, 48, 64, true) // heatmap → image
	x, y = coco.TransformPoint(toImage, 24, 32)
	fmt.Printf("image (%.1f, %.1f)\n", x, y)
	// Output:
	// crop (96.0, 128.0)
	// image (130.0, 90.0)
}

func ExampleNewLoader() {
	ds, _ := coco.Load("../testdata/coco/person_keypoints_tiny.json")
	samples := coco.AnnotationSamples(ds, "../testdata/coco/images", 192, 256, coco.BoxPadding)
	l, err := coco.NewLoader(samples, coco.LoaderOptions{BatchSize: 4, Epochs: 1,
		Geometry: coco.DefaultGeometry(), Keypoints: ds.Person.Keypoints})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	ctx := context.Background()
	for b, err := l.Next(ctx); err == nil; b, err = l.Next(ctx) {
		fmt.Println(b.N, len(b.Images), len(b.Targets), len(b.Weights))
		l.Release(b)
	}
	// Output:
	// 4 589824 208896 68
	// 1 147456 52224 17
}
