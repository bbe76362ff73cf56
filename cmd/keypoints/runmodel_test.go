package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The default model loads from a folder without models/ (the built-in
// copy); any other missing file is an error that names it.
func TestLoadModelOutsideCheckout(t *testing.T) {
	t.Chdir(t.TempDir())
	m, err := loadModel(defaultModel)
	require.NoError(t, err)
	assert.Equal(t, "mnv3-small-dyrelu-c-lat-hc32", m.Arch.String())

	missing := filepath.Join("elsewhere", "m.safetensors")
	_, err = loadModel(missing)
	require.Error(t, err)
	assert.Contains(t, err.Error(), missing)
}
