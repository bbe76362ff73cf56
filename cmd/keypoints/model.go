package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/pose"
)

// newModelCmd builds `keypoints model` with its subcommands `summary` and
// `import`.
func newModelCmd() *cli.Command {
	return &cli.Command{
		Name:        "model",
		Usage:       "inspect network architectures and convert PyTorch weights",
		Subcommands: []*cli.Command{newModelSummaryCmd(), newModelImportCmd()},
	}
}

func newModelSummaryCmd() *cli.Command {
	archFlag := &cli.StringFlag{
		Name:  "arch",
		Value: pose.DefaultArch,
		Usage: "architecture `NAME`: mnv3-{small|large}-{baseline|dyrelu-a|dyrelu-b|dyrelu-c}[-deconv|-lat][-w<mult>][-hc<n>][-k<n>]",
	}
	inputFlag := &cli.StringFlag{
		Name:  "input",
		Value: fmt.Sprintf("%dx%d", pose.DefaultInputH, pose.DefaultInputW),
		Usage: "input size `HxW`",
	}
	return &cli.Command{
		Name:  "summary",
		Usage: "per-layer output shapes, parameters and multiply-adds of an architecture",
		Flags: []cli.Flag{archFlag, inputFlag},
		Action: func(c *cli.Context) error {
			arch, err := pose.ParseArch(c.String(archFlag.Name))
			if err != nil {
				return fmt.Errorf("model summary: %w", err)
			}
			h, w, err := parseHxW(c.String(inputFlag.Name))
			if err != nil {
				return fmt.Errorf("model summary: --%s: %w", inputFlag.Name, err)
			}
			return runModelSummary(c, arch, h, w)
		},
	}
}

// runModelSummary builds the model (weights are irrelevant to the counts)
// and prints its summary.
func runModelSummary(c *cli.Context, arch pose.Arch, h, w int) error {
	m := pose.New(arch, rand.New(rand.NewPCG(0, 0)))
	return m.Summarize(h, w).Write(c.App.Writer)
}

func newModelImportCmd() *cli.Command {
	archFlag := &cli.StringFlag{Name: "arch", Required: true, Usage: "architecture `NAME` the state dict was saved from"}
	inFlag := &cli.StringFlag{Name: "in", Required: true, Usage: "a bare safetensors state dict `FILE` (e.g. safetensors.torch.save_file(twin.state_dict(), FILE))"}
	outFlag := &cli.StringFlag{Name: "out", Required: true, Usage: "dypose checkpoint `FILE` to write"}
	inputFlag := &cli.StringFlag{Name: "input", Value: fmt.Sprintf("%dx%d", pose.DefaultInputH, pose.DefaultInputW), Usage: "input size `HxW` the weights were trained for"}
	return &cli.Command{
		Name:  "import",
		Usage: "turn a PyTorch state dict of scripts/twin.py (safetensors) into a dypose checkpoint",
		Description: "Loads every tensor by name (strictly: no missing, unexpected or mis-shaped entries), then\n" +
			"writes a checkpoint with the architecture, input size and COCO keypoint metadata that pose.Load needs.",
		Flags: []cli.Flag{archFlag, inFlag, outFlag, inputFlag},
		Action: func(c *cli.Context) error {
			arch, err := pose.ParseArch(c.String(archFlag.Name))
			if err != nil {
				return fmt.Errorf("model import: %w", err)
			}
			h, w, err := parseHxW(c.String(inputFlag.Name))
			if err == nil {
				err = arch.CheckInput(h, w)
			}
			if err != nil {
				return fmt.Errorf("model import: --%s: %w", inputFlag.Name, err)
			}
			m := pose.New(arch, rand.New(rand.NewPCG(0, 0)))
			if err := m.LoadWeights(c.String(inFlag.Name)); err != nil {
				return fmt.Errorf("model import: %w", err)
			}
			m.Meta.InputH, m.Meta.InputW = h, w
			if err := m.Save(c.String(outFlag.Name), nil); err != nil {
				return fmt.Errorf("model import: %w", err)
			}
			fmt.Fprintf(c.App.Writer, "wrote %s (%s)\n", c.String(outFlag.Name), arch)
			return nil
		},
	}
}

// parseHxW reads "256x192" (height x width).
func parseHxW(s string) (h, w int, err error) {
	hs, ws, ok := strings.Cut(strings.ToLower(s), "x")
	h, err1 := strconv.Atoi(hs)
	w, err2 := strconv.Atoi(ws)
	if !ok || err1 != nil || err2 != nil || h < 1 || w < 1 {
		return 0, 0, fmt.Errorf("%q: want HxW, e.g. 256x192", s)
	}
	return h, w, nil
}
