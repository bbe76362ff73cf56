package main

import (
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/synth"
)

// newSynthCmd builds `keypoints synth`: a synthetic COCO-format keypoint set.
func newSynthCmd() *cli.Command {
	out := &cli.StringFlag{Name: "out", Usage: "output directory", Required: true}
	train := &cli.IntFlag{Name: "train", Usage: "training images", Value: 2000}
	val := &cli.IntFlag{Name: "val", Usage: "validation images", Value: 200}
	seed := &cli.Uint64Flag{Name: "seed", Usage: "random seed (same seed, same files)", Value: 1}
	width := &cli.IntFlag{Name: "width", Usage: "image width", Value: synth.DefaultWidth}
	height := &cli.IntFlag{Name: "height", Usage: "image height", Value: synth.DefaultHeight}
	return &cli.Command{
		Name:  "synth",
		Usage: "draw a synthetic COCO-format keypoint set (images + person_keypoints_{train,val}.json)",
		Flags: []cli.Flag{out, train, val, seed, width, height},
		Action: func(c *cli.Context) error {
			opt := synth.Options{
				Out: c.String(out.Name), Train: c.Int(train.Name), Val: c.Int(val.Name),
				Seed: c.Uint64(seed.Name), Width: c.Int(width.Name), Height: c.Int(height.Name),
			}
			return runSynth(c, opt)
		},
	}
}

func runSynth(c *cli.Context, opt synth.Options) error {
	opt.Progress = synthProgress(c.App.ErrWriter, isTerminal(c.App.ErrWriter))
	st, err := synth.Generate(c.Context, opt)
	if err != nil {
		return err // synth's errors already name the command
	}
	fmt.Fprintf(c.App.Writer, "wrote %d images, %d people (%d labelled keypoints), %d crowd regions to %s in %.1fs\n",
		st.Images, st.People, st.Keypoints, st.Crowds, opt.Out, st.Elapsed.Seconds())
	return nil
}

// synthProgress prints how far each split is: in place on a terminal, else
// a line every tenth of the split, so logs stay short.
func synthProgress(w io.Writer, inPlace bool) func(split string, done, total int) {
	var last time.Time
	return func(split string, done, total int) {
		end := done == total
		switch {
		case inPlace && (end || time.Since(last) >= 200*time.Millisecond):
			last = time.Now()
			fmt.Fprintf(w, "\rsynth: %s %d/%d", split, done, total)
			if end {
				fmt.Fprintln(w)
			}
		case !inPlace && (end || done%max(total/10, 1) == 0):
			fmt.Fprintf(w, "synth: %s %d/%d\n", split, done, total)
		}
	}
}
