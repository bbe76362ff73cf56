package main

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStopContextSIGTERM sends the test process SIGTERM: without the
// handler stopContext installs, that would kill it.
func TestStopContextSIGTERM(t *testing.T) {
	ctx, stop := stopContext(context.Background())
	defer stop()
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
}
