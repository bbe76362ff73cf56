package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"
	"gocv.io/x/gocv"

	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/render"
	"github.com/dypose/dypose/track"
)

type webcamOptions struct {
	streamOptions
	Device int
}

func newWebcamCmd() *cli.Command {
	var o webcamOptions
	return &cli.Command{
		Name:  "webcam",
		Usage: "live pose estimation from a camera, in a window (keys: q/Esc quit, f flip test, s smoothing)",
		Flags: append(poseFlags(&o.Model, &o.Detector, &o.WholeImage, &o.BoxPadding),
			&cli.IntFlag{Name: "device", Value: 0, Usage: "camera index", Destination: &o.Device},
			&cli.IntFlag{Name: "det-interval", Value: 5, Usage: "run the detector every N processed frames", Destination: &o.DetInterval},
			&cli.BoolFlag{Name: "smooth", Value: true, Usage: "One-Euro smoothing (toggle with s)", Destination: &o.Smooth},
			&cli.BoolFlag{Name: "flip", Usage: "flip test (toggle with f)", Destination: &o.Flip},
			decodeFlag(&o.Decode),
		),
		Action: func(c *cli.Context) error { return runWebcam(o) },
	}
}

// poseJob is a frame handed to the pose goroutine; it owns the Mat.
type poseJob struct {
	frame gocv.Mat
	at    time.Time
}

type poseResult struct {
	people  []track.Person
	latency time.Duration
}

func runWebcam(o webcamOptions) error {
	if err := o.check(); err != nil {
		return fmt.Errorf("webcam: %w", err)
	}
	// gocv's NewWindow aborts the process without a display: check first.
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("webcam: no display ($DISPLAY is not set); use `keypoints video` on a file instead")
	}
	if os.Getenv("OPENCV_LOG_LEVEL") == "" {
		// OpenCV's camera probing prints GStreamer/V4L2 warnings for a
		// missing device; our own one-line error says it better.
		os.Setenv("OPENCV_LOG_LEVEL", "ERROR")
	}
	cam, err := gocv.OpenVideoCapture(o.Device)
	if err != nil || !cam.IsOpened() {
		return fmt.Errorf("webcam: no camera at --device %d", o.Device)
	}
	defer cam.Close()
	est, det, err := o.open()
	if err != nil {
		return err
	}
	defer est.Close()
	defer det.Close()
	rend, err := render.NewRenderer(render.DefaultStyle())
	if err != nil {
		return err
	}
	win := gocv.NewWindow("dypose")
	defer win.Close()

	// The pose goroutine takes at most one pending frame; the display loop
	// drops frames while it is busy, so the picture never lags behind.
	jobs := make(chan poseJob, 1)
	results := make(chan poseResult, 1)
	toggles := make(chan byte, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		smooth := o.Smooth
		tracker, _ := track.NewTracker(trackerOptions(smooth))
		var people []track.Person
		var boxes []detect.Box
		n := 0
		for job := range jobs {
			for len(toggles) > 0 {
				switch <-toggles {
				case 'f':
					est.SetFlip(!est.Flip())
				case 's':
					smooth = !smooth
					tracker, _ = track.NewTracker(trackerOptions(smooth))
				}
			}
			boxes, _ = frameBoxes(boxes, det, job.frame, people, n, o.DetInterval, 0.3)
			people, _ = est.Estimate(job.frame, boxes)
			if tracker != nil {
				tracker.Update(people, time.Since(job.at).Seconds()+float64(n)/30)
			}
			job.frame.Close()
			n++
			select {
			case <-results:
			default:
			}
			results <- poseResult{people: people, latency: time.Since(job.at)}
		}
	}()
	defer func() { close(jobs); <-done }()

	frame := gocv.NewMat()
	defer frame.Close()
	meter, err := render.NewMeter(0.1)
	if err != nil {
		return err
	}
	var last poseResult
	lastAt := time.Now()
	flipOn, smoothOn := o.Flip, o.Smooth // the display's copy of the toggles
	var text []byte
	for {
		if !cam.Read(&frame) || frame.Empty() {
			return errors.New("webcam: the camera stopped delivering frames")
		}
		select {
		case jobs <- poseJob{frame: frame.Clone(), at: time.Now()}:
		default: // pose busy: drop this frame for pose, still display it
		}
		select {
		case last = <-results:
			meter.Add(time.Since(lastAt), last.latency)
			lastAt = time.Now()
		default:
		}
		rend.Draw(&frame, last.people)
		text = meter.Format(text[:0])
		rend.DrawText(&frame, string(text), fmt.Sprintf("flip %v  smooth %v  [q quit, f flip, s smooth]", flipOn, smoothOn))
		win.IMShow(frame)
		switch key := win.WaitKey(1); key {
		case 'q', 27:
			return nil
		case 'f', 's':
			select {
			case toggles <- byte(key):
				if key == 'f' {
					flipOn = !flipOn
				} else {
					smoothOn = !smoothOn
				}
			default:
			}
		}
	}
}
