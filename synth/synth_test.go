package synth

import (
	"bytes"
	"context"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocv.io/x/gocv"

	"github.com/dypose/dypose/coco"
)

func TestGenerateParses(t *testing.T) {
	dir := t.TempDir()
	st, err := Generate(context.Background(), Options{Out: dir, Train: 12, Val: 40, Seed: 5, Width: 200, Height: 150})
	require.NoError(t, err)
	assert.Equal(t, 52, st.Images)
	for _, split := range []string{"train", "val"} {
		t.Run(split, func(t *testing.T) {
			ds, err := coco.Load(filepath.Join(dir, "annotations", "person_keypoints_"+split+".json"))
			require.NoError(t, err)
			assert.Equal(t, coco.COCONames(), ds.Person.Keypoints.Names)
			assert.Equal(t, coco.COCOSkeleton(), ds.Person.Keypoints.Skeleton)
			var crowds, people, faceAway, faceLabelled, occluded int
			for _, im := range ds.Images {
				assert.Equal(t, 200, im.Width)
				assert.Equal(t, 150, im.Height)
				_, err := os.Stat(filepath.Join(dir, "images", split, im.FileName))
				require.NoError(t, err)
				anns := ds.ImageAnnotations(im.ID)
				require.NotEmpty(t, anns)
				for _, a := range anns {
					assert.Greater(t, a.Area, 0.0)
					b := a.BBox
					assert.True(t, b[0] >= 0 && b[1] >= 0 && b[0]+b[2] <= 200 && b[1]+b[3] <= 150, "box %v inside the image", b)
					if a.IsCrowd {
						crowds++
						assert.Zero(t, a.NumKeypoints)
						continue
					}
					people++
					n := 0
					for k, p := range a.Keypoints {
						switch p[2] {
						case 0:
							assert.Equal(t, [3]float32{}, p, "unlabelled keypoints are (0, 0, 0)")
							if k == kNose && a.Keypoints[kLShoulder][2] > 0 && a.Keypoints[kRShoulder][2] > 0 {
								faceAway++ // the nose of a figure whose shoulders are in the image
							}
						case 1, 2:
							n++
							assert.True(t, p[0] >= 0 && p[0] < 200 && p[1] >= 0 && p[1] < 150, "labelled keypoint %v inside", p)
							if p[2] == 2 { // visible keypoints lie on the figure, so inside its box
								x, y := float64(p[0]), float64(p[1])
								assert.True(t, x >= b[0]-1 && x <= b[0]+b[2]+1 && y >= b[1]-1 && y <= b[1]+b[3]+1,
									"annotation %d keypoint %d %v outside box %v", a.ID, k, p, b)
							} else {
								occluded++
							}
							if k == kNose {
								faceLabelled++
							}
						default:
							t.Errorf("annotation %d: visibility %v", a.ID, p[2])
						}
					}
					assert.Equal(t, n, a.NumKeypoints)
				}
			}
			assert.Positive(t, people)
			assert.Positive(t, faceAway, "some figures face away, their faces unlabelled")
			assert.Positive(t, faceLabelled)
			assert.Positive(t, occluded)
			if split == "train" {
				assert.Zero(t, crowds)
			} else {
				assert.Positive(t, crowds, "val has crowd regions")
			}
		})
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	_, err := Generate(context.Background(), Options{Out: a, Train: 5, Val: 3, Seed: 11, Workers: 1})
	require.NoError(t, err)
	_, err = Generate(context.Background(), Options{Out: b, Train: 5, Val: 3, Seed: 11, Workers: 3})
	require.NoError(t, err)
	for _, rel := range []string{
		"annotations/person_keypoints_train.json", "annotations/person_keypoints_val.json",
		"images/train/000000000001.jpg", "images/train/000000000005.jpg", "images/val/000000000003.jpg",
	} {
		x, err := os.ReadFile(filepath.Join(a, rel))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(b, rel))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(x, y), "%s differs between 1 and 3 workers", rel)
	}
	c := t.TempDir()
	_, err = Generate(context.Background(), Options{Out: c, Train: 5, Seed: 12})
	require.NoError(t, err)
	x, _ := os.ReadFile(filepath.Join(a, "annotations/person_keypoints_train.json"))
	y, _ := os.ReadFile(filepath.Join(c, "annotations/person_keypoints_train.json"))
	assert.False(t, bytes.Equal(x, y), "another seed, another set")
}

func TestGenerateErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, Options{Out: t.TempDir(), Train: 3})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = Generate(context.Background(), Options{Out: t.TempDir(), Train: 1, Width: 10, Height: 10})
	assert.ErrorContains(t, err, "below 32×32")
	_, err = Generate(context.Background(), Options{Out: t.TempDir()})
	assert.ErrorContains(t, err, "no images asked for")
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = Generate(context.Background(), Options{Out: file, Train: 1})
	assert.Error(t, err, "output under a regular file")
}

