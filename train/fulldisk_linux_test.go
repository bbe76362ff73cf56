package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrainFullDisk lowers the process's file-size limit below a
// checkpoint's size: the write of last.safetensors then fails as on a full
// disk (EFBIG where a full disk gives ENOSPC, through the same write). The
// run must stop with an error naming the file and what it still holds,
// leave that file byte for byte as it was and no temporary file behind,
// and resume from it once writes succeed again. The limit is the whole
// process's: this test must not run in parallel with others (t.Parallel).
func TestTrainFullDisk(t *testing.T) {
	cfg, last, before := finishedRun(t, tinyData(t, 2, 1))
	best, err := os.Stat(filepath.Join(cfg.Out, BestCheckpoint))
	require.NoError(t, err)
	// Room for best.safetensors (the model alone), not for last.safetensors
	// (the model and Adam's two moments).
	limit := uint64(len(before)) / 2
	require.Less(t, uint64(best.Size()), limit)

	cfg.Epochs, cfg.Resume = 2, last
	var was syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_FSIZE, &was))
	low := was
	low.Cur = limit
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &low))
	restore := func() { require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &was)) }
	t.Cleanup(restore)
	_, err = Train(context.Background(), cfg, Options{})
	restore()

	require.ErrorIs(t, err, syscall.EFBIG)
	assert.Contains(t, err.Error(), last+" is unchanged: the end of epoch 1")
	after, rerr := os.ReadFile(last)
	require.NoError(t, rerr)
	assert.Equal(t, before, after, "the previous checkpoint intact")
	ents, rerr := os.ReadDir(cfg.Out)
	require.NoError(t, rerr)
	for _, e := range ents {
		assert.False(t, strings.Contains(e.Name(), ".tmp"), "temporary file %s left behind", e.Name())
	}

	res, err := Train(context.Background(), cfg, Options{})
	require.NoError(t, err, "resumes once the disk has room")
	require.Len(t, res.Epochs, 1)
	assert.Equal(t, 2, res.Epochs[0].Epoch)
}

// TestLastHolds: what the error of a failed checkpoint write says the
// previous one holds, at each point of a run.
func TestLastHolds(t *testing.T) {
	tr := &Trainer{cfg: Config{Out: "run"}, itersPerEpoch: 9}
	for _, tc := range []struct {
		saved *state
		want  string
	}{
		{nil, "no checkpoint of this run is in run yet"},
		{&state{}, "run/last.safetensors is unchanged: the run's start, before its first iteration"},
		{&state{Epoch: 3}, "run/last.safetensors is unchanged: the end of epoch 3, to resume from once the disk has room"},
		{&state{Epoch: 3, Step: 4}, "run/last.safetensors is unchanged: epoch 4 to iteration 4 of 9, to resume from once the disk has room"},
	} {
		tr.saved = tc.saved
		assert.Equal(t, tc.want, tr.lastHolds(filepath.Join("run", LastCheckpoint)))
	}
}
