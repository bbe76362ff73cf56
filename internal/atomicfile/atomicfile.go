// Package atomicfile writes files so that readers see either the old file
// or the complete new one: the data goes to a temporary file in the same
// folder, is synced, and is renamed over the target. A crash, a full disk
// or Ctrl-C never leaves a half-written file at the target path.
package atomicfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// Write streams fn's output into path atomically. On any error the
// temporary file is removed and path is left as it was.
func Write(path string, fn func(w io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<16)
	if err = fn(w); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	// CreateTemp makes 0600 files; outputs are meant to be readable like
	// any file the user writes.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// WriteBytes writes data to path atomically.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
