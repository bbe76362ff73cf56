//go:build matprofile

package synth

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// TestMain fails the run when a test leaves Mats open (go test -tags matprofile).
func TestMain(m *testing.M) {
	code := m.Run()
	if n := gocv.MatProfile.Count(); n > 0 && code == 0 {
		var b strings.Builder
		gocv.MatProfile.WriteTo(&b, 1)
		fmt.Fprintf(os.Stderr, "synth: %d Mats leaked:\n%s", n, b.String())
		code = 1
	}
	os.Exit(code)
}
