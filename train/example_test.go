package train_test

import (
	"fmt"

	"github.com/dypose/dypose/train"
)

func ExampleDefault() {
	cfg := train.Default()
	g, _ := cfg.Geometry()
	fmt.Println(cfg.Optimizer, cfg.LR, cfg.Epochs, cfg.Milestones, cfg.Batch)
	fmt.Printf("input %dx%d heatmap %dx%d\n", g.InputH, g.InputW, g.HeatmapH, g.HeatmapW)
	// Output:
	// adam 0.001 210 [170 200] 32
	// input 256x192 heatmap 64x48
}

func ExampleParseInput() {
	h, w, err := train.ParseInput("128x96")
	fmt.Println(h, w, err)
	_, _, err = train.ParseInput("128x90")
	fmt.Println(err != nil)
	// Output:
	// 128 96 <nil>
	// true
}
