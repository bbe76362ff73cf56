package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/pose"
)

// newDataCmd builds `keypoints data`, whose `show` subcommand writes what the
// training pipeline feeds the network.
func newDataCmd() *cli.Command {
	data := &cli.StringFlag{Name: "data", Usage: "COCO-layout `DIR` (keypoints synth's, or COCO 2017's), instead of --ann and --images"}
	split := &cli.StringFlag{Name: "split", Usage: "the split of --data to show: train or val", Value: "val"}
	ann := &cli.StringFlag{Name: "ann", Usage: "person_keypoints_*.json `FILE`"}
	images := &cli.StringFlag{Name: "images", Usage: "image `DIR` the annotations' file names are relative to"}
	out := &cli.StringFlag{Name: "out", Usage: "output directory", Required: true}
	n := &cli.IntFlag{Name: "n", Usage: "number of samples", Value: 16}
	seed := &cli.Uint64Flag{Name: "seed", Usage: "sample choice and augmentation seed", Value: 1}
	augment := &cli.BoolFlag{Name: "augment", Usage: "apply the training augmentation"}
	occlusion := &cli.Float64Flag{Name: "occlusion-prob", Usage: "with --augment: probability of the training's occluding rectangle (keypoints train --occlusion-prob)"}
	def := coco.DefaultGeometry()
	input := &cli.StringFlag{Name: "input", Usage: "crop size `HxW`", Value: fmt.Sprintf("%dx%d", def.InputH, def.InputW)}
	padding := &cli.Float64Flag{Name: "box-padding", Usage: "enlarge each person box by this before cropping", Value: def.BoxPadding}
	show := &cli.Command{
		Name:  "show",
		Usage: "write crops with their keypoints and heatmap overlays",
		Flags: []cli.Flag{data, split, ann, images, out, n, seed, augment, occlusion, input, padding},
		Action: func(c *cli.Context) error {
			g := def
			var err error
			g.InputH, g.InputW, err = parseHxW(c.String(input.Name))
			if err != nil {
				return fmt.Errorf("data show: --%s: %w", input.Name, err)
			}
			g.HeatmapW, g.HeatmapH = g.InputW/pose.HeatmapStride, g.InputH/pose.HeatmapStride
			g.BoxPadding = c.Float64(padding.Name)
			if !(g.BoxPadding > 0) {
				return fmt.Errorf("data show: --%s %v: want a positive number", padding.Name, g.BoxPadding)
			}
			opt := coco.InspectOptions{
				Annotations: c.String(ann.Name), Images: c.String(images.Name), Out: c.String(out.Name),
				N: c.Int(n.Name), Seed: c.Uint64(seed.Name), Augment: c.Bool(augment.Name), Geometry: g,
				Occlusion: c.Float64(occlusion.Name),
			}
			if (opt.Occlusion != 0 && !opt.Augment) || !(opt.Occlusion >= 0 && opt.Occlusion <= 1) {
				return fmt.Errorf("data show: --%s %v: want a probability in [0, 1], with --%s", occlusion.Name, opt.Occlusion, augment.Name)
			}
			switch dir := c.String(data.Name); {
			case dir != "" && (opt.Annotations != "" || opt.Images != ""):
				return fmt.Errorf("data show: --data or --ann with --images, not both")
			case dir != "":
				sp, err := coco.FindSplit(dir, c.String(split.Name))
				if err != nil {
					return fmt.Errorf("data show: %w", err)
				}
				opt.Annotations, opt.Images = sp.Annotations, sp.Images
			case opt.Annotations == "" || opt.Images == "":
				return fmt.Errorf("data show: give --data DIR, or --ann FILE with --images DIR")
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
