//go:build unix

package dyrelu

import "syscall"

// processCPU returns the CPU time (user + system) the process has used, in
// nanoseconds, or -1 if the system cannot say. On a shared machine it is a
// steadier measure than wall time.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
