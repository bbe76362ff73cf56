package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDataShowCommand(t *testing.T) {
	out := t.TempDir()
	msg, err := runDataApp(t, "data", "show", "--ann", "../../testdata/coco/person_keypoints_tiny.json",
		"--images", "../../testdata/coco/images", "--out", out, "-n", "3", "--augment", "--seed", "2")
	require.NoError(t, err)
	assert.Contains(t, msg, "wrote 3 samples")
	files, err := filepath.Glob(filepath.Join(out, "*.jpg"))
	require.NoError(t, err)
	assert.Len(t, files, 3)
	st, err := os.Stat(files[0])
	require.NoError(t, err)
	assert.Greater(t, st.Size(), int64(1000))

	_, err = runDataApp(t, "data", "show", "--ann", "missing.json", "--images", ".", "--out", out)
	assert.ErrorContains(t, err, "missing.json")
}
