package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/dypose/dypose/coco"
	"github.com/dypose/dypose/internal/atomicfile"
	"github.com/dypose/dypose/internal/imgfile"
)

// Options configure Generate.
type Options struct {
	Out        string // output directory
	Train, Val int    // images per split
	Seed       uint64
	Width      int // image size; 0 means DefaultWidth × DefaultHeight
	Height     int
	Workers    int // 0 means GOMAXPROCS
	// Progress, when set, is called from Generate's goroutine each time an
	// image of split ("train" or "val") is handed to a worker (done counts
	// them, 1 to total), so it may print without locking.
	Progress func(split string, done, total int)
}

// Default image size: small, since the network sees 256×192 crops anyway.
const (
	DefaultWidth  = 320
	DefaultHeight = 240
)

// jpegQuality is the quality the images are written with.
const jpegQuality = 92

// Stats summarises a generated set.
type Stats struct {
	Images, People, Crowds int
	Keypoints              int // labelled (v > 0)
	Elapsed                time.Duration
}

// Generate writes a synthetic COCO-format keypoint set under opt.Out:
// images/{train,val}/%012d.jpg and annotations/person_keypoints_{train,val}.json.
// The output depends only on the options (not on Workers): image i of a
// split is drawn from its own RNG seeded by (Seed, split, i). A set already
// in opt.Out is replaced: its annotation files go first, and images of a
// larger earlier set beyond the new count stay, unreferenced.
func Generate(ctx context.Context, opt Options) (Stats, error) {
	start := time.Now()
	if opt.Width == 0 && opt.Height == 0 {
		opt.Width, opt.Height = DefaultWidth, DefaultHeight
	}
	if opt.Width < 32 || opt.Height < 32 {
		return Stats{}, fmt.Errorf("synth: image size %d×%d is below 32×32", opt.Width, opt.Height)
	}
	if opt.Train < 0 || opt.Val < 0 {
		return Stats{}, fmt.Errorf("synth: negative image count (train %d, val %d)", opt.Train, opt.Val)
	}
	if opt.Train == 0 && opt.Val == 0 {
		return Stats{}, errors.New("synth: no images asked for (train 0, val 0)")
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	// An earlier set in Out loses its annotations before any of its images
	// is replaced, and the new ones are written last and atomically, so an
	// interrupted run leaves a folder without annotations (which loaders
	// report), never annotations that describe other pixels.
	for _, name := range []string{"train", "val"} {
		if err := os.Remove(annotationPath(opt.Out, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return Stats{}, fmt.Errorf("synth: %w", err)
		}
	}
	var total Stats
	for _, sp := range []struct {
		name  string
		n     int
		tag   uint64
		crowd bool
	}{{"train", opt.Train, 1, false}, {"val", opt.Val, 2, true}} {
		st, err := generateSplit(ctx, opt, sp.name, sp.n, sp.tag, sp.crowd)
		if err != nil {
			return total, err
		}
		total.Images += st.Images
		total.People += st.People
		total.Crowds += st.Crowds
		total.Keypoints += st.Keypoints
	}
	total.Elapsed = time.Since(start)
	return total, nil
}

// COCO JSON schema of the written files.
type (
	jsonFile struct {
		Info        jsonInfo         `json:"info"`
		Licenses    []jsonLicense    `json:"licenses"`
		Images      []jsonImage      `json:"images"`
		Annotations []jsonAnnotation `json:"annotations"`
		Categories  []jsonCategory   `json:"categories"`
	}
	jsonInfo struct {
		Description string `json:"description"`
		Version     string `json:"version"`
		Year        int    `json:"year"`
		Contributor string `json:"contributor"`
		DateCreated string `json:"date_created"`
	}
	jsonLicense struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
		URL  string `json:"url"`
	}
	jsonImage struct {
		ID       int64  `json:"id"`
		FileName string `json:"file_name"`
		Width    int    `json:"width"`
		Height   int    `json:"height"`
		License  int    `json:"license"`
	}
	jsonAnnotation struct {
		ID           int64       `json:"id"`
		ImageID      int64       `json:"image_id"`
		CategoryID   int         `json:"category_id"`
		Segmentation [][]float64 `json:"segmentation"`
		Area         float64     `json:"area"`
		BBox         [4]float64  `json:"bbox"`
		IsCrowd      int         `json:"iscrowd"`
		Keypoints    []float64   `json:"keypoints"`
		NumKeypoints int         `json:"num_keypoints"`
	}
	jsonCategory struct {
		ID            int      `json:"id"`
		Name          string   `json:"name"`
		Supercategory string   `json:"supercategory"`
		Keypoints     []string `json:"keypoints"`
		Skeleton      [][2]int `json:"skeleton"`
	}
)

func generateSplit(ctx context.Context, opt Options, name string, n int, tag uint64, withCrowd bool) (Stats, error) {
	imgDir := filepath.Join(opt.Out, "images", name)
	annDir := filepath.Dir(annotationPath(opt.Out, name))
	for _, d := range []string{imgDir, annDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return Stats{}, fmt.Errorf("synth: %w", err)
		}
	}
	scenes := make([]scene, n)
	errs := make([]error, opt.Workers)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cv := newCanvas(opt.Width, opt.Height)
			defer cv.close()
			for i := range next {
				if errs[w] != nil {
					continue
				}
				rng := rand.New(rand.NewPCG(opt.Seed, tag<<48^uint64(i)))
				scenes[i] = cv.render(rng, withCrowd)
				path := filepath.Join(imgDir, fmt.Sprintf("%012d.jpg", i+1))
				if err := imgfile.Write(path, cv.img, gocv.IMWriteJpegQuality, jpegQuality); err != nil {
					errs[w] = fmt.Errorf("synth: %w", err)
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
			if opt.Progress != nil {
				opt.Progress(name, i+1, n)
			}
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	for _, err := range errs {
		if err != nil {
			return Stats{}, err
		}
	}

	kp := coco.COCOKeypoints()
	file := jsonFile{
		Info: jsonInfo{Description: "dypose synthetic COCO-format keypoints (" + name + ")", Version: "1.0",
			Year: 2025, Contributor: "dypose synth", DateCreated: "1970-01-01"},
		Licenses:    []jsonLicense{{ID: 1, Name: "CC0 1.0", URL: "https://creativecommons.org/publicdomain/zero/1.0/"}},
		Images:      make([]jsonImage, 0, n),
		Annotations: []jsonAnnotation{},
		Categories: []jsonCategory{{ID: 1, Name: "person", Supercategory: "person",
			Keypoints: kp.Names, Skeleton: oneBased(kp.Skeleton)}},
	}
	var st Stats
	annID := int64(1)
	for i, sc := range scenes {
		imgID := int64(i + 1)
		file.Images = append(file.Images, jsonImage{ID: imgID, FileName: fmt.Sprintf("%012d.jpg", i+1),
			Width: opt.Width, Height: opt.Height, License: 1})
		for _, p := range sc.people {
			a := jsonAnnotation{ID: annID, ImageID: imgID, CategoryID: 1, Segmentation: [][]float64{},
				Area: float64(p.area), BBox: p.bbox, Keypoints: make([]float64, 0, 3*numKeypoints)}
			for _, k := range p.keypoints {
				a.Keypoints = append(a.Keypoints, k[0], k[1], k[2])
				if k[2] > 0 {
					a.NumKeypoints++
				}
			}
			file.Annotations = append(file.Annotations, a)
			annID++
			st.People++
			st.Keypoints += a.NumKeypoints
		}
		for _, c := range sc.crowds {
			b := c.bbox
			file.Annotations = append(file.Annotations, jsonAnnotation{ID: annID, ImageID: imgID, CategoryID: 1,
				Segmentation: [][]float64{{b[0], b[1], b[0] + b[2], b[1], b[0] + b[2], b[1] + b[3], b[0], b[1] + b[3]}},
				Area:         float64(c.area), BBox: b, IsCrowd: 1, Keypoints: make([]float64, 3*numKeypoints)})
			annID++
			st.Crowds++
		}
	}
	st.Images = n
	path := annotationPath(opt.Out, name)
	data, err := json.Marshal(file)
	if err != nil {
		return Stats{}, fmt.Errorf("synth: encode %s: %w", path, err)
	}
	err = atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(data); return err })
	if err != nil {
		return Stats{}, fmt.Errorf("synth: write %s: %w", path, err)
	}
	return st, nil
}

// annotationPath is where a split's COCO annotation file goes.
func annotationPath(out, split string) string {
	return filepath.Join(out, "annotations", "person_keypoints_"+split+".json")
}

func oneBased(sk [][2]int) [][2]int {
	out := make([][2]int, len(sk))
	for i, l := range sk {
		out[i] = [2]int{l[0] + 1, l[1] + 1}
	}
	return out
}
