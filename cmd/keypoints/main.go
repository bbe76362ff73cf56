// Command keypoints is dypose's command-line tool: COCO human-keypoint
// estimation with a MobileNetV3 + DY-ReLU-C network, from data generation and
// training to evaluation and inference on images, video and webcam.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
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
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "keypoints:", err)
		os.Exit(1)
	}
}
