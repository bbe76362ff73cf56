package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"gocv.io/x/gocv"

	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/render"
	"github.com/dypose/dypose/track"
)

type videoOptions struct {
	streamOptions
	In, Out, JSONL string
	KptThr         float64
}

func newVideoCmd() *cli.Command {
	var o videoOptions
	return &cli.Command{
		Name:      "video",
		Usage:     "estimate poses in a video file: annotated video out, one JSON line per frame",
		ArgsUsage: "IN",
		Flags: append(poseFlags(&o.Model, &o.Detector, &o.WholeImage, &o.BoxPadding),
			&cli.StringFlag{Name: "out", Usage: "annotated video (same size, fps and frame count; .mp4 → mp4v, .avi → MJPG)", Destination: &o.Out},
			&cli.StringFlag{Name: "jsonl", Usage: "one JSON line per frame read: {frame, time_s, people}", Destination: &o.JSONL},
			&cli.IntFlag{Name: "det-interval", Value: 1, Usage: "run the detector every N frames; follow people by their keypoint boxes in between", Destination: &o.DetInterval},
			&cli.BoolFlag{Name: "smooth", Usage: "One-Euro smoothing of keypoints along each track", Destination: &o.Smooth},
			&cli.BoolFlag{Name: "flip", Usage: "flip test (off by default for video: it doubles the pose cost)", Destination: &o.Flip},
			decodeFlag(&o.Decode),
			&cli.Float64Flag{Name: "kpt-thr", Value: 0.3, Usage: "draw keypoints scoring at least this", Destination: &o.KptThr},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("video: want exactly one input video")
			}
			o.In = c.Args().First()
			ctx, stop := stopContext(c.Context)
			defer stop()
			return runVideo(ctx, c, o)
		},
	}
}

// frameRecord is one line of --jsonl.
type frameRecord struct {
	Frame  int           `json:"frame"`
	TimeS  float64       `json:"time_s"`
	People []videoPerson `json:"people"`
}

type videoPerson struct {
	Keypoints []float32 `json:"keypoints"`
	Score     float32   `json:"score"`
	BBox      []float32 `json:"bbox"`
	TrackID   int       `json:"track_id"`
}

// stageTimes accumulates per-stage wall time for the closing summary.
type stageTimes struct {
	decode, detect, pose, draw, encode time.Duration
}

