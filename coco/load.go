package coco

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Image is one entry of the file's "images" list.
type Image struct {
	ID            int64
	FileName      string
	Width, Height int
}

// Annotation is one entry of the file's "annotations" list, with the fields
// keypoint training and evaluation use (segmentation is skipped).
type Annotation struct {
	ID         int64
	ImageID    int64
	CategoryID int
	// Keypoints holds K (x, y, v) triples in image pixels; v is COCO's
	// visibility: 0 unlabelled (x = y = 0), 1 labelled but hidden, 2 visible.
	Keypoints    [][3]float32
	NumKeypoints int
	Area         float64
	BBox         [4]float64 // x, y, w, h
	IsCrowd      bool
}

// Category is one entry of the file's "categories" list. Keypoints is empty
// for categories without keypoints.
type Category struct {
	ID        int
	Name      string
	Keypoints KeypointInfo
}

// Dataset is a loaded COCO keypoint annotation file.
type Dataset struct {
	Path        string // the file it was loaded from
	Images      []Image
	Annotations []Annotation // in file order
	Categories  []Category
	// Person is the first category that has keypoints (COCO's "person");
	// its KeypointInfo is the one the pipeline trains on.
	Person Category

	imageIndex map[int64]int   // image id → index into Images
	byImage    map[int64][]int // image id → indices into Annotations
}

// Image returns the image with the given id.
func (d *Dataset) Image(id int64) (Image, bool) {
	i, ok := d.imageIndex[id]
	if !ok {
		return Image{}, false
	}
	return d.Images[i], true
}

// ImageAnnotations returns the annotations of one image, in file order. The
// returned Annotations share their Keypoints with the Dataset.
func (d *Dataset) ImageAnnotations(id int64) []Annotation {
	idx := d.byImage[id]
	out := make([]Annotation, len(idx))
	for i, j := range idx {
		out[i] = d.Annotations[j]
	}
	return out
}

// The JSON shapes of the file's entries: only the fields kept are declared,
// so the decoder scans past the rest (segmentation, licenses) without
// keeping them.
type (
	jsonImage struct {
		ID       *int64 `json:"id"`
		FileName string `json:"file_name"`
		Width    int    `json:"width"`
		Height   int    `json:"height"`
	}
	jsonAnnotation struct {
		ID           int64     `json:"id"`
		ImageID      int64     `json:"image_id"`
		CategoryID   int       `json:"category_id"`
		Keypoints    []float32 `json:"keypoints"`
		NumKeypoints int       `json:"num_keypoints"`
		Area         float64   `json:"area"`
		BBox         []float64 `json:"bbox"`
		IsCrowd      int       `json:"iscrowd"`
	}
	jsonCategory struct {
		ID        int      `json:"id"`
		Name      string   `json:"name"`
		Keypoints []string `json:"keypoints"`
		Skeleton  [][2]int `json:"skeleton"`
	}
)

// Load reads a COCO keypoint annotation file (person_keypoints_*.json). It
// stream-decodes the file, so memory grows with what is kept (images,
// annotations without segmentation), not with the file size. Errors name
// the file; malformed JSON also gives the line, column and byte offset; an
// annotation with the wrong keypoint count, a keypoint visibility other than
// 0, 1 or 2, or an unknown image or category names the annotation id. An
// image without a positive width and height, or an image or category id
// listed twice, is an error too.
func Load(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("coco: load annotations: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("coco: load annotations: %w", err)
	}
	return load(f, st.Size(), path)
}

// load is Load on the size bytes of an open file; name is the path its
// errors and the Dataset give.
func load(r io.ReaderAt, size int64, name string) (*Dataset, error) {
	ds, err := decodeDataset(readBuffered(r, size))
	if err != nil {
		return nil, fileError(r, name, err)
	}
	ds.Path = name
	return ds, nil
}

// maxReadBuffer bounds the read buffer of a file: the decoder asks for a
// few hundred bytes at a time, and the buffer turns that into large reads.
const maxReadBuffer = 1 << 20

