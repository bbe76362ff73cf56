//go:build matprofile

package detect

import (
	"testing"

	"github.com/dypose/dypose/internal/matleak"
)

// matProfileOn reports the matprofile build, whose Mat tracking allocates.
const matProfileOn = true

// TestMain fails the run when a test leaves Mats open (go test -tags matprofile).
func TestMain(m *testing.M) { matleak.Main(m, "detect") }
