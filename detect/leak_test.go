//go:build matprofile

package detect

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"gocv.io/x/gocv"
)

// TestMain fails the run if any gocv Mat is left open (go test -tags matprofile).
func TestMain(m *testing.M) {
	code := m.Run()
	if n := gocv.MatProfile.Count(); n > 0 {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		fmt.Fprintf(os.Stderr, "detect: %d Mats leaked:\n%s", n, b.String())
		code = 1
	}
	os.Exit(code)
}

// matProfileOn reports the matprofile build, whose Mat tracking allocates.
const matProfileOn = true