func runVideo(ctx context.Context, c *cli.Context, o videoOptions) error {
	if o.Out == "" && o.JSONL == "" {
		return errors.New("video: nothing to write: give --out and/or --jsonl")
	}
	if err := o.check(); err != nil {
		return fmt.Errorf("video: %w", err)
	}
	if _, err := os.Stat(o.In); err != nil {
		return fmt.Errorf("video: %w", err)
	}
	capture, err := gocv.VideoCaptureFile(o.In)
	if err != nil || !capture.IsOpened() {
		return fmt.Errorf("video: %s: cannot open as a video", o.In)
	}
	defer capture.Close()
	fps := capture.Get(gocv.VideoCaptureFPS)
	if fps <= 0 || fps > 1000 {
		fps = 25
	}
	w, h := int(capture.Get(gocv.VideoCaptureFrameWidth)), int(capture.Get(gocv.VideoCaptureFrameHeight))
	if w <= 0 || h <= 0 {
		// OpenCV's image-sequence reader opens any file named like an
		// image and reports 0×0 when it cannot decode it.
		return fmt.Errorf("video: %s: cannot open as a video (no frame size)", o.In)
	}

	est, det, err := o.open()
	if err != nil {
		return err
	}
	defer est.Close()
	defer det.Close()
	tracker, err := track.NewTracker(trackerOptions(o.Smooth))
	if err != nil {
		return fmt.Errorf("video: %w", err)
	}
	style := render.DefaultStyle()
	style.KeypointThreshold = float32(o.KptThr)
	style.Boxes = true
	rend, err := render.NewRenderer(style)
	if err != nil {
		return fmt.Errorf("video: %w", err)
	}

	// Outputs go to temporary names and are renamed only after the last
	// frame, so an interrupted run never leaves a truncated file in place.
	var writer *gocv.VideoWriter
	var tmpOut string
	if o.Out != "" {
		tmpOut = filepath.Join(filepath.Dir(o.Out), ".tmp-"+filepath.Base(o.Out))
		codec := "mp4v"
		if filepath.Ext(o.Out) == ".avi" {
			codec = "MJPG"
		}
		writer, err = gocv.VideoWriterFile(tmpOut, codec, fps, w, h, true)
		if err != nil || !writer.IsOpened() {
			os.Remove(tmpOut)
			return fmt.Errorf("video: cannot write %s (codec %s, %dx%d)", o.Out, codec, w, h)
		}
		defer func() {
			if writer != nil {
				writer.Close()
				os.Remove(tmpOut)
			}
		}()
	}
	var jl *os.File
	var jw *bufio.Writer
	var tmpJSONL string
	if o.JSONL != "" {
		tmpJSONL = filepath.Join(filepath.Dir(o.JSONL), ".tmp-"+filepath.Base(o.JSONL))
		if jl, err = os.Create(tmpJSONL); err != nil {
			return fmt.Errorf("video: %w", err)
		}
		defer func() {
			if jl != nil {
				jl.Close()
				os.Remove(tmpJSONL)
			}
		}()
		jw = bufio.NewWriter(jl)
	}

	var st stageTimes
	var people []track.Person
	var boxes []detect.Box
	pipe := startFramePipeline(capture, func(m gocv.Mat, line []byte) error {
		if writer != nil {
			if err := writer.Write(m); err != nil {
				return err
			}
		}
		if jw != nil {
			jw.Write(line)
			return jw.WriteByte('\n')
		}
		return nil
	})
	defer pipe.close()
	start := time.Now()
	n, posed := 0, 0
	for f := range pipe.decoded {
		if ctx.Err() != nil {
			// Ctrl-C: stop reading and finish the files with the frames so far.
			fmt.Fprintf(c.App.ErrWriter, "video: interrupted after %d frames; finishing the output\n", n)
			pipe.free <- f
			break
		}
		frame := f.mat
		t1 := time.Now()
		boxes, err = frameBoxes(boxes, det, frame, people, n, o.DetInterval, float32(o.KptThr))
		if err != nil {
			return fmt.Errorf("video: frame %d: %w", n, err)
		}
		t2 := time.Now()
		st.detect += t2.Sub(t1)
		people, err = est.Estimate(frame, boxes)
		if err != nil {
			return fmt.Errorf("video: frame %d: %w", n, err)
		}
		posed += len(people)
		tsec := float64(n) / fps
		if err := tracker.Update(people, tsec); err != nil {
			return fmt.Errorf("video: frame %d: %w", n, err)
		}
		t3 := time.Now()
		st.pose += t3.Sub(t2)
		if writer != nil {
			rend.Draw(&frame, people)
		}
		f.line = nil
		if jw != nil {
			rec := frameRecord{Frame: n, TimeS: tsec, People: make([]videoPerson, 0, len(people))}
			for _, p := range people {
				rec.People = append(rec.People, videoPerson{Keypoints: p.Keypoints, Score: p.Score,
					BBox: []float32{p.Box.X, p.Box.Y, p.Box.W, p.Box.H}, TrackID: p.TrackID})
			}
			// Marshalled here: people's buffers are reused by the next frame.
			if f.line, err = json.Marshal(rec); err != nil {
				return err
			}
		}
		st.draw += time.Since(t3)
		pipe.toWrite <- f
		n++
	}
	if err := pipe.finish(); err != nil {
		return fmt.Errorf("video: frame output: %w", err)
	}
	st.decode, st.encode = pipe.decodeTime, pipe.encodeTime
	if n == 0 {
		if ctx.Err() != nil {
			return fmt.Errorf("video: interrupted before the first frame: %w", ctx.Err())
		}
		return fmt.Errorf("video: %s: no frame could be read", o.In)
	}
	if writer != nil {
		writer.Close()
		writer = nil
		if err := os.Rename(tmpOut, o.Out); err != nil {
			return fmt.Errorf("video: %w", err)
		}
	}
	if jw != nil {
		if err := jw.Flush(); err != nil {
			return fmt.Errorf("video: %s: %w", o.JSONL, err)
		}
		err := jl.Close()
		jl = nil
		if err != nil {
			return fmt.Errorf("video: %s: %w", o.JSONL, err)
		}
		if err := os.Rename(tmpJSONL, o.JSONL); err != nil {
			return fmt.Errorf("video: %w", err)
		}
	}
	total := time.Since(start)
	per := func(d time.Duration) string {
		return fmt.Sprintf("%6.2f ms", float64(d.Microseconds())/1000/float64(n))
	}
	fmt.Fprintf(c.App.ErrWriter, "video: %d frames in %.1f s (%.1f FPS), %.2f people per frame; per frame: decode %s, detect %s, pose %s, draw %s, encode %s (decode and encode run alongside)\n",
		n, total.Seconds(), float64(n)/total.Seconds(), float64(posed)/float64(n),
		per(st.decode), per(st.detect), per(st.pose), per(st.draw), per(st.encode))
	return nil
}

