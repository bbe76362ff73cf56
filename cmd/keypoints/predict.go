package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"gocv.io/x/gocv"

	"github.com/dypose/dypose/detect"
	"github.com/dypose/dypose/infer"
	"github.com/dypose/dypose/internal/atomicfile"
	"github.com/dypose/dypose/internal/imgfile"
	"github.com/dypose/dypose/render"
	"github.com/dypose/dypose/track"
)

type predictOptions struct {
	modelOptions
	Inputs     []string
	OutDir     string
	JSON       string
	Boxes      string
	Detector   string
	WholeImage bool
	DrawBoxes  bool
	KptThr     float64
	BoxThr     float64
}

func newPredictCmd() *cli.Command {
	var o predictOptions
	return &cli.Command{
		Name:      "predict",
		Usage:     "estimate poses on images, folders or globs; draw them and write COCO results JSON",
		ArgsUsage: "INPUT...",
		Flags: append(poseFlags(&o.Model, &o.Detector, &o.WholeImage, &o.BoxPadding),
			&cli.StringFlag{Name: "out-dir", Usage: "write drawn skeletons here, under the inputs' names (.jpg added to a name without a .jpg, .png, .bmp or .tif extension)", Destination: &o.OutDir},
			&cli.StringFlag{Name: "json", Usage: "write all people as one COCO results JSON array", Destination: &o.JSON},
			&cli.StringFlag{Name: "boxes", Usage: "person boxes from a COCO detections file (looked up by file name or image id)", Destination: &o.Boxes},
			&cli.BoolFlag{Name: "flip", Value: true, Usage: "flip test (average with the mirrored crop); --flip=false turns it off", Destination: &o.Flip},
			decodeFlag(&o.Decode),
			&cli.BoolFlag{Name: "draw-boxes", Usage: "draw person boxes with their scores", Destination: &o.DrawBoxes},
			&cli.Float64Flag{Name: "kpt-thr", Value: 0.3, Usage: "draw keypoints scoring at least this", Destination: &o.KptThr},
			&cli.Float64Flag{Name: "box-thr", Value: 0.0, Usage: "minimum detection score for --boxes", Destination: &o.BoxThr},
		),
		Action: func(c *cli.Context) error {
			o.Inputs = c.Args().Slice()
			return runPredict(c, o)
		},
	}
}

// predictResult is one person in COCO results format plus the file name.
type predictResult struct {
	FileName   string    `json:"file_name"`
	ImageID    *int64    `json:"image_id,omitempty"`
	CategoryID int       `json:"category_id"`
	Keypoints  []float64 `json:"keypoints"`
	Score      float64   `json:"score"`
	BBox       []float64 `json:"bbox"`
}

