package pose

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"

	"github.com/dypose/dypose/nn"
)

// Save writes the model's weights and BN statistics to path as a
// safetensors checkpoint, atomically, with its Arch and Meta in the
// metadata plus the caller's extra entries (which may not override the
// dypose.* keys).
func (m *Model) Save(path string, extra map[string]string) error {
	if m.fused {
		return fmt.Errorf("pose: save %s: model is fused (BN folded); save before Fuse", path)
	}
	md := map[string]string{}
	maps.Copy(md, extra)
	md[MetaArch] = m.Arch.String()
	m.Meta.encode(md)
	if err := nn.WriteSafetensors(path, nn.StateDict(m.Params()), md, nn.WriteOptions{}); err != nil {
		return fmt.Errorf("pose: save: %w", err)
	}
	return nil
}

// ErrArchMismatch is returned (wrapped) when a checkpoint was written for
// another architecture than the model it is loaded into.
var ErrArchMismatch = errors.New("architecture mismatch")

// Load reads a checkpoint written by Save (or by scripts/twin.py export)
// and returns the model it describes, in inference mode.
func Load(path string) (*Model, error) {
	tf, err := nn.ReadSafetensors(path)
	if err != nil {
		return nil, fmt.Errorf("pose: load: %w", err)
	}
	return fromTensors(path, tf)
}

// Decode is Load for a checkpoint held in memory or streamed (an embedded
// model, a network download); name stands for the path in errors.
func Decode(r io.Reader, name string) (*Model, error) {
	tf, err := nn.DecodeSafetensors(r)
	if err != nil {
		return nil, fmt.Errorf("pose: load %s: %w", name, err)
	}
	return fromTensors(name, tf)
}

func fromTensors(path string, tf *nn.TensorFile) (*Model, error) {
	name, ok := tf.Metadata[MetaArch]
	if !ok {
		return nil, fmt.Errorf("pose: load %s: no %q metadata (a bare state dict? build the model with pose.New and use LoadWeights, or convert it with `keypoints model import`)", path, MetaArch)
	}
	arch, err := ParseArch(name)
	if err != nil {
		return nil, fmt.Errorf("pose: load %s: %s: %w", path, MetaArch, err)
	}
	// The weights are overwritten; a fixed seed keeps construction cheap
	// and deterministic.
	m := New(arch, rand.New(rand.NewPCG(0, 0)))
	if err := m.setWeights(path, tf); err != nil {
		return nil, err
	}
	m.SetTraining(false)
	return m, nil
}

// LoadWeights loads a checkpoint's weights into m. The checkpoint's
// architecture, when recorded, must be m's; a bare state dict (no dypose
// metadata, e.g. saved from the PyTorch twin with safetensors' save_file)
// is accepted when its names and shapes match exactly.
func (m *Model) LoadWeights(path string) error {
	tf, err := nn.ReadSafetensors(path)
	if err != nil {
		return fmt.Errorf("pose: load weights: %w", err)
	}
	if name, ok := tf.Metadata[MetaArch]; ok && name != m.Arch.String() {
		if a, err := ParseArch(name); err != nil || a != m.Arch {
			return fmt.Errorf("pose: load weights %s: %w: file is %q, model is %q", path, ErrArchMismatch, name, m.Arch)
		}
	}
	return m.setWeights(path, tf)
}

func (m *Model) setWeights(path string, tf *nn.TensorFile) error {
	if m.fused {
		return fmt.Errorf("pose: load %s: model is fused", path)
	}
	meta, err := decodeMeta(tf.Metadata, m.Arch.Keypoints)
	if err == nil {
		if err = m.Arch.CheckInput(meta.InputH, meta.InputW); err != nil {
			err = fmt.Errorf("%s: %w", MetaInput, err)
		}
	}
	if err != nil {
		return fmt.Errorf("pose: load %s: %w", path, err)
	}
	if err := nn.LoadStateDict(m.Params(), tf.Tensors); err != nil {
		return fmt.Errorf("pose: load %s (%s): %w", path, m.Arch, err)
	}
	m.Meta = meta
	return nil
}
