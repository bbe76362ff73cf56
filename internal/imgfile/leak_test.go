//go:build matprofile

package imgfile_test

import (
	"testing"

	"github.com/dypose/dypose/internal/matleak"
)

// TestMain fails the run when a test leaves Mats open (go test -tags matprofile).
func TestMain(m *testing.M) { matleak.Main(m, "imgfile") }
