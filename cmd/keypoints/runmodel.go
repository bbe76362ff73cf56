package main

import (
	"fmt"
	"math"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/infer"
	"github.com/dypose/dypose/models"
	"github.com/dypose/dypose/pose"
	"github.com/dypose/dypose/track"
)

// modelOptions are the settings of every command that runs the model on
// person crops (predict, video, webcam, eval --model); each command's
// options embed them.
type modelOptions struct {
	Model      string
	Flip       bool
	Decode     string  // "": the model's
	BoxPadding float64 // 0: the model's
}

// check validates the flags, so that a typo fails before any file is opened.
func (o modelOptions) check() error {
	if err := checkDecode(o.Decode); err != nil {
		return err
	}
	return checkBoxPadding(o.BoxPadding)
}

// open loads the model and an estimator that runs it as the flags say.
func (o modelOptions) open() (*pose.Model, *infer.Estimator, error) {
	m, err := loadModel(o.Model)
	if err != nil {
		return nil, nil, err
	}
	est, err := infer.NewEstimator(m, infer.Options{Flip: o.Flip, Decode: o.Decode, BoxPadding: o.BoxPadding})
	if err != nil {
		return nil, nil, fmt.Errorf("model %s: %w", o.Model, err)
	}
	return m, est, nil
}

// streamOptions are the settings of the commands that follow people from
// frame to frame (video, webcam): the model, where boxes come from and how
// often, and the tracker's smoothing.
type streamOptions struct {
	modelOptions
	Detector    string
	WholeImage  bool
	DetInterval int
	Smooth      bool
}

func (o streamOptions) check() error {
	if o.DetInterval < 1 {
		return fmt.Errorf("--det-interval %d: want 1 or more", o.DetInterval)
	}
	return o.modelOptions.check()
}

// open loads the model's estimator and the person detector; the caller
// closes both.
func (o streamOptions) open() (*infer.Estimator, detect.Detector, error) {
	_, est, err := o.modelOptions.open()
	if err != nil {
		return nil, nil, err
	}
	det, err := newDetector(o.Detector, o.WholeImage)
	if err != nil {
		est.Close()
		return nil, nil, err
	}
	return est, det, nil
}

// trackerOptions are the tracker's defaults, with One-Euro smoothing when
// smooth is set.
func trackerOptions(smooth bool) track.TrackerOptions {
	t := track.DefaultTrackerOptions()
	if smooth {
		p := track.DefaultOneEuro()
		t.Smooth = &p
	}
	return t
}

// defaultModel is the bundled model, trained on the synthetic set.
const defaultModel = models.SynthPath

// poseFlags are the flags every inference command shares: the model and
// where person boxes come from.
func poseFlags(model, detector *string, wholeImage *bool, boxPadding *float64) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "model", Value: defaultModel, Usage: "model checkpoint (safetensors); the default, the bundled model, is also built into the binary", Destination: model},
		&cli.StringFlag{Name: "detector", Value: "hog", Usage: "person detector: hog or onnx:PATH", Destination: detector},
		&cli.BoolFlag{Name: "whole-image", Usage: "one person per frame: the whole image", Destination: wholeImage},
		boxPaddingFlag(boxPadding),
	}
}

// boxPaddingFlag is --box-padding of the commands that crop people.
func boxPaddingFlag(dst *float64) *cli.Float64Flag {
	return &cli.Float64Flag{Name: "box-padding", Destination: dst,
		Usage:       "enlarge each person box by this before cropping",
		DefaultText: "the padding the model was trained with, which it records; 1.25 for older checkpoints"}
}

// decodeFlag is --decode of the commands that run a model.
func decodeFlag(dst *string) *cli.StringFlag {
	return &cli.StringFlag{Name: "decode", Destination: dst,
		Usage:       "heatmap decoding: argmax (quarter-pixel shift) or dark",
		DefaultText: "the one the model was trained for, which it records"}
}

// checkBoxPadding validates a --box-padding value (0 = the model's own).
func checkBoxPadding(v float64) error {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("--box-padding %v: want a positive number", v)
	}
	return nil
}

// loadModel loads a checkpoint. The bundled default is read from
// models/ when the working folder has it (a checkout, where it may have
// just been retrained), else from the copy built into the binary, so the
// binary works from any folder.
func loadModel(path string) (*pose.Model, error) {
	if _, err := os.Stat(path); err != nil {
		if path == defaultModel {
			return models.Synth()
		}
		return nil, fmt.Errorf("model %s: %w (pass --model FILE)", path, err)
	}
	m, err := pose.Load(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	return m, nil
}

// checkDecode validates a --decode value ("" = the model's own).
func checkDecode(decode string) error {
	if decode != "" && !pose.KnownDecode(decode) {
		return fmt.Errorf("--decode %q: want %s or %s", decode, pose.DecodeArgmax, pose.DecodeDARK)
	}
	return nil
}
