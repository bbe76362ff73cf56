package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/dypose/dypose/track"
	"gocv.io/x/gocv"
)

// Style sets what Renderer draws and how. Start from DefaultStyle.
type Style struct {
	Skeleton Skeleton
	// KeypointThreshold hides keypoints scoring below it, and limbs with
	// such an end.
	KeypointThreshold float32
	// Radius of keypoint dots and LineWidth of limbs and boxes, in pixels.
	Radius, LineWidth int
	// Limb colours by side.
	Left, Right, Center color.RGBA
	// Boxes draws each person's box with its score and, when tracked, id.
	Boxes bool
	// BoxColor is the colour of boxes and their labels.
	BoxColor color.RGBA
	// FontScale of labels and overlay text (Hershey simplex).
	FontScale float64
}

// DefaultStyle draws COCO skeletons with orange left limbs, blue right
// limbs and grey central ones, keypoints above 0.3 coloured by confidence,
// and no boxes.
func DefaultStyle() Style {
	return Style{
		Skeleton:          COCOSkeleton(),
		KeypointThreshold: 0.3,
		Radius:            4,
		LineWidth:         2,
		Left:              color.RGBA{R: 255, G: 140, B: 0, A: 255},
		Right:             color.RGBA{R: 0, G: 150, B: 255, A: 255},
		Center:            color.RGBA{R: 220, G: 220, B: 220, A: 255},
		BoxColor:          color.RGBA{R: 0, G: 255, B: 0, A: 255},
		FontScale:         0.5,
	}
}

// Renderer draws people onto frames. It holds no Mats and allocates none:
// drawing happens in place on the caller's frame.
type Renderer struct {
	style Style
	cmap  *colormap
	label []byte // scratch for box labels
}

// NewRenderer checks the style and precomputes the confidence colormap.
func NewRenderer(style Style) (*Renderer, error) {
	if err := style.Skeleton.validate(); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	if style.Radius < 1 || style.LineWidth < 1 || !(style.FontScale > 0) {
		return nil, fmt.Errorf("render: radius %d, line width %d and font scale %g must be positive",
			style.Radius, style.LineWidth, style.FontScale)
	}
	if !(style.KeypointThreshold >= 0 && style.KeypointThreshold <= 1) {
		return nil, fmt.Errorf("render: keypoint threshold %g is not in [0, 1]", style.KeypointThreshold)
	}
	return &Renderer{style: style, cmap: newColormap(confidenceStops())}, nil
}

// KeypointColor returns the colour of a keypoint with score s: the
// colormap spans KeypointThreshold (darkest) to 1 (brightest).
func (r *Renderer) KeypointColor(s float32) color.RGBA {
	return r.cmap.at(s, r.style.KeypointThreshold)
}

// Draw paints people onto img (BGR): limbs, then keypoints on top, then
// boxes if the style asks. It panics if a person has fewer keypoints than
// the skeleton (a model and style that do not belong together).
func (r *Renderer) Draw(img *gocv.Mat, people []track.Person) {
	k := len(r.style.Skeleton.Sides)
	for i := range people {
		if n := people[i].NumKeypoints(); n < k {
			panic(fmt.Sprintf("%s: person %d has %d keypoints, skeleton %d", errShape, i, n, k))
		}
	}
	for i := range people {
		r.drawLimbs(img, people[i].Keypoints)
	}
	for i := range people {
		r.drawKeypoints(img, people[i].Keypoints[:3*k])
	}
	if r.style.Boxes {
		for i := range people {
			r.drawBox(img, &people[i])
		}
	}
}

// errShape starts the panic message of a size mismatch (a programmer error).
const errShape = "render: shape mismatch"

func (r *Renderer) drawLimbs(img *gocv.Mat, kps []float32) {
	s := &r.style
	for _, l := range s.Skeleton.Links {
		a, b := kps[3*(l[0]-1):3*l[0]], kps[3*(l[1]-1):3*l[1]]
		if a[2] < s.KeypointThreshold || b[2] < s.KeypointThreshold {
			continue
		}
		var c color.RGBA
		switch s.Skeleton.linkSide(l) {
		case Left:
			c = s.Left
		case Right:
			c = s.Right
		default:
			c = s.Center
		}
		gocv.Line(img, point(a[0], a[1]), point(b[0], b[1]), c, s.LineWidth)
	}
}

func (r *Renderer) drawKeypoints(img *gocv.Mat, kps []float32) {
	for j := 0; j < len(kps); j += 3 {
		if kps[j+2] < r.style.KeypointThreshold {
			continue
		}
		gocv.CircleWithParams(img, point(kps[j], kps[j+1]), r.style.Radius, r.KeypointColor(kps[j+2]), -1, gocv.LineAA, 0)
	}
}

func (r *Renderer) drawBox(img *gocv.Mat, p *track.Person) {
	b := p.Box
	rect := image.Rect(int(math.Round(float64(b.X))), int(math.Round(float64(b.Y))),
		int(math.Round(float64(b.X+b.W))), int(math.Round(float64(b.Y+b.H))))
	gocv.Rectangle(img, rect, r.style.BoxColor, r.style.LineWidth)
	r.label = r.label[:0]
	if p.TrackID > 0 {
		r.label = append(r.label, '#')
		r.label = strconv.AppendInt(r.label, int64(p.TrackID), 10)
		r.label = append(r.label, ' ')
	}
	r.label = strconv.AppendFloat(r.label, float64(p.Score), 'f', 2, 32)
	org := image.Pt(rect.Min.X, max(rect.Min.Y-4, 12))
	gocv.PutTextWithParams(img, string(r.label), org, gocv.FontHersheySimplex, r.style.FontScale,
		r.style.BoxColor, 1, gocv.LineAA, false)
}

// DrawText writes lines at the top-left of img in white on a dark band,
// for status overlays such as Meter.Format's "24.8 FPS  38.1 ms".
func (r *Renderer) DrawText(img *gocv.Mat, lines ...string) {
	const margin = 6
	font := gocv.FontHersheySimplex
	y := margin
	for _, line := range lines {
		size, base := gocv.GetTextSizeWithBaseline(line, font, r.style.FontScale, 1)
		band := image.Rect(0, y-margin/2, size.X+2*margin, y+size.Y+base+margin/2)
		gocv.Rectangle(img, band, color.RGBA{A: 255}, -1)
		gocv.PutTextWithParams(img, line, image.Pt(margin, y+size.Y), font, r.style.FontScale,
			color.RGBA{R: 255, G: 255, B: 255, A: 255}, 1, gocv.LineAA, false)
		y += size.Y + base + margin
	}
}

// point rounds frame coordinates to the nearest pixel.
func point(x, y float32) image.Point {
	return image.Pt(int(math.Round(float64(x))), int(math.Round(float64(y))))
}
