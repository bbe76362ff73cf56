package main

import (
	"fmt"
	"io"
	"runtime/pprof"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/internal/atomicfile"
)

// cpuProfileFlag is the --cpuprofile flag of the commands that do long work.
func cpuProfileFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "cpuprofile", Usage: "write a pprof CPU profile of the whole run to `FILE` (go tool pprof bin/keypoints FILE)"}
}

// withCPUProfile runs fn, profiled into path when path is not empty. The
// profile is written atomically and kept when fn fails (an interrupted
// training run's profile is still complete up to the interruption).
func withCPUProfile(cmd, path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	var runErr error
	err := atomicfile.Write(path, func(w io.Writer) error {
		if err := pprof.StartCPUProfile(w); err != nil {
			return err
		}
		runErr = fn()
		pprof.StopCPUProfile()
		return nil
	})
	if err != nil {
		if runErr != nil {
			return runErr
		}
		return fmt.Errorf("%s: cpu profile %s: %w", cmd, path, err)
	}
	return runErr
}
