package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
	"gocv.io/x/gocv"

	"github.com/dypose/dypose/nn"
)

// dyposeVersion is the release of this tree; builds from a checkout also
// print the VCS revision the Go toolchain stamped into the binary.
const dyposeVersion = "0.1.0-dev"

var versionCmd = &cli.Command{
	Name:   "version",
	Usage:  "print dypose, Go, OpenCV and BLAS versions and thread counts",
	Action: runVersion,
}

func runVersion(c *cli.Context) error {
	w := c.App.Writer
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
	}
	fmt.Fprintf(w, "dypose   %s%s\n", dyposeVersion, rev)
	fmt.Fprintf(w, "go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "opencv   %s (gocv %s)\n", gocv.OpenCVVersion(), gocv.Version())
	fmt.Fprintf(w, "blas     %s\n", nn.BLASConfig())
	fmt.Fprintf(w, "threads  %d Go (GOMAXPROCS), %d BLAS, %d CPUs\n", runtime.GOMAXPROCS(0), nn.BLASThreads(), runtime.NumCPU())
	return nil
}
