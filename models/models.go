// Package models holds dypose's bundled model, MobileNetV3-Small with
// DY-ReLU-C trained on the synthetic set (its training command and AP are
// in the README), built into every program that imports the package: the
// keypoints binary needs no models folder next to it, and a Go service gets
// a model with one call.
//
// It knows synthetic figures, not real people; for real use load a
// COCO-trained checkpoint with pose.Load.
package models

import (
	"bytes"
	_ "embed"

	"github.com/dypose/dypose/pose"
)

// SynthPath is the bundled model's file in the repository.
const SynthPath = "models/mnv3-small-dyrelu-c-synth.safetensors"

//go:embed mnv3-small-dyrelu-c-synth.safetensors
var synth []byte

// Synth returns a new copy of the bundled model, in inference mode.
func Synth() (*pose.Model, error) {
	return pose.Decode(bytes.NewReader(synth), SynthPath+" (built in)")
}
