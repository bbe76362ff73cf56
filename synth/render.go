package synth

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"sort"

	"gocv.io/x/gocv"
)

// subpixel is the number of fractional bits of drawing coordinates (OpenCV's
// shift): points land within 1/16 px of the keypoints.
const subpixel = 4

// crowdLabel marks crowd pixels in the label image.
const crowdLabel = 255

// person is one annotated figure of a rendered scene.
type person struct {
	keypoints [numKeypoints][3]float64 // x, y, v (COCO: 0 outside, 1 hidden, 2 visible)
	bbox      [4]float64               // tight around the figure as drawn
	area      int                      // pixels of the figure left visible
}

// crowd is an iscrowd region of a rendered scene.
type crowd struct {
	bbox [4]float64
	area int
}

// scene is one rendered image and its annotations.
type scene struct {
	people []person
	crowds []crowd
}

// canvas holds one worker's reusable Mats.
type canvas struct {
	w, h  int
	img   gocv.Mat // BGR
	label gocv.Mat // CV_8U: figure index + 1, crowdLabel, or 0
	parts gocv.Mat // CV_8U: part index + 1 of the figure being drawn
}

func newCanvas(w, h int) *canvas {
	return &canvas{
		w: w, h: h,
		img:   gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3),
		label: gocv.NewMatWithSize(h, w, gocv.MatTypeCV8U),
		parts: gocv.NewMatWithSize(h, w, gocv.MatTypeCV8U),
	}
}

func (c *canvas) close() {
	c.img.Close()
	c.label.Close()
	c.parts.Close()
}

