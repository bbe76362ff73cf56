package synth

import (
	"image/color"
	"math"
	"math/rand/v2"
)

// COCO keypoint indices, in the order of the annotation file.
const (
	kNose = iota
	kLEye
	kREye
	kLEar
	kREar
	kLShoulder
	kRShoulder
	kLElbow
	kRElbow
	kLWrist
	kRWrist
	kLHip
	kRHip
	kLKnee
	kRKnee
	kLAnkle
	kRAnkle
	numKeypoints
)

type partKind int

const (
	capsule partKind = iota // tapered limb from a to b, widths w0 → w1, round ends
	disc                    // filled circle at a, radius w0
	quad                    // filled quadrilateral
)

// part is one drawn primitive of a figure, already projected to image
// pixels. joints lists the keypoints the part carries: a keypoint is
// visible only where the topmost part of its figure carries it.
type part struct {
	kind   partKind
	pts    [4][2]float64
	w0, w1 float64
	color  color.RGBA
	depth  float64
	joints []int
	// limb groups the parts of one arm, one leg or the head (armLimb,
	// legLimb, headLimb; 0 for the torso and neck): the contour is drawn
	// between limbs, not within one (canvas.contour).
	limb int
}

// figure is one projected person: keypoints in image pixels, their depth,
// and the parts to draw far to near.
type figure struct {
	kp     [numKeypoints][2]float64
	parts  []part
	height float64 // pixels, standing
	// turnedAway marks the face marks (eyes, nose, ears) on the far side of
	// the head. Nothing in the image shows where they are, so, as COCO's
	// annotators do with the faces of people seen from behind, they are left
	// unlabelled.
	turnedAway [numKeypoints]bool
}

// style is a figure's palette: the same visual vocabulary every time (skin,
// hair, shirt, trousers, shoes), varied in hue.
type style struct {
	skin, hair, shirt, pants, shoes color.RGBA
	shortSleeves                    bool
	build                           float64 // limb width multiplier
}

func randomStyle(rng *rand.Rand) style {
	skins := [...]color.RGBA{
		{241, 194, 164, 255}, {224, 172, 130, 255}, {198, 134, 96, 255},
		{161, 102, 70, 255}, {118, 74, 50, 255}, {92, 58, 40, 255},
	}
	hairs := [...]color.RGBA{
		{30, 24, 20, 255}, {70, 45, 25, 255}, {120, 80, 40, 255},
		{200, 170, 100, 255}, {150, 150, 150, 255}, {110, 30, 20, 255},
	}
	return style{
		skin:         skins[rng.IntN(len(skins))],
		hair:         hairs[rng.IntN(len(hairs))],
		shirt:        hsv(rng.Float64()*360, 0.45+0.5*rng.Float64(), 0.35+0.6*rng.Float64()),
		pants:        hsv(rng.Float64()*360, 0.2+0.6*rng.Float64(), 0.2+0.55*rng.Float64()),
		shoes:        hsv(rng.Float64()*360, 0.3*rng.Float64(), 0.1+0.3*rng.Float64()),
		shortSleeves: rng.Float64() < 0.4,
		build:        0.8 + 0.4*rng.Float64(),
	}
}

// pose holds sampled joint angles in degrees, within human limits.
type pose struct {
	yaw, roll              float64 // whole body: about the vertical, then in the image plane
	lean, side, twist      float64 // upper body on the pelvis
	headYaw, headPitch     float64
	armAbd, armFlex, elbow [2]float64 // [left, right]
	armBend                [2]float64 // sideways tilt of the elbow's bending plane
	hipAbd, hipFlex, knee  [2]float64
	lengths                [6]float64 // torso, upper arm, forearm, thigh, shin, shoulder half-width multipliers
}

func clamp(v, lo, hi float64) float64 { return min(max(v, lo), hi) }

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

