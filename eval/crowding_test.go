package eval

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Image 1 holds one person; images 2 and 3 two each (image 2 also a crowd
// region and a person without labelled keypoints, neither of which counts);
// image 4 nobody.
const crowdingGT = `{
  "images": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}],
  "categories": [{"id": 1, "name": "person", "keypoints": ["head", "foot"], "sigmas": [0.05, 0.05]}],
  "annotations": [
    {"id": 1, "image_id": 1, "category_id": 1, "area": 10000, "bbox": [90, 90, 20, 220], "iscrowd": 0, "num_keypoints": 2,
     "keypoints": [100, 100, 2, 100, 300, 2]},
    {"id": 2, "image_id": 2, "category_id": 1, "area": 10000, "bbox": [90, 90, 20, 220], "iscrowd": 0, "num_keypoints": 2,
     "keypoints": [100, 100, 2, 100, 300, 2]},
    {"id": 3, "image_id": 2, "category_id": 1, "area": 10000, "bbox": [290, 90, 20, 220], "iscrowd": 0, "num_keypoints": 2,
     "keypoints": [300, 100, 2, 300, 300, 1]},
    {"id": 4, "image_id": 2, "category_id": 1, "area": 900, "bbox": [600, 600, 30, 30], "iscrowd": 1, "num_keypoints": 0,
     "keypoints": [0, 0, 0, 0, 0, 0]},
    {"id": 5, "image_id": 2, "category_id": 1, "area": 400, "bbox": [700, 700, 20, 20], "iscrowd": 0, "num_keypoints": 0,
     "keypoints": [0, 0, 0, 0, 0, 0]},
    {"id": 6, "image_id": 3, "category_id": 1, "area": 10000, "bbox": [90, 90, 20, 220], "iscrowd": 0, "num_keypoints": 2,
     "keypoints": [100, 100, 2, 100, 300, 2]},
    {"id": 7, "image_id": 3, "category_id": 1, "area": 10000, "bbox": [290, 90, 20, 220], "iscrowd": 0, "num_keypoints": 2,
     "keypoints": [300, 100, 2, 300, 300, 2]}
  ]}`

func TestByPeople(t *testing.T) {
	gt, err := ParseGroundTruth([]byte(crowdingGT))
	require.NoError(t, err)
	exact := func(img int64, x float64, score float64) Result {
		return Result{ImageID: img, CategoryID: 1, Score: score, Keypoints: []float64{x, 100, 1, x, 300, 1}}
	}
	// Everyone is found exactly except the second person of images 2 and
	// 3, whose detections (lower scores) land far from anybody.
	res := []Result{
		exact(1, 100, 0.9),
		exact(2, 100, 0.9), exact(2, 400, 0.5),
		exact(3, 100, 0.9), exact(3, 400, 0.5),
	}
	p := DefaultParams()
	p.Sigmas, err = gt.Sigmas()
	require.NoError(t, err)

	groups, err := ByPeople(gt, res, p, 2)
	require.NoError(t, err)
	require.Len(t, groups, 2, "image 4 holds nobody")
	assert.Equal(t, "1", groups[0].Label())
	assert.Equal(t, [2]int{1, 1}, [2]int{groups[0].Images, groups[0].Persons})
	assert.InDelta(t, 1.0, groups[0].Summary.Stats[0], 1e-12, "the lone person is found exactly")
	assert.Equal(t, "2+", groups[1].Label())
	assert.Equal(t, [2]int{2, 4}, [2]int{groups[1].Images, groups[1].Persons}, "the crowd and the unlabelled person do not count")
	// Two of four people found, by the two highest scores: precision 1 up
	// to recall 0.5, i.e. at 51 of the 101 recall points, at every OKS
	// threshold.
	assert.InDelta(t, 51.0/101, groups[1].Summary.Stats[0], 1e-12)

	whole, err := Evaluate(gt, res, p)
	require.NoError(t, err)
	assert.NotEqual(t, whole.Stats[0], groups[1].Summary.Stats[0], "a group is not the whole set")

	groups, err = ByPeople(gt, res, p, 5)
	require.NoError(t, err)
	require.Len(t, groups, 2, "empty groups are left out")
	assert.Equal(t, "2", groups[1].Label(), "not the open group")

	var b bytes.Buffer
	require.NoError(t, WritePeopleGroups(&b, groups))
	assert.Contains(t, b.String(), "      2       2       4   0.505   0.505   0.505\n")

	groups, err = ByPeople(gt, res, p, math.MaxInt)
	require.NoError(t, err, "groups above the most crowded image are never allocated")
	require.Len(t, groups, 2)
	assert.Equal(t, "2", groups[1].Label())

	_, err = ByPeople(gt, res, p, 0)
	assert.ErrorContains(t, err, "largest group 0")
	_, err = ByPeople(gt, append(res, exact(9, 100, 0.9)), p, 2)
	assert.ErrorContains(t, err, "image_id 9", "a result on an image the ground truth lacks")
}

// TestByPeopleAreaSource: whether areas come from bboxes is decided by the
// first result of the whole list, not by a group's first result. Here it
// has none, so the far, best-scored detection on image 2 has its
// keypoints' area, 1, and is ignored in area range large; its bbox would
// make it a false positive there, ranked above the true one.
func TestByPeopleAreaSource(t *testing.T) {
	gt, err := ParseGroundTruth([]byte(crowdingGT))
	require.NoError(t, err)
	p := DefaultParams()
	p.Sigmas, err = gt.Sigmas()
	require.NoError(t, err)
	res := []Result{
		{ImageID: 1, CategoryID: 1, Score: 0.9, Keypoints: []float64{100, 100, 1, 100, 300, 1}},
		{ImageID: 2, CategoryID: 1, Score: 0.8, Keypoints: []float64{100, 100, 1, 100, 300, 1}, Bbox: []float64{90, 90, 20, 220}},
		{ImageID: 2, CategoryID: 1, Score: 0.95, Keypoints: []float64{400, 100, 1, 401, 101, 1}, Bbox: []float64{0, 0, 1e3, 1e3}},
	}
	groups, err := ByPeople(gt, res, p, 2)
	require.NoError(t, err)
	noBbox := slices.Clone(res)
	for i := range noBbox {
		noBbox[i].Bbox = nil
	}
	want, err := ByPeople(gt, noBbox, p, 2)
	require.NoError(t, err)
	require.Len(t, groups, 2)
	require.Len(t, want, 2)
	for i := range want {
		assert.InDeltaSlice(t, want[i].Summary.Stats[:], groups[i].Summary.Stats[:], 0, "group %s", want[i].Label())
	}
}

func TestSubset(t *testing.T) {
	gt, err := ParseGroundTruth([]byte(crowdingGT))
	require.NoError(t, err)
	sub := gt.Subset(func(id int64) bool { return id == 2 })
	require.Len(t, sub.Images, 1)
	assert.True(t, sub.HasImage(2))
	assert.False(t, sub.HasImage(1))
	assert.True(t, sub.HasCategory(1))
	ids := make([]int64, len(sub.Annotations))
	for i, a := range sub.Annotations {
		ids[i] = a.ID
	}
	assert.Equal(t, []int64{2, 3, 4, 5}, ids, "every annotation of the image, in file order")
	assert.Len(t, gt.Images, 4, "the original is unchanged")
}