func TestFigureGeometry(t *testing.T) {
	// A neutral pose facing the camera: the figure's left side is on the
	// image's right, the head on top, limbs at their lengths.
	p := pose{lengths: [6]float64{1, 1, 1, 1, 1, 1}}
	f := buildFigure(p, style{build: 1}, 200, 100, 100)
	assert.Greater(t, f.kp[kLShoulder][0], f.kp[kRShoulder][0])
	assert.Greater(t, f.kp[kLEye][0], f.kp[kREye][0])
	assert.Less(t, f.kp[kNose][1], f.kp[kLShoulder][1])
	assert.Greater(t, f.kp[kLAnkle][1], f.kp[kLKnee][1])
	assert.InDelta(t, upperArmLen*200, dist(f.kp[kLShoulder], f.kp[kLElbow]), 1e-6)
	assert.InDelta(t, shinLen*200, dist(f.kp[kRKnee], f.kp[kRAnkle]), 1e-6)
	// Turned around, left and right swap sides on the image.
	p.yaw = 180
	g := buildFigure(p, style{build: 1}, 200, 100, 100)
	assert.Less(t, g.kp[kLShoulder][0], g.kp[kRShoulder][0])
	assert.Equal(t, [numKeypoints]bool{}, f.turnedAway, "facing the camera, every face mark is labelled")
	for _, k := range []int{kNose, kLEye, kREye} {
		assert.True(t, g.turnedAway[k], "seen from behind, face mark %d is unlabelled", k)
	}
	assert.False(t, g.turnedAway[kLEar] || g.turnedAway[kREar], "the ears show from behind")
}

func TestFigureNearSideBrighter(t *testing.T) {
	// In profile, the limbs of the side nearer the camera are brighter, for
	// either profile: the cue does not depend on which side is the left.
	for _, yaw := range []float64{70, -70} {
		p := pose{yaw: yaw, lengths: [6]float64{1, 1, 1, 1, 1, 1}}
		f := buildFigure(p, style{build: 1, shirt: color.RGBA{100, 100, 100, 255}}, 200, 100, 100)
		var arms [2]part
		for _, pt := range f.parts {
			for s := range 2 {
				if len(pt.joints) == 2 && pt.joints[0] == kPair(kLShoulder, s) && pt.joints[1] == kPair(kLElbow, s) {
					arms[s] = pt
				}
			}
		}
		near, far := arms[0], arms[1]
		if near.depth < far.depth {
			near, far = far, near
		}
		assert.Greater(t, near.color.R, far.color.R+30, "yaw %v: near arm %v, far arm %v", yaw, near.color, far.color)
	}
}

func dist(a, b [2]float64) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func TestLimbContour(t *testing.T) {
	// An arm in the shirt's colour across the torso: without its contour the
	// image would not show it. The arm is two capsules of one limb (upper
	// arm and forearm) meeting at a straight elbow, where no seam may show.
	c := newCanvas(64, 48)
	defer c.close()
	c.img.SetTo(gocv.NewScalar(0, 0, 0, 0))
	shirt := color.RGBA{R: 200, G: 160, B: 120, A: 255}
	f := figure{parts: []part{
		{kind: quad, pts: [4][2]float64{{8, 8}, {56, 8}, {56, 40}, {8, 40}}, color: shirt},
		{kind: capsule, pts: [4][2]float64{{14, 24}, {32, 24}}, w0: 9, w1: 9, color: shirt, depth: 1, limb: armLimb},
		{kind: capsule, pts: [4][2]float64{{32, 24}, {50, 24}}, w0: 9, w1: 9, color: shirt, depth: 1, limb: armLimb},
	}}
	c.drawFigure(&f, 1)
	red := func(x, y int) uint8 { return c.img.GetVecbAt(y, x)[2] } // BGR
	for x := 12; x <= 52; x++ {
		require.Equal(t, shirt.R, red(x, 24), "x %d: along the arm's axis, the elbow included, the fill shows", x)
	}
	for _, x := range []int{20, 32, 44} {
		darkest := shirt.R
		for y := 14; y <= 34; y++ {
			darkest = min(darkest, red(x, y))
		}
		assert.InDelta(t, float64(shirt.R)*rimTone, float64(darkest), 2, "x %d: the arm's edge is a dark contour", x)
	}
	assert.Equal(t, shirt.R, red(20, 12), "the torso away from the arm")
	assert.Equal(t, shirt.R, red(9, 9), "no contour at the torso's own edge")
}

// TestRegenerateInterrupted: a run into a folder that holds a set removes the
// old annotations before it replaces any image, so an interrupted run leaves
// no annotations that disagree with the images; a complete run leaves no
// temporary files.
func TestRegenerateInterrupted(t *testing.T) {
	dir := t.TempDir()
	opt := Options{Out: dir, Train: 3, Val: 2, Seed: 1, Width: 96, Height: 64}
	_, err := Generate(context.Background(), opt)
	require.NoError(t, err)
	entries, err := os.ReadDir(filepath.Join(dir, "annotations"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"person_keypoints_train.json", "person_keypoints_val.json"}, names)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opt.Seed = 2
	_, err = Generate(ctx, opt)
	require.ErrorIs(t, err, context.Canceled)
	for _, split := range []string{"train", "val"} {
		_, err := os.Stat(annotationPath(dir, split))
		assert.ErrorIs(t, err, os.ErrNotExist, split)
	}
}