func randomPose(rng *rand.Rand) pose {
	var p pose
	p.yaw = uniform(rng, -180, 180)
	p.roll = clamp(rng.NormFloat64()*8, -20, 20)
	if rng.Float64() < 0.08 {
		p.roll = uniform(rng, -70, 70)
	}
	p.lean = clamp(5+rng.NormFloat64()*12, -15, 50)
	p.side = clamp(rng.NormFloat64()*7, -25, 25)
	p.twist = clamp(rng.NormFloat64()*12, -35, 35)
	p.headYaw = clamp(rng.NormFloat64()*25, -70, 70)
	p.headPitch = clamp(rng.NormFloat64()*12, -35, 35)
	sitting := rng.Float64() < 0.15
	for s := range 2 {
		if rng.Float64() < 0.7 {
			p.armAbd[s] = uniform(rng, 5, 60)
		} else {
			p.armAbd[s] = uniform(rng, 60, 170)
		}
		p.armFlex[s] = uniform(rng, -40, 130)
		p.elbow[s] = uniform(rng, 0, 145)
		p.armBend[s] = uniform(rng, -40, 40)
		p.hipAbd[s] = uniform(rng, -5, 30)
		switch {
		case sitting:
			p.hipFlex[s] = uniform(rng, 60, 100)
			p.knee[s] = uniform(rng, 60, 120)
		case rng.Float64() < 0.8: // standing or walking
			p.hipFlex[s] = uniform(rng, -25, 40)
			p.knee[s] = uniform(rng, 0, 50)
		default: // kicking, kneeling, climbing
			p.hipFlex[s] = uniform(rng, 20, 110)
			p.knee[s] = uniform(rng, 0, 130)
		}
	}
	for i := range p.lengths {
		p.lengths[i] = 1 + clamp(rng.NormFloat64()*0.05, -0.12, 0.12)
	}
	return p
}

// Body proportions in units of standing height (≈1 from ankle to crown).
const (
	torsoLen     = 0.30 // pelvis to shoulder line
	neckLen      = 0.115
	headR        = 0.062
	shoulderHalf = 0.125
	hipHalf      = 0.085
	upperArmLen  = 0.165
	forearmLen   = 0.15
	thighLen     = 0.245
	shinLen      = 0.245
	footLen      = 0.075
)

// Limb groups of a figure's parts (part.limb); 0 is the torso and neck.
const (
	armLimb  = 1 // left arm, then right
	legLimb  = 3 // left leg, then right
	headLimb = 5
)

// depthTone is how much brighter (darker) the limbs of a side turned fully
// towards (away from) the camera are drawn.
const depthTone = 0.27

