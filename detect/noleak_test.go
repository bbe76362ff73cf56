//go:build !matprofile

package detect

// matProfileOn reports the matprofile build, whose Mat tracking allocates.
const matProfileOn = false
