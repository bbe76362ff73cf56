package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/coco"
)

// newDataCmd builds `keypoints data`, whose `show` subcommand writes what the
// training pipeline feeds the network.
func newDataCmd() *cli.Command {
	ann := &cli.StringFlag{Name: "ann", Usage: "person_keypoints_*.json", Required: true}
	images := &cli.StringFlag{Name: "images", Usage: "image directory", Required: true}
	out := &cli.StringFlag{Name: "out", Usage: "output directory", Required: true}
	n := &cli.IntFlag{Name: "n", Usage: "number of samples", Value: 16}
	seed := &cli.Uint64Flag{Name: "seed", Usage: "sample choice and augmentation seed", Value: 1}
	augment := &cli.BoolFlag{Name: "augment", Usage: "apply the training augmentation"}
	inW := &cli.IntFlag{Name: "input-width", Usage: "crop width", Value: coco.DefaultGeometry().InputW}
	inH := &cli.IntFlag{Name: "input-height", Usage: "crop height", Value: coco.DefaultGeometry().InputH}
	show := &cli.Command{
		Name:  "show",
		Usage: "write crops with their keypoints and heatmap overlays",
		Flags: []cli.Flag{ann, images, out, n, seed, augment, inW, inH},
		Action: func(c *cli.Context) error {
			g := coco.DefaultGeometry()
			g.InputW, g.InputH = c.Int(inW.Name), c.Int(inH.Name)
			g.HeatmapW, g.HeatmapH = g.InputW/4, g.InputH/4
			opt := coco.InspectOptions{
				Annotations: c.String(ann.Name), Images: c.String(images.Name), Out: c.String(out.Name),
				N: c.Int(n.Name), Seed: c.Uint64(seed.Name), Augment: c.Bool(augment.Name), Geometry: g,
			}
			return runDataShow(c, opt)
		},
	}
	return &cli.Command{
		Name:        "data",
		Usage:       "inspect a COCO keypoint data set",
		Subcommands: []*cli.Command{show},
	}
}

func runDataShow(c *cli.Context, opt coco.InspectOptions) error {
	paths, err := coco.Inspect(c.Context, opt)
	if err != nil {
		return fmt.Errorf("data show: %w", err)
	}
	fmt.Fprintf(c.App.Writer, "wrote %d samples to %s\n", len(paths), opt.Out)
	return nil
}
