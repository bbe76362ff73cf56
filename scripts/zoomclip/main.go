// Command zoomclip makes the 640×480 benchmark clip of the README's video
// speed figures: it reads OpenCV's sample vtest.avi (768×576 pedestrians,
// 57–67 px tall, too small for the HOG people detector), cuts out the
// region where the people walk and scales it up so they stand about
// 130 px tall, the size HOG finds reliably. scripts/bench_video.sh runs it.
//
//	go run ./scripts/zoomclip -in vtest.avi -out people640.avi
package main

import (
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"

	"gocv.io/x/gocv"
)

func main() {
	in := flag.String("in", "", "input video (OpenCV's samples/data/vtest.avi)")
	out := flag.String("out", "people640.avi", "output clip (.avi, MJPG)")
	frames := flag.Int("frames", 0, "stop after this many frames (0: all)")
	// The region where vtest's people walk, in the 768×576 frame.
	x := flag.Int("x", 300, "region left edge (source pixels)")
	y := flag.Int("y", 100, "region top edge (source pixels)")
	w := flag.Int("w", 384, "region width (source pixels); height is 3/4 of it")
	flag.Parse()
	if err := run(*in, *out, *frames, image.Rect(*x, *y, *x+*w, *y+*w*3/4)); err != nil {
		fmt.Fprintln(os.Stderr, "zoomclip:", err)
		os.Exit(1)
	}
}

func run(in, out string, maxFrames int, region image.Rectangle) error {
	if in == "" {
		return fmt.Errorf("-in not set")
	}
	if _, err := os.Stat(in); err != nil {
		return err
	}
	capture, err := gocv.VideoCaptureFile(in)
	if err != nil || !capture.IsOpened() {
		return fmt.Errorf("%s: cannot open as a video", in)
	}
	defer capture.Close()
	fps := capture.Get(gocv.VideoCaptureFPS)
	if fps <= 0 {
		fps = 10
	}
	const outW, outH = 640, 480
	tmp := filepath.Join(filepath.Dir(out), ".tmp-"+filepath.Base(out))
	writer, err := gocv.VideoWriterFile(tmp, "MJPG", fps, outW, outH, true)
	if err != nil || !writer.IsOpened() {
		return fmt.Errorf("%s: cannot write", out)
	}
	frame, zoomed := gocv.NewMat(), gocv.NewMat()
	defer frame.Close()
	defer zoomed.Close()
	n := 0
	for maxFrames == 0 || n < maxFrames {
		if !capture.Read(&frame) || frame.Empty() {
			break
		}
		if !region.In(image.Rect(0, 0, frame.Cols(), frame.Rows())) {
			writer.Close()
			os.Remove(tmp)
			return fmt.Errorf("%s: region %v outside the %dx%d frame", in, region, frame.Cols(), frame.Rows())
		}
		roi := frame.Region(region)
		gocv.Resize(roi, &zoomed, image.Pt(outW, outH), 0, 0, gocv.InterpolationLinear)
		roi.Close()
		if err := writer.Write(zoomed); err != nil {
			writer.Close()
			os.Remove(tmp)
			return err
		}
		n++
	}
	writer.Close()
	if n == 0 {
		os.Remove(tmp)
		return fmt.Errorf("%s: no frame read", in)
	}
	fmt.Fprintf(os.Stderr, "zoomclip: %d frames of %v from %s → %s (%dx%d, %.0f fps)\n", n, region, in, out, outW, outH, fps)
	return os.Rename(tmp, out)
}
