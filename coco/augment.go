package coco

import (
	"math"
	"math/rand/v2"
)

// Augmentation holds SimpleBaseline's training augmentation settings.
type Augmentation struct {
	ScaleFactor float64 // s ← s · clip(N(0,1)·f + 1, 1 − f, 1 + f); 0.35
	RotFactor   float64 // r = clip(N(0,1)·f, −2f, 2f) degrees; 45
	RotProb     float64 // probability of rotating at all; 0.6
	FlipProb    float64 // probability of a horizontal flip; 0.5
	// HalfBodyProb is the probability of cropping only the upper or lower
	// body when more than HalfBodyMinJoints joints are labelled; 0.3 and 8.
	HalfBodyProb      float64
	HalfBodyMinJoints int
	// OcclusionProb is the probability of painting one rectangle of a
	// random colour over the crop, its sides drawn uniformly between half
	// of OcclusionSize and OcclusionSize of the crop's (RTMPose's
	// CoarseDropout with one hole: 1 and 0.4). The joints under it keep
	// their labels, so the network learns to place joints it cannot see,
	// as it must for those hidden behind another person. 0 in
	// SimpleBaseline's recipe.
	OcclusionProb float64
	OcclusionSize float64
}

// DefaultAugmentation returns SimpleBaseline's COCO settings.
func DefaultAugmentation() Augmentation {
	return Augmentation{ScaleFactor: 0.35, RotFactor: 45, RotProb: 0.6, FlipProb: 0.5,
		HalfBodyProb: 0.3, HalfBodyMinJoints: 8, OcclusionSize: 0.4}
}

// SampleRand returns the RNG for one sample of one epoch. Each sample's
// random choices depend only on (seed, epoch, index), never on which worker
// draws them or in what order, so a loader's output is the same for any
// number of workers.
func SampleRand(seed uint64, epoch, index int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, mix64(uint64(epoch)<<32^uint64(index))))
}

// mix64 is SplitMix64's finaliser: it spreads nearby (epoch, index) pairs
// over the whole second PCG seed.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// View is where one sample is cropped from: the (possibly augmented) box,
// rotation and flip, and the joints in image pixels after the flip.
type View struct {
	Center, Scale [2]float64
	Rot           float64 // degrees
	Flip          bool
	Width         int // image width the flip mirrors about
}

// Transform returns the matrix from original image pixels to the crop:
// SimpleBaseline flips the image and the centre, then warps with
// get_affine_transform of the flipped centre; here the flip is folded into
// the matrix so the image itself is never flipped.
func (v View) Transform(outW, outH int) Affine {
	t := AffineTransform(v.Center, v.Scale, v.Rot, outW, outH, false)
	if v.Flip {
		t = t.Mul(FlipX(v.Width))
	}
	return t
}

// Augment draws one training view of s in SimpleBaseline's order (half-body,
// scale, rotation, flip) and returns it with the joints in image pixels
// (flipped and swapped when the view is flipped; unlabelled joints zeroed),
// written into joints (len K). width is the image width; kp supplies the
// upper-body split and the flip pairs.
func Augment(rng *rand.Rand, s Sample, width int, kp KeypointInfo, aug Augmentation, aspect float64, joints [][3]float32) View {
	copy(joints, s.Joints)
	v := View{Center: s.Center, Scale: s.Scale, Width: width}
	labelled := 0
	for _, j := range s.Joints {
		if j[2] > 0 {
			labelled++
		}
	}
	if labelled > aug.HalfBodyMinJoints && rng.Float64() < aug.HalfBodyProb {
		if c, sc, ok := halfBody(rng, s.Joints, kp.Upper, aspect); ok {
			v.Center, v.Scale = c, sc
		}
	}
	f := aug.ScaleFactor
	m := min(max(rng.NormFloat64()*f+1, 1-f), 1+f)
	v.Scale = [2]float64{v.Scale[0] * m, v.Scale[1] * m}
	if rng.Float64() <= aug.RotProb {
		rf := aug.RotFactor
		v.Rot = min(max(rng.NormFloat64()*rf, -2*rf), 2*rf)
	}
	if rng.Float64() <= aug.FlipProb {
		v.Flip = true
		FlipJoints(joints, width, kp.FlipPairs)
		v.Center[0] = float64(width) - v.Center[0] - 1
	}
	return v
}

