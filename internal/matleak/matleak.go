//go:build matprofile

// Package matleak is the shared TestMain of the packages that use gocv:
// built with -tags matprofile, a test binary fails when its tests leave
// Mats open, and prints where they were created.
package matleak

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// Main runs the tests, then fails the run if any Mat is still open. pkg
// names the package in the report.
func Main(m *testing.M, pkg string) {
	code := m.Run()
	if n := gocv.MatProfile.Count(); n > 0 {
		var b strings.Builder
		gocv.MatProfile.WriteTo(&b, 1)
		fmt.Fprintf(os.Stderr, "%s: %d Mats leaked:\n%s", pkg, n, b.String())
		code = 1
	}
	os.Exit(code)
}