func runPredict(c *cli.Context, o predictOptions) error {
	if len(o.Inputs) == 0 {
		return errors.New("predict: no INPUT given (image files, folders or globs)")
	}
	files, err := expandInputs(o.Inputs)
	if err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	if o.OutDir != "" {
		if err := checkDrawnNames(files); err != nil {
			return fmt.Errorf("predict: --out-dir: %w", err)
		}
		if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
			return fmt.Errorf("predict: --out-dir: %w", err)
		}
	}
	_, est, err := o.open()
	if err != nil {
		return err
	}
	defer est.Close()
	source, err := newBoxSource(o.Boxes, o.Detector, o.WholeImage, float32(o.BoxThr))
	if err != nil {
		return err
	}
	defer source.Close()
	style := render.DefaultStyle()
	style.KeypointThreshold = float32(o.KptThr)
	style.Boxes = o.DrawBoxes
	rend, err := render.NewRenderer(style)
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}

	results := []predictResult{}
	var failed []string
	stderr := c.App.ErrWriter
	for i, f := range files {
		img, people, id, err := predictFile(f, source, est)
		if err != nil {
			fmt.Fprintf(stderr, "predict: skipping %s: %v\n", f, err)
			failed = append(failed, f)
			continue
		}
		if o.OutDir != "" {
			rend.Draw(&img, people)
			err = imgfile.Write(filepath.Join(o.OutDir, drawnName(f)), img)
		}
		img.Close()
		if err != nil {
			// A full disk or a folder gone: every later image would fail too.
			return fmt.Errorf("predict: --out-dir: %w", err)
		}
		if len(files) > 1 {
			fmt.Fprintf(stderr, "[%d/%d] %s: %d people\n", i+1, len(files), f, len(people))
		}
		for _, p := range people {
			r := predictResult{FileName: filepath.Base(f), ImageID: id, CategoryID: 1, Score: float64(p.Score),
				BBox: []float64{float64(p.Box.X), float64(p.Box.Y), float64(p.Box.W), float64(p.Box.H)}}
			for _, v := range p.Keypoints {
				r.Keypoints = append(r.Keypoints, float64(v))
			}
			results = append(results, r)
		}
	}
	if o.JSON != "" {
		if err := atomicfile.Write(o.JSON, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			return enc.Encode(results)
		}); err != nil {
			return fmt.Errorf("predict: --json: %w", err)
		}
	} else if o.OutDir == "" {
		// Nothing else asked for: the results go to stdout.
		if err := json.NewEncoder(c.App.Writer).Encode(results); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "predict: %d images, %d people", len(files)-len(failed), len(results))
	if o.OutDir != "" {
		fmt.Fprintf(stderr, ", drawn into %s", o.OutDir)
	}
	if o.JSON != "" {
		fmt.Fprintf(stderr, ", results in %s", o.JSON)
	}
	fmt.Fprintln(stderr)
	if len(failed) > 0 {
		return fmt.Errorf("predict: %d of %d images skipped (reasons above): %s", len(failed), len(files), strings.Join(failed, ", "))
	}
	return nil
}

// predictFile reads the image at path and estimates its people; id is the
// image id when the boxes came from a detections file that knows it. The
// caller closes img; on error there is none to close.
func predictFile(path string, src *boxSource, est *infer.Estimator) (img gocv.Mat, people []track.Person, id *int64, err error) {
	img = gocv.IMRead(path, gocv.IMReadColor)
	defer func() {
		if err != nil {
			img.Close()
		}
	}()
	if img.Empty() {
		return img, nil, nil, errors.New("not a readable image")
	}
	boxes, id, err := src.boxes(path, img)
	if err != nil {
		return img, nil, nil, err
	}
	people, err = est.Estimate(img, boxes)
	return img, people, id, err
}

// drawnName is the name of the drawn copy of the image at path: its own
// name, with .jpg added when OpenCV cannot write that one.
func drawnName(path string) string {
	name := filepath.Base(path)
	if !imgfile.Writable(name) {
		name += ".jpg"
	}
	return name
}

// checkDrawnNames refuses inputs whose drawn copies would overwrite each
// other (a/1.jpg and b/1.jpg into one folder).
func checkDrawnNames(files []string) error {
	seen := make(map[string]string, len(files))
	for _, f := range files {
		name := drawnName(f)
		if prev, ok := seen[name]; ok {
			return fmt.Errorf("%s and %s would both be drawn as %s: give them separate runs", prev, f, name)
		}
		seen[name] = f
	}
	return nil
}

// boxSource gives person boxes for an image: from a detections file, a
// detector, or the whole frame.
type boxSource struct {
	dets *detect.Detections
	det  detect.Detector
}

func newBoxSource(boxesPath, detector string, whole bool, thr float32) (*boxSource, error) {
	switch {
	case boxesPath != "" && whole:
		return nil, errors.New("--boxes and --whole-image exclude each other")
	case boxesPath != "":
		d, err := detect.LoadBoxes(boxesPath, thr)
		if err != nil {
			return nil, err
		}
		return &boxSource{dets: d}, nil
	}
	det, err := newDetector(detector, whole)
	if err != nil {
		return nil, err
	}
	return &boxSource{det: det}, nil
}