// halfBody is SimpleBaseline's half_body_transform: keep the upper joints
// (if N(0,1) < 0.5 and more than 2 are labelled) or else the lower ones (if
// more than 2, else the upper), and box them with HalfBodyPadding. The
// N(0,1) < 0.5 test (about 69 % upper) is the original's, kept as is. ok is
// false, and the full box is kept, when fewer than 2 joints are kept or all
// of them are one point (the original would crop at scale 0).
func halfBody(rng *rand.Rand, joints [][3]float32, upper []bool, aspect float64) (center, scale [2]float64, ok bool) {
	var nUp, nLow int
	for i, j := range joints {
		if j[2] > 0 {
			if upper[i] {
				nUp++
			} else {
				nLow++
			}
		}
	}
	pickUpper := rng.NormFloat64() < 0.5 && nUp > 2
	if !pickUpper && nLow <= 2 {
		pickUpper = true
	}
	n := nLow
	if pickUpper {
		n = nUp
	}
	if n < 2 {
		return center, scale, false
	}
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	var sx, sy float64
	for i, j := range joints {
		if j[2] <= 0 || upper[i] != pickUpper {
			continue
		}
		x, y := float64(j[0]), float64(j[1])
		sx, sy = sx+x, sy+y
		minX, maxX = min(minX, x), max(maxX, x)
		minY, maxY = min(minY, y), max(maxY, y)
	}
	center = [2]float64{sx / float64(n), sy / float64(n)}
	w, h := maxX-minX, maxY-minY
	if w == 0 && h == 0 {
		return center, scale, false // the joints are one point: no box to crop
	}
	if w > aspect*h {
		h = w / aspect
	} else if w < aspect*h {
		w = h * aspect
	}
	return center, [2]float64{w / PixelStd * HalfBodyPadding, h / PixelStd * HalfBodyPadding}, true
}

// occluder is a rectangle of the crop [X0, X1)×[Y0, Y1) painted in one
// RGB colour (0–255).
type occluder struct {
	X0, Y0, X1, Y1 int
	RGB            [3]uint8
}

// drawOccluder draws the training occluder of a w×h crop: ok is false
// when the sample gets none (probability 1 − OcclusionProb, and always when
// OcclusionProb is 0, which then draws nothing from rng).
func drawOccluder(rng *rand.Rand, aug Augmentation, w, h int) (o occluder, ok bool) {
	if aug.OcclusionProb <= 0 || rng.Float64() >= aug.OcclusionProb {
		return occluder{}, false
	}
	side := func(n int) int {
		f := aug.OcclusionSize * (0.5 + 0.5*rng.Float64())
		return max(1, min(n, int(math.Round(f*float64(n)))))
	}
	ow, oh := side(w), side(h)
	o.X0, o.Y0 = rng.IntN(w-ow+1), rng.IntN(h-oh+1)
	o.X1, o.Y1 = o.X0+ow, o.Y0+oh
	for i := range o.RGB {
		o.RGB[i] = uint8(rng.IntN(256))
	}
	return o, true
}

// paint fills the occluder's rectangle of dst, a normalised crop (3·h·w,
// CHW, RGB, as Cropper.Warp writes it), with its colour.
func (o occluder) paint(dst []float32, w, h int) {
	n := w * h
	var rgb [3]float32 // the colour as Warp would normalise a pixel of it
	normalizeBGR(rgb[:], []uint8{o.RGB[2], o.RGB[1], o.RGB[0]}, 1)
	for c, v := range rgb {
		plane := dst[c*n : (c+1)*n]
		for y := o.Y0; y < o.Y1; y++ {
			row := plane[y*w+o.X0 : y*w+o.X1]
			for i := range row {
				row[i] = v
			}
		}
	}
}