// buildFigure poses, projects and dresses one figure whose standing height is
// heightPx pixels and whose pelvis lands at (cx, cy).
func buildFigure(p pose, st style, heightPx, cx, cy float64) figure {
	f := figure{height: heightPx}
	global := planeRot(axFwd(), axLeft(), p.yaw)
	rollR := planeRot(vec{1, 0, 0}, vec{0, 1, 0}, p.roll) // in the image plane
	world := rollR.mul(global)
	project := func(v vec) ([2]float64, float64) {
		w := world.apply(v)
		return [2]float64{cx + heightPx*w[0], cy + heightPx*w[1]}, heightPx * w[2]
	}
	torso := planeRot(axUp(), axFwd(), p.lean).mul(planeRot(axUp(), axLeft(), p.side)).mul(planeRot(axFwd(), axLeft(), p.twist))
	head := torso.mul(planeRot(axFwd(), axLeft(), p.headYaw)).mul(planeRot(axFwd(), axDown(), p.headPitch))
	L := p.lengths

	// 3D keypoints and helper points.
	var kp [numKeypoints]vec
	neck := torso.apply(axUp().scale(torsoLen * L[0]))
	shHalf := shoulderHalf * L[5]
	kp[kLShoulder] = neck.add(torso.apply(axLeft().scale(shHalf)))
	kp[kRShoulder] = neck.add(torso.apply(axLeft().scale(-shHalf)))
	headC := neck.add(torso.apply(axUp().scale(neckLen)))
	face := func(d vec) (vec, vec) { // point on the head sphere and its outward normal
		n := head.apply(d.norm())
		return headC.add(n.scale(headR)), n
	}
	var faceN [5]vec
	kp[kNose], faceN[kNose] = face(vec{0, 0.15, 1})
	kp[kLEye], faceN[kLEye] = face(vec{0.38, -0.22, 0.9})
	kp[kREye], faceN[kREye] = face(vec{-0.38, -0.22, 0.9})
	kp[kLEar], faceN[kLEar] = face(vec{1, 0.1, -0.08})
	kp[kREar], faceN[kREar] = face(vec{-1, 0.1, -0.08})
	for s, side := range [2]float64{1, -1} {
		out := axLeft().scale(side)
		d := turn(axDown(), out, axFwd(), p.armAbd[s])
		d = turn(d, axFwd(), axUp(), p.armFlex[s])
		sj := kPair(kLShoulder, s)
		elbow := kp[sj].add(torso.apply(d.scale(upperArmLen * L[1])))
		ref := axFwd().add(out.scale(math.Sin(p.armBend[s] * math.Pi / 180))).norm()
		fd := turn(d, ref, axUp(), p.elbow[s])
		kp[kPair(kLElbow, s)] = elbow
		kp[kPair(kLWrist, s)] = elbow.add(torso.apply(fd.scale(forearmLen * L[2])))

		hip := axLeft().scale(side * hipHalf)
		kp[kPair(kLHip, s)] = hip
		t := turn(axDown(), out, axFwd(), p.hipAbd[s])
		t = turn(t, axFwd(), axUp(), p.hipFlex[s])
		knee := hip.add(t.scale(thighLen * L[3]))
		sd := turn(t, axFwd().scale(-1), axDown(), p.knee[s])
		kp[kPair(kLKnee, s)] = knee
		kp[kPair(kLAnkle, s)] = knee.add(sd.scale(shinLen * L[4]))
	}
	var depth [numKeypoints]float64
	for i := range kp {
		f.kp[i], depth[i] = project(kp[i])
	}

	// Parts, with widths in pixels.
	px := func(u float64) float64 { return u * heightPx * st.build }
	limb := 0 // of the parts added next
	add := func(k partKind, a, b [2]float64, w0, w1 float64, c color.RGBA, z float64, joints ...int) {
		f.parts = append(f.parts, part{kind: k, pts: [4][2]float64{a, b}, w0: w0, w1: w1, color: c, depth: z, joints: joints, limb: limb})
	}
	mid := func(i, j int) float64 { return (depth[i] + depth[j]) / 2 }
	const bias = 0.004 // in height units: breaks depth ties (arms before the torso, the torso before the legs)
	bz := bias * heightPx

	// Torso: a quadrilateral from the shoulders to the hips plus a spine
	// capsule that keeps it solid when seen from the side.
	pelvis2, pelvisZ := project(vec{})
	neck2, neckZ := project(neck)
	tq := part{kind: quad, color: st.shirt, depth: (neckZ + pelvisZ) / 2, joints: []int{kLShoulder, kRShoulder, kLHip, kRHip}}
	tq.pts = [4][2]float64{
		widen(f.kp[kRShoulder], f.kp[kLShoulder], px(0.02)), widen(f.kp[kLShoulder], f.kp[kRShoulder], px(0.02)),
		widen(f.kp[kLHip], f.kp[kRHip], px(0.025)), widen(f.kp[kRHip], f.kp[kLHip], px(0.025)),
	}
	f.parts = append(f.parts, tq)
	add(capsule, neck2, pelvis2, px(0.15), px(0.14), st.shirt, (neckZ+pelvisZ)/2, kLShoulder, kRShoulder, kLHip, kRHip)
	// Hip band in trouser colour.
	add(capsule, f.kp[kLHip], f.kp[kRHip], px(0.08), px(0.08), st.pants, mid(kLHip, kRHip)-bz/2, kLHip, kRHip)

	headC2, headZ := project(headC)
	add(capsule, neck2, headC2, px(0.05), px(0.05), st.skin, (neckZ+headZ)/2)
	limb = headLimb
	hairC, hairZ := project(headC.add(head.apply(vec{0, -0.18, -0.35}.scale(headR))))
	add(disc, hairC, hairC, px(headR*1.02), 0, st.hair, hairZ)
	add(disc, headC2, headC2, px(headR), 0, st.skin, headZ)
	// Face marks are drawn only where their surface faces the camera.
	for i, thr := range [5]float64{0.1, 0.15, 0.15, -0.25, -0.25} {
		if world.apply(faceN[i])[2] <= thr {
			f.turnedAway[i] = true
			continue
		}
		c, r := color.RGBA{25, 20, 20, 255}, px(0.011) // eyes
		switch i {
		case kNose:
			c, r = scale(st.skin, 0.7), px(0.012)
		case kLEar, kREar:
			c, r = scale(st.skin, 0.8), px(0.016)
		}
		z := headZ + bz + depth[i]*1e-3
		add(disc, f.kp[i], f.kp[i], max(r, 1), 0, c, z, i)
	}

	for s := range 2 {
		sh, el, wr := kPair(kLShoulder, s), kPair(kLElbow, s), kPair(kLWrist, s)
		hp, kn, an := kPair(kLHip, s), kPair(kLKnee, s), kPair(kLAnkle, s)
		// The near side's limbs are lit brighter than the far side's, as
		// under a light by the camera. Depth survives a horizontal flip, so
		// this cue agrees with flip augmentation and the flip test; a fixed
		// left-light, right-dark rule would contradict itself on every
		// flipped sample. With it and the face or hair telling front from
		// back, left and right can be told apart where no limb overlaps.
		other := kPair(kLShoulder, 1-s)
		tone := shade(1 + depthTone*clamp((depth[sh]-depth[other])/(2*shHalf*heightPx), -1, 1))
		limb = armLimb + s
		sleeve := st.shirt
		fore := st.skin
		if !st.shortSleeves {
			fore = st.shirt
		}
		add(capsule, f.kp[sh], f.kp[el], px(0.05), px(0.042), tone(sleeve), mid(sh, el)+bz, sh, el)
		add(capsule, f.kp[el], f.kp[wr], px(0.04), px(0.032), tone(fore), mid(el, wr)+bz, el, wr)
		add(disc, f.kp[wr], f.kp[wr], px(0.024), 0, tone(st.skin), depth[wr]+1.5*bz, wr)
		limb = legLimb + s
		add(capsule, f.kp[hp], f.kp[kn], px(0.075), px(0.058), tone(st.pants), mid(hp, kn)-bz, hp, kn)
		add(capsule, f.kp[kn], f.kp[an], px(0.056), px(0.045), tone(st.pants), mid(kn, an)-bz, kn, an)
		// The foot points forward, square to the shin.
		ank := kp[an]
		shin := ank.sub(kp[kn]).norm()
		toe3 := ank.add(turn(shin, axFwd(), axFwd(), 90).scale(footLen * L[4]))
		toe, toeZ := project(toe3)
		add(capsule, f.kp[an], toe, px(0.04), px(0.035), tone(st.shoes), (depth[an]+toeZ)/2-bz/2, an)
	}
	return f
}

// kPair returns the left keypoint index for side 0 and its right partner for
// side 1 (COCO lists each right keypoint right after its left one).
func kPair(left, side int) int { return left + side }

// widen moves a away from b by d pixels along the line through them.
func widen(a, b [2]float64, d float64) [2]float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	n := math.Hypot(dx, dy)
	if n < 1e-9 {
		return a
	}
	return [2]float64{a[0] + dx/n*d, a[1] + dy/n*d}
}

func shade(f float64) func(color.RGBA) color.RGBA {
	return func(c color.RGBA) color.RGBA { return scale(c, f) }
}

func scale(c color.RGBA, f float64) color.RGBA {
	ch := func(v uint8) uint8 { return uint8(clamp(float64(v)*f+(f-1)*20, 0, 255)) }
	return color.RGBA{ch(c.R), ch(c.G), ch(c.B), 255}
}

// hsv converts hue (degrees), saturation and value (0–1) to a colour.
func hsv(h, s, v float64) color.RGBA {
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := v - c
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	return color.RGBA{uint8((r + m) * 255), uint8((g + m) * 255), uint8((b + m) * 255), 255}
}
