// Command keypoints is dypose's command-line tool: COCO human-keypoint
// estimation with a MobileNetV3 + DY-ReLU-C network, from data generation and
// training to evaluation and inference on images, video and webcam.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/nn"
)

func newApp() *cli.App {
	return &cli.App{
		Name:                 "keypoints",
		Usage:                "human pose estimation (COCO keypoints) with MobileNetV3 + DY-ReLU",
		HideVersion:          true,
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			versionCmd,
			newSynthCmd(),
			newDataCmd(),
			newEvalCmd(),
			newModelCmd(),
			newTrainCmd(),
			newBenchCmd(),
			newPredictCmd(),
			newVideoCmd(),
			newWebcamCmd(),
		},
	}
}

func main() {
	// dypose spreads depthwise convolutions, DY-ReLU and the 1×1 GEMMs over
	// the cores with its own workers; OpenBLAS threads on top of them spin
	// between the network's many small GEMMs and take the cores away
	// (measured: batch-8 inference 32–35 ms with one BLAS thread against
	// 42–49 ms with two, notes/speed.md). OPENBLAS_NUM_THREADS still wins.
	if os.Getenv("OPENBLAS_NUM_THREADS") == "" {
		nn.SetBLASThreads(1)
	}
	app := newApp()
	if err := app.Run(interspersed(app, os.Args)); err != nil {
		fmt.Fprintln(os.Stderr, "keypoints:", err)
		os.Exit(1)
	}
}

// stopContext returns a context cancelled on Ctrl-C and on SIGTERM, which
// `timeout`, batch schedulers and container stops send: a run stopped either
// way winds down as from Ctrl-C (train checkpoints first).
func stopContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}