// framePipeline overlaps a video's decoding and encoding with the pose
// work: a reader goroutine decodes ahead into a small ring of frames, the
// caller takes them from decoded, and a writer goroutine passes each frame
// sent to toWrite to its write function, in order, and recycles it. Only
// one goroutine touches a frame's Mat at a time.
type framePipeline struct {
	decoded <-chan *pipeFrame
	toWrite chan<- *pipeFrame
	free    chan *pipeFrame

	done                   chan struct{} // closed to stop the reader
	readerDone, writerDone chan struct{}
	frames                 []*pipeFrame
	writeErr               error
	finished               bool
	// Busy time of the two goroutines, valid after finish.
	decodeTime, encodeTime time.Duration
}

// pipeFrame is one decoded frame and its JSON line.
type pipeFrame struct {
	mat  gocv.Mat
	line []byte
}

// pipelineDepth is the number of frames in flight: enough for the reader
// and writer to stay one frame ahead and behind.
const pipelineDepth = 4

func startFramePipeline(capture *gocv.VideoCapture, write func(gocv.Mat, []byte) error) *framePipeline {
	decoded := make(chan *pipeFrame, pipelineDepth)
	toWrite := make(chan *pipeFrame, pipelineDepth)
	p := &framePipeline{decoded: decoded, toWrite: toWrite, free: make(chan *pipeFrame, pipelineDepth),
		done: make(chan struct{}), readerDone: make(chan struct{}), writerDone: make(chan struct{})}
	for range pipelineDepth {
		f := &pipeFrame{mat: gocv.NewMat()}
		p.frames = append(p.frames, f)
		p.free <- f
	}
	go func() {
		defer close(p.readerDone)
		defer close(decoded)
		for {
			var f *pipeFrame
			select {
			case f = <-p.free:
			case <-p.done:
				return
			}
			t := time.Now()
			ok := capture.Read(&f.mat) && !f.mat.Empty()
			p.decodeTime += time.Since(t)
			if !ok {
				p.free <- f
				return
			}
			select {
			case decoded <- f:
			case <-p.done:
				p.free <- f
				return
			}
		}
	}()
	go func() {
		defer close(p.writerDone)
		for f := range toWrite {
			t := time.Now()
			if p.writeErr == nil {
				p.writeErr = write(f.mat, f.line)
			}
			p.encodeTime += time.Since(t)
			p.free <- f
		}
	}()
	return p
}

// finish stops the reader, waits for the writer to write every frame sent
// and returns its first error. The stage times are valid afterwards.
func (p *framePipeline) finish() error {
	if p.finished {
		return p.writeErr
	}
	p.finished = true
	close(p.done)
	for range p.decoded { // unblock a reader waiting to hand over a frame
	}
	<-p.readerDone
	close(p.toWrite)
	<-p.writerDone
	return p.writeErr
}

// close finishes the pipeline (if the caller returned early) and frees the
// frames.
func (p *framePipeline) close() {
	p.finish()
	for _, f := range p.frames {
		f.mat.Close()
	}
}
