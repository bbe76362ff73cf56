// Package imgfile writes OpenCV images as dypose writes every output file:
// atomically (internal/atomicfile), with the operating system's error when
// the write fails, and never into OpenCV's uncaught C++ exception, which
// gocv.IMWrite meets for a name whose extension no image writer claims and
// which aborts the process.
package imgfile

import (
	"fmt"
	"path/filepath"
	"strings"

	"gocv.io/x/gocv"

	"github.com/dypose/dypose/internal/atomicfile"
)

// formats are the extensions (lower case) Write encodes: the formats the
// OpenCV builds dypose supports write in every configuration.
var formats = map[string]bool{
	".jpg": true, ".jpeg": true, ".jpe": true,
	".png": true,
	".bmp": true,
	".tif": true, ".tiff": true,
}

// Writable reports whether Write can encode an image named path, by its
// extension (any case).
func Writable(path string) bool {
	return formats[strings.ToLower(filepath.Ext(path))]
}

// Write encodes img in the format path's extension names, with OpenCV's
// imwrite params (gocv.IMWriteJpegQuality, 90, …), and writes it to path
// atomically.
func Write(path string, img gocv.Mat, params ...int) error {
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case !formats[ext]:
		return fmt.Errorf("imgfile: %s: no image format for the extension %q (want .jpg, .png, .bmp or .tif)", path, filepath.Ext(path))
	case img.Empty():
		return fmt.Errorf("imgfile: %s: empty image", path)
	}
	var buf *gocv.NativeByteBuffer
	var err error
	if len(params) == 0 { // IMEncodeWithParams indexes params[0]
		buf, err = gocv.IMEncode(gocv.FileExt(ext), img)
	} else {
		buf, err = gocv.IMEncodeWithParams(gocv.FileExt(ext), img, params)
	}
	if err != nil {
		return fmt.Errorf("imgfile: %s: %w", path, err)
	}
	defer buf.Close()
	if buf.Len() == 0 {
		return fmt.Errorf("imgfile: %s: OpenCV could not encode the image as %s", path, ext)
	}
	if err := atomicfile.WriteBytes(path, buf.GetBytes()); err != nil {
		return fmt.Errorf("imgfile: %s: %w", path, err)
	}
	return nil
}
