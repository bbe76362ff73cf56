package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// memPeak tracks the largest runtime memory figures seen at sample points.
type memPeak struct {
	heapInuse, sys uint64
}

// sample reads runtime.MemStats (a brief stop-the-world: never call it
// inside a timed loop) and raises the peaks.
func (p *memPeak) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.heapInuse = max(p.heapInuse, ms.HeapInuse)
	p.sys = max(p.sys, ms.Sys)
}

// mallocs returns the cumulative heap allocation count.
func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// vmHWM returns the process's peak resident set size in bytes, from the
// VmHWM line of /proc/self/status.
func vmHWM() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("bench: read peak RSS: %w", err)
	}
	return parseVmHWM(b)
}

// parseVmHWM finds "VmHWM:   123456 kB" in a /proc/PID/status text.
func parseVmHWM(status []byte) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("bench: parse VmHWM %q", sc.Text())
		}
		kb, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: parse VmHWM %q: %w", sc.Text(), err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("bench: no VmHWM line in status")
}
