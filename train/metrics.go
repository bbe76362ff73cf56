package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/dypose/dypose/internal/atomicfile"
)

// writeMetrics rewrites path with one JSON object per epoch, atomically
// (a temporary file renamed over it), so a crash never leaves half a line.
func writeMetrics(path string, ms []EpochMetrics) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, m := range ms {
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("train: metrics: %w", err)
		}
	}
	return writeFileAtomic(path, buf.Bytes())
}

// readMetrics reads the metrics of a previous run in the same directory,
// keeping the epochs up to upTo (those a resumed run does not redo); a
// missing file is no error.
func readMetrics(path string, upTo int) ([]EpochMetrics, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || upTo <= 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: metrics: %w", err)
	}
	var out []EpochMetrics
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var m EpochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("train: metrics %s line %d: %w", path, line, err)
		}
		if m.Epoch <= upTo {
			out = append(out, m)
		}
	}
	return out, sc.Err()
}

// writeFileAtomic writes data to path atomically (internal/atomicfile).
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return fmt.Errorf("train: write %s: %w", path, err)
	}
	return nil
}