// newDetector parses --detector ("hog" or "onnx:PATH"); whole
// (--whole-image) overrides it with the whole-frame box.
func newDetector(spec string, whole bool) (detect.Detector, error) {
	switch {
	case whole:
		return &detect.WholeImage{}, nil
	case spec == "hog":
		return detect.NewHOG(detect.DefaultHOGOptions())
	case strings.HasPrefix(spec, "onnx:"):
		return detect.NewONNX(strings.TrimPrefix(spec, "onnx:"), detect.DefaultONNXOptions())
	default:
		return nil, fmt.Errorf("--detector %q: want hog or onnx:PATH", spec)
	}
}

func (s *boxSource) boxes(path string, img gocv.Mat) ([]detect.Box, *int64, error) {
	if s.dets != nil {
		if b := s.dets.ByName(filepath.Base(path)); len(b) > 0 {
			return b, nil, nil
		}
		// COCO file names are the zero-padded image id.
		var id int64
		if _, err := fmt.Sscanf(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), "%d", &id); err == nil {
			return s.dets.ByID(id), &id, nil
		}
		return nil, nil, nil
	}
	b, err := s.det.Detect(img)
	return b, nil, err
}

// frameBoxes returns the person boxes for frame n of a stream: the
// detector's every interval frames, else boxes around the previous frame's
// confident keypoints, falling back to the detector when none remain.
func frameBoxes(dst []detect.Box, det detect.Detector, frame gocv.Mat, prev []track.Person, n, interval int, kptThr float32) ([]detect.Box, error) {
	dst = dst[:0]
	if n%interval != 0 {
		for _, p := range prev {
			if b, ok := track.BoxFromKeypoints(p.Keypoints, kptThr, boxEnlarge, frame.Cols(), frame.Rows()); ok {
				dst = append(dst, b)
			}
		}
		if len(dst) > 0 {
			return dst, nil
		}
	}
	d, err := det.Detect(frame)
	return append(dst, d...), err
}

// boxEnlarge grows a keypoint box to cover the limbs' extent, as
// SimpleBaseline's 1.25 box padding does.
const boxEnlarge = 1.25

func (s *boxSource) Close() error {
	if s.det != nil {
		return s.det.Close()
	}
	return nil
}

var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".bmp": true, ".webp": true, ".tif": true, ".tiff": true}

// expandInputs turns files, folders and globs into a list of files, each
// input's sorted, each file once however many inputs name it.
func expandInputs(inputs []string) ([]string, error) {
	var files []string
	for _, in := range inputs {
		st, err := os.Stat(in)
		switch {
		case err == nil && st.IsDir():
			ents, err := os.ReadDir(in)
			if err != nil {
				return nil, fmt.Errorf("predict: %w", err)
			}
			var inDir []string
			for _, e := range ents {
				if !e.IsDir() && imageExts[strings.ToLower(filepath.Ext(e.Name()))] {
					inDir = append(inDir, filepath.Join(in, e.Name()))
				}
			}
			sort.Strings(inDir)
			files = append(files, inDir...)
		case err == nil:
			files = append(files, in)
		default:
			matches, gerr := filepath.Glob(in)
			if gerr != nil || len(matches) == 0 {
				return nil, fmt.Errorf("predict: %s: no such file, folder or matching glob", in)
			}
			sort.Strings(matches)
			files = append(files, matches...)
		}
	}
	seen := make(map[string]bool, len(files))
	once := files[:0]
	for _, f := range files {
		if k := filepath.Clean(f); !seen[k] {
			seen[k] = true
			once = append(once, f)
		}
	}
	files = once
	if len(files) == 0 {
		return nil, errors.New("predict: no images found in the inputs")
	}
	return files, nil
}