// readBuffered reads the size bytes of r through a buffer of at most
// maxReadBuffer (a small file gets one of its own size).
func readBuffered(r io.ReaderAt, size int64) io.Reader {
	return bufio.NewReaderSize(io.NewSectionReader(r, 0, size), int(min(size, maxReadBuffer)))
}

// fileError prefixes a decoding error with the file's name and, for a
// posError, the line and column of its offset in r.
func fileError(r io.ReaderAt, name string, err error) error {
	var pe *posError
	if errors.As(err, &pe) {
		line, col := lineCol(r, pe.offset)
		return fmt.Errorf("coco: %s:%d:%d (byte %d): %w", name, line, col, pe.offset, pe.err)
	}
	return fmt.Errorf("coco: %s: %w", name, err)
}

// posError is a decoding error at a byte offset of the input.
type posError struct {
	offset int64
	err    error
}

func (e *posError) Error() string { return fmt.Sprintf("byte %d: %v", e.offset, e.err) }
func (e *posError) Unwrap() error { return e.err }

// at wraps err with the decoder's position: a syntax or type error's own
// offset when it has one, else the offset of the last value read.
func at(dec *json.Decoder, err error) error {
	var pe *posError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := dec.InputOffset()
	switch {
	case errors.As(err, &pe):
		return err
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.EOF):
		err = io.ErrUnexpectedEOF
	}
	return &posError{offset: off, err: err}
}

// lineCol converts a byte offset of the file into a 1-based line and column
// by rescanning it; it runs only on the error path.
func lineCol(f io.ReaderAt, offset int64) (line, col int) {
	line, col = 1, 1
	r := bufio.NewReader(io.NewSectionReader(f, 0, offset))
	for {
		b, err := r.ReadByte()
		if err != nil {
			return line, col
		}
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
}

func decodeDataset(r io.Reader) (*Dataset, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var (
		images []jsonImage
		anns   []Annotation
		cats   []jsonCategory
		rawKps [][]float32 // annotation keypoints as read, checked once categories are known
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, at(dec, err)
		}
		key, _ := tok.(string)
		switch key {
		case "images":
			err = decodeArray(dec, func() error {
				var im jsonImage
				if err := decodeValue(dec, &im); err != nil {
					return err
				}
				switch {
				case im.ID == nil:
					return fmt.Errorf("image %d without an id", len(images))
				case im.Width <= 0 || im.Height <= 0:
					return fmt.Errorf("image %d (id %d): width %d, height %d, want both positive (person boxes are clipped to the image)", len(images), *im.ID, im.Width, im.Height)
				}
				images = append(images, im)
				return nil
			})
		case "annotations":
			err = decodeArray(dec, func() error {
				var a jsonAnnotation
				if err := decodeValue(dec, &a); err != nil {
					return err
				}
				ann := Annotation{
					ID: a.ID, ImageID: a.ImageID, CategoryID: a.CategoryID,
					NumKeypoints: a.NumKeypoints, Area: a.Area, IsCrowd: a.IsCrowd != 0,
				}
				if len(a.BBox) != 4 && len(a.BBox) != 0 {
					return fmt.Errorf("annotation %d: bbox has %d values, want 4", a.ID, len(a.BBox))
				}
				copy(ann.BBox[:], a.BBox)
				anns = append(anns, ann)
				rawKps = append(rawKps, a.Keypoints)
				return nil
			})
		case "categories":
			err = decodeArray(dec, func() error {
				var c jsonCategory
				if err := decodeValue(dec, &c); err != nil {
					return err
				}
				cats = append(cats, c)
				return nil
			})
		default: // info, licenses and anything else: scanned, not kept
			err = skipValue(dec)
		}
		if err != nil {
			var pe *posError
			if errors.As(err, &pe) {
				return nil, err
			}
			if _, ok := err.(*json.SyntaxError); ok || errors.Is(err, io.EOF) || isTypeError(err) {
				return nil, at(dec, err)
			}
			return nil, fmt.Errorf("%q: %w", key, err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	return buildDataset(images, anns, rawKps, cats)
}

func isTypeError(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te)
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return at(dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return &posError{offset: dec.InputOffset(), err: fmt.Errorf("found %s, want '%c'", describe(tok), rune(want))}
	}
	return nil
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("'%c'", rune(v))
	case string:
		return fmt.Sprintf("string %q", v)
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%v", v)
	}
}

// decodeValue decodes the next value into v. A type error's offset counts
// from the start of the value, so it is moved to the file's frame here.
func decodeValue(dec *json.Decoder, v any) error {
	start := dec.InputOffset()
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &posError{offset: start + te.Offset, err: err}
	}
	return err
}

