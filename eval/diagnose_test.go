package eval

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With σ = 0.05 and area 10000 a keypoint's similarity is exp(-d²/200):
// good up to d = 5.7 pixels, jitter up to 11.8.
const diagnoseGT = `{
  "images": [{"id": 1}, {"id": 2}],
  "categories": [{"id": 1, "name": "person", "keypoints": ["nose", "left_eye", "right_eye", "neck", "foot"],
                  "sigmas": [0.05, 0.05, 0.05, 0.05, 0.05]}],
  "annotations": [
    {"id": 1, "image_id": 1, "category_id": 1, "area": 10000, "bbox": [90, 90, 100, 220], "iscrowd": 0, "num_keypoints": 5,
     "keypoints": [100, 100, 2, 120, 100, 2, 160, 100, 1, 100, 200, 2, 100, 300, 2]},
    {"id": 2, "image_id": 1, "category_id": 1, "area": 10000, "bbox": [290, 90, 100, 220], "iscrowd": 0, "num_keypoints": 5,
     "keypoints": [300, 100, 2, 320, 100, 2, 360, 100, 2, 300, 200, 2, 300, 300, 2]},
    {"id": 3, "image_id": 1, "category_id": 1, "area": 900, "bbox": [0, 0, 30, 30], "iscrowd": 1, "num_keypoints": 0,
     "keypoints": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]},
    {"id": 4, "image_id": 2, "category_id": 1, "area": 10000, "bbox": [90, 90, 100, 220], "iscrowd": 0, "num_keypoints": 2,
     "keypoints": [100, 100, 2, 0, 0, 0, 0, 0, 0, 100, 200, 1, 0, 0, 0]}
  ]}`

func TestDiagnosis(t *testing.T) {
	gt, err := ParseGroundTruth([]byte(diagnoseGT))
	require.NoError(t, err)
	res := []Result{
		// Person 1: nose 2 px off (good), left eye 8 px off (jitter), the
		// hidden right eye on the left eye (inversion), the neck on person
		// 2's neck (swap), the foot far from everything (miss).
		{ImageID: 1, CategoryID: 1, Score: 0.9, Keypoints: []float64{102, 100, 1, 128, 100, 1, 121, 100, 1, 300, 201, 1, 500, 500, 1}},
		// Person 2: exact, with a lower score, so person 1's detection is
		// matched first and must not take person 2.
		{ImageID: 1, CategoryID: 1, Score: 0.5, Keypoints: []float64{300, 100, 1, 320, 100, 1, 360, 100, 1, 300, 200, 1, 300, 300, 1}},
		// Person 4 (image 2): every keypoint far off, OKS below DiagnoseOKS, so unpaired.
		{ImageID: 2, CategoryID: 1, Score: 0.8, Keypoints: []float64{400, 400, 1, 0, 0, 0, 0, 0, 0, 400, 500, 1, 0, 0, 0}},
	}
	p := DefaultParams()
	p.Sigmas, err = gt.Sigmas()
	require.NoError(t, err)
	s, err := Evaluate(gt, res, p)
	require.NoError(t, err)
	d := s.Errors
	require.NotNil(t, d)
	assert.Equal(t, 3, d.People, "the crowd does not count")
	assert.Equal(t, 1, d.Unmatched)

	type counts struct{ hidden, visible [NumErrorKinds]int }
	want := map[string]counts{
		"nose":      {visible: [NumErrorKinds]int{Good: 2}},
		"left_eye":  {visible: [NumErrorKinds]int{Jitter: 1, Good: 1}},
		"right_eye": {hidden: [NumErrorKinds]int{Inversion: 1}, visible: [NumErrorKinds]int{Good: 1}},
		"neck":      {visible: [NumErrorKinds]int{Swap: 1, Good: 1}},
		"foot":      {visible: [NumErrorKinds]int{Miss: 1, Good: 1}},
	}
	require.Len(t, d.Keypoints, 5)
	for _, kp := range d.Keypoints {
		w, ok := want[kp.Name]
		require.True(t, ok, kp.Name)
		assert.Equal(t, w.hidden, kp.Hidden, "%s hidden", kp.Name)
		assert.Equal(t, w.visible, kp.Visible, "%s visible", kp.Name)
		assert.Equal(t, 2, kp.Labelled(), kp.Name)
	}

	var b bytes.Buffer
	require.NoError(t, s.WriteErrors(&b))
	out := b.String()
	assert.Contains(t, out, "over 3 people, area all, paired at OKS >= 0.10 (1 unpaired)")
	assert.Contains(t, out, " all                     10     60.0%     10.0%     10.0%     10.0%     10.0%\n")
	assert.Contains(t, out, " hidden (v=1)             1      0.0%      0.0%    100.0%      0.0%      0.0%\n")
}

func TestWriteErrorsWithoutDiagnosis(t *testing.T) {
	err := (&Summary{}).WriteErrors(&bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no error diagnosis")
}

func TestMirrorJoints(t *testing.T) {
	names := []string{"nose", "left_eye", "right_eye", "left_foot", "leftover", "right_knee"}
	assert.Equal(t, []int{-1, 2, 1, -1, -1, -1}, mirrorJoints(names))
}

func TestErrorKindString(t *testing.T) {
	assert.Equal(t, "inversion", Inversion.String())
	assert.Equal(t, "ErrorKind(7)", ErrorKind(7).String())
}
