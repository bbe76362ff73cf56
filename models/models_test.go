package models_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dypose/dypose/models"
	"github.com/dypose/dypose/pose"
)

// The built-in copy is the repository's file: same architecture, metadata
// and weights.
func TestSynthIsTheFile(t *testing.T) {
	built, err := models.Synth()
	require.NoError(t, err)
	file, err := pose.Load("../" + models.SynthPath)
	require.NoError(t, err)
	assert.Equal(t, file.Arch, built.Arch)
	assert.Equal(t, file.Meta, built.Meta)
	fp, bp := file.Params(), built.Params()
	require.Equal(t, len(fp), len(bp))
	for i := range fp {
		require.Equal(t, fp[i].Name, bp[i].Name)
		require.Equal(t, fp[i].Value.Data, bp[i].Value.Data, fp[i].Name)
	}
}