// decodeArray reads a JSON array, calling each once per element with the
// decoder positioned at the element.
func decodeArray(dec *json.Decoder, each func() error) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		if err := each(); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

// skipValue reads one JSON value token by token without keeping it.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return at(dec, err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// buildDataset validates cross references (which the file may list in any
// order) and indexes the result.
func buildDataset(images []jsonImage, anns []Annotation, rawKps [][]float32, cats []jsonCategory) (*Dataset, error) {
	ds := &Dataset{
		Images:      make([]Image, len(images)),
		Annotations: anns,
		imageIndex:  make(map[int64]int, len(images)),
		byImage:     make(map[int64][]int, len(images)),
	}
	for i, im := range images {
		if _, dup := ds.imageIndex[*im.ID]; dup {
			return nil, fmt.Errorf("image id %d appears twice", *im.ID)
		}
		ds.imageIndex[*im.ID] = i
		ds.Images[i] = Image{ID: *im.ID, FileName: im.FileName, Width: im.Width, Height: im.Height}
	}
	catIndex := make(map[int]int, len(cats))
	personSet := false
	for i, c := range cats {
		skel := make([][2]int, len(c.Skeleton))
		for j, l := range c.Skeleton {
			skel[j] = [2]int{l[0] - 1, l[1] - 1} // the file is 1-based
		}
		kp, err := NewKeypointInfo(c.Keypoints, skel)
		if err != nil {
			return nil, fmt.Errorf("category %d (%s): %w", c.ID, c.Name, err)
		}
		if _, dup := catIndex[c.ID]; dup {
			return nil, fmt.Errorf("category id %d appears twice", c.ID)
		}
		ds.Categories = append(ds.Categories, Category{ID: c.ID, Name: c.Name, Keypoints: kp})
		catIndex[c.ID] = i
		if !personSet && kp.K() > 0 {
			ds.Person, personSet = ds.Categories[i], true
		}
	}
	if !personSet {
		return nil, errors.New("no category with keypoints (is this a person_keypoints file?)")
	}
	for i := range ds.Annotations {
		a := &ds.Annotations[i]
		if _, ok := ds.imageIndex[a.ImageID]; !ok {
			return nil, fmt.Errorf("annotation %d: unknown image id %d", a.ID, a.ImageID)
		}
		ci, ok := catIndex[a.CategoryID]
		if !ok {
			return nil, fmt.Errorf("annotation %d: unknown category id %d", a.ID, a.CategoryID)
		}
		k := ds.Categories[ci].Keypoints.K()
		kps := rawKps[i]
		if len(kps) != 3*k && !(k == 0 && kps == nil) {
			return nil, fmt.Errorf("annotation %d: %d keypoint values, want %d (3 × %d for category %q)",
				a.ID, len(kps), 3*k, k, ds.Categories[ci].Name)
		}
		if k > 0 {
			a.Keypoints = make([][3]float32, k)
			for j := range a.Keypoints {
				if v := kps[3*j+2]; v != 0 && v != 1 && v != 2 {
					return nil, fmt.Errorf("annotation %d: keypoint %d (%q) has visibility %v, want 0, 1 or 2",
						a.ID, j, ds.Categories[ci].Keypoints.Names[j], v)
				}
				a.Keypoints[j] = [3]float32{kps[3*j], kps[3*j+1], kps[3*j+2]}
			}
		}
		ds.byImage[a.ImageID] = append(ds.byImage[a.ImageID], i)
	}
	return ds, nil
}