// render draws one random scene into c.img: a textured background, an
// optional crowd region (when withCrowd allows one), and 1–4 figures drawn
// back to front, then sensor noise.
func (c *canvas) render(rng *rand.Rand, withCrowd bool) scene {
	c.background(rng)
	c.label.SetTo(gocv.NewScalar(0, 0, 0, 0))
	var sc scene
	if withCrowd && rng.Float64() < 0.15 {
		sc.crowds = append(sc.crowds, c.drawCrowd(rng))
	}
	n := 1 + rng.IntN(4)
	figs := make([]figure, n)
	for i := range figs {
		hpx := float64(c.h) * uniform(rng, 0.35, 0.95)
		cx := uniform(rng, 0.08, 0.92) * float64(c.w)
		cy := uniform(rng, 0.3, 0.8) * float64(c.h)
		figs[i] = buildFigure(randomPose(rng), randomStyle(rng), hpx, cx, cy)
	}
	// Smaller figures are farther away: draw them first.
	sort.SliceStable(figs, func(i, j int) bool { return figs[i].height < figs[j].height })

	people := make([]person, n)
	selfVisible := make([][numKeypoints]bool, n)
	for i := range figs {
		selfVisible[i] = c.drawFigure(&figs[i], uint8(i+1))
		people[i].bbox = c.labelBox(uint8(i + 1))
	}
	lab, _ := c.label.DataPtrUint8()
	var counts [256]int
	for _, v := range lab {
		counts[v]++
	}
	for i := range figs {
		p := &people[i]
		p.area = counts[i+1]
		for k, pt := range figs[i].kp {
			x, y := pt[0], pt[1]
			ix, iy := int(math.Floor(x)), int(math.Floor(y))
			if x < 0 || y < 0 || ix >= c.w || iy >= c.h || figs[i].turnedAway[k] {
				continue // outside the image or a face mark turned away: unlabelled, x = y = 0, as COCO
			}
			v := 1.0
			if selfVisible[i][k] && lab[iy*c.w+ix] == uint8(i+1) {
				v = 2
			}
			p.keypoints[k] = [3]float64{round2(x), round2(y), v}
		}
	}
	for i := range sc.crowds {
		sc.crowds[i].area = counts[crowdLabel]
	}
	sc.people = people
	c.noise(rng)
	return sc
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// drawFigure draws f's parts far to near into the image, the label image
// (value id) and the per-figure part image, and reports which keypoints the
// topmost part at their pixel carries (not hidden by the figure itself).
func (c *canvas) drawFigure(f *figure, id uint8) [numKeypoints]bool {
	c.parts.SetTo(gocv.NewScalar(0, 0, 0, 0))
	order := make([]int, len(f.parts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return f.parts[order[a]].depth < f.parts[order[b]].depth })
	for _, pi := range order {
		p := &f.parts[pi]
		drawPart(&c.img, p, p.color, gocv.LineAA)
		drawPart(&c.label, p, color.RGBA{R: id, G: id, B: id}, gocv.Line8)
		pv := uint8(pi + 1)
		drawPart(&c.parts, p, color.RGBA{R: pv, G: pv, B: pv}, gocv.Line8)
	}
	c.contour(f)
	var vis [numKeypoints]bool
	pix, _ := c.parts.DataPtrUint8()
	for k, pt := range f.kp {
		ix, iy := int(math.Floor(pt[0])), int(math.Floor(pt[1]))
		if ix < 0 || iy < 0 || ix >= c.w || iy >= c.h {
			continue
		}
		top := int(pix[iy*c.w+ix]) - 1
		if top < 0 {
			continue
		}
		for _, j := range f.parts[top].joints {
			if j == k {
				vis[k] = true
			}
		}
	}
	return vis
}

// rimTone is the brightness of a limb's contour relative to the pixels
// under it.
const rimTone = 0.55

// contour darkens the pixels where one of f's limbs (part.limb), just drawn
// into c.parts, meets another limb, the torso or what lies behind the figure,
// as photographs show an edge where a sleeve crosses a shirt of the same
// cloth: without it an arm drawn over its own torso in the shirt's colour
// would leave no trace, yet its joints are labelled visible. Within a limb
// there is none, so a straight elbow has to be found from the arm's
// proportions.
func (c *canvas) contour(f *figure) {
	pix, _ := c.parts.DataPtrUint8()
	img, _ := c.img.DataPtrUint8()
	limbAt := func(i int) int {
		if pix[i] == 0 {
			return -1
		}
		return f.parts[pix[i]-1].limb
	}
	for y := 1; y < c.h-1; y++ {
		for x := 1; x < c.w-1; x++ {
			i := y*c.w + x
			l := limbAt(i)
			if l <= 0 { // torso, neck or not this figure
				continue
			}
			if limbAt(i-1) != l || limbAt(i+1) != l || limbAt(i-c.w) != l || limbAt(i+c.w) != l {
				for ch := 3 * i; ch < 3*i+3; ch++ {
					img[ch] = uint8(float64(img[ch]) * rimTone)
				}
			}
		}
	}
}

// labelBox returns the tight box (x, y, w, h) around the pixels labelled id.
func (c *canvas) labelBox(id uint8) [4]float64 {
	lab, _ := c.label.DataPtrUint8()
	x0, y0, x1, y1 := c.w, c.h, -1, -1
	for y := range c.h {
		row := lab[y*c.w : (y+1)*c.w]
		for x, v := range row {
			if v == id {
				x0, x1 = min(x0, x), max(x1, x)
				y0, y1 = min(y0, y), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return [4]float64{}
	}
	return [4]float64{float64(x0), float64(y0), float64(x1 - x0 + 1), float64(y1 - y0 + 1)}
}

func fixed(p [2]float64) image.Point {
	const one = 1 << subpixel
	return image.Pt(int(math.Round(p[0]*one)), int(math.Round(p[1]*one)))
}

func fixedLen(v float64) int { return max(int(math.Round(v*(1<<subpixel))), 1<<subpixel/2) }

// drawPart draws one primitive with sub-pixel coordinates.
func drawPart(m *gocv.Mat, p *part, c color.RGBA, lt gocv.LineType) {
	switch p.kind {
	case disc:
		gocv.CircleWithParams(m, fixed(p.pts[0]), fixedLen(p.w0), c, -1, lt, subpixel)
	case capsule:
		a, b := p.pts[0], p.pts[1]
		dx, dy := b[0]-a[0], b[1]-a[1]
		n := math.Hypot(dx, dy)
		if n > 1e-6 {
			nx, ny := -dy/n, dx/n
			q := []image.Point{
				fixed([2]float64{a[0] + nx*p.w0/2, a[1] + ny*p.w0/2}),
				fixed([2]float64{b[0] + nx*p.w1/2, b[1] + ny*p.w1/2}),
				fixed([2]float64{b[0] - nx*p.w1/2, b[1] - ny*p.w1/2}),
				fixed([2]float64{a[0] - nx*p.w0/2, a[1] - ny*p.w0/2}),
			}
			fillPoly(m, q, c, lt)
		}
		gocv.CircleWithParams(m, fixed(a), fixedLen(p.w0/2), c, -1, lt, subpixel)
		gocv.CircleWithParams(m, fixed(b), fixedLen(p.w1/2), c, -1, lt, subpixel)
	case quad:
		q := make([]image.Point, 4)
		for i := range q {
			q[i] = fixed(p.pts[i])
		}
		fillPoly(m, q, c, lt)
	default:
		panic("synth: unknown part kind")
	}
}

func fillPoly(m *gocv.Mat, pts []image.Point, c color.RGBA, lt gocv.LineType) {
	pv := gocv.NewPointsVectorFromPoints([][]image.Point{pts})
	defer pv.Close()
	gocv.FillPolyWithParams(m, pv, c, lt, subpixel, image.Point{})
}

// background paints a gradient, random shapes (walls, furniture, posts) and
// a soft blur into c.img.
func (c *canvas) background(rng *rand.Rand) {
	pix, _ := c.img.DataPtrUint8()
	top := hsv(rng.Float64()*360, 0.05+0.35*rng.Float64(), 0.3+0.6*rng.Float64())
	bot := hsv(rng.Float64()*360, 0.05+0.35*rng.Float64(), 0.2+0.6*rng.Float64())
	for y := range c.h {
		t := float64(y) / float64(c.h-1)
		b := uint8(float64(top.B)*(1-t) + float64(bot.B)*t)
		g := uint8(float64(top.G)*(1-t) + float64(bot.G)*t)
		r := uint8(float64(top.R)*(1-t) + float64(bot.R)*t)
		row := pix[3*y*c.w : 3*(y+1)*c.w]
		for x := 0; x < len(row); x += 3 {
			row[x], row[x+1], row[x+2] = b, g, r
		}
	}
	for range 4 + rng.IntN(12) {
		col := hsv(rng.Float64()*360, 0.05+0.5*rng.Float64(), 0.15+0.8*rng.Float64())
		x, y := rng.IntN(c.w), rng.IntN(c.h)
		switch rng.IntN(4) {
		case 0:
			w, h := 10+rng.IntN(c.w/2), 10+rng.IntN(c.h/2)
			gocv.Rectangle(&c.img, image.Rect(x, y, x+w, y+h), col, -1)
		case 1:
			gocv.Circle(&c.img, image.Pt(x, y), 5+rng.IntN(c.h/4), col, -1)
		case 2:
			gocv.Line(&c.img, image.Pt(x, y), image.Pt(rng.IntN(c.w), rng.IntN(c.h)), col, 1+rng.IntN(6))
		default: // stripes
			step := 4 + rng.IntN(10)
			w, h := 20+rng.IntN(c.w/2), 20+rng.IntN(c.h/2)
			for xx := x; xx < x+w; xx += 2 * step {
				gocv.Rectangle(&c.img, image.Rect(xx, y, xx+step, y+h), col, -1)
			}
		}
	}
	if rng.Float64() < 0.5 {
		gocv.GaussianBlur(c.img, &c.img, image.Pt(5, 5), 0, 0, gocv.BorderDefault)
	}
}

// noise adds Gaussian sensor noise of a random strength.
func (c *canvas) noise(rng *rand.Rand) {
	sigma := uniform(rng, 1, 9)
	pix, _ := c.img.DataPtrUint8()
	for i, v := range pix {
		pix[i] = uint8(clamp(float64(v)+rng.NormFloat64()*sigma, 0, 255))
	}
}

// drawCrowd draws a dense group of small figures in a random region and
// labels its pixels crowdLabel; the figures are not annotated one by one.
func (c *canvas) drawCrowd(rng *rand.Rand) crowd {
	rw, rh := uniform(rng, 0.3, 0.5)*float64(c.w), uniform(rng, 0.25, 0.4)*float64(c.h)
	x0, y0 := uniform(rng, 0, float64(c.w)-rw), uniform(rng, 0, float64(c.h)-rh)
	for range 5 + rng.IntN(5) {
		hpx := rh * uniform(rng, 0.6, 0.9)
		cx := x0 + uniform(rng, 0.1, 0.9)*rw
		cy := y0 + rh*0.55
		f := buildFigure(randomPose(rng), randomStyle(rng), hpx, cx, cy)
		c.drawFigure(&f, crowdLabel)
	}
	// Keep the region's box: figures may reach past it a little.
	b := c.labelBox(crowdLabel)
	return crowd{bbox: b}
}
