package eval

import (
	"fmt"
	"io"
	"strconv"
)

// PeopleGroup is the evaluation of the images that hold the same number of
// people (ByPeople).
type PeopleGroup struct {
	// People is the number of people each image of the group holds; in
	// the last group, at least this many (Open).
	People int
	Open   bool
	// Images and Persons count the group's images and the people in them.
	Images, Persons int
	Summary         *Summary
}

// Label is the group's name in tables: "3", or "5+" for the open group.
func (g PeopleGroup) Label() string {
	if g.Open {
		return strconv.Itoa(g.People) + "+"
	}
	return strconv.Itoa(g.People)
}

// ByPeople evaluates the images grouped by how many people they hold: the
// annotations that count in the evaluation (not crowd regions, at least one
// labelled keypoint, a category of gt). Images holding maxGroup people or
// more form the last group, and images with nobody to find are left out.
// Each group is evaluated as pycocotools does with params.imgIds set to its
// images, so a crowded scene's AP is not averaged away by the many easy
// ones (much as CrowdPose splits its AP by a crowd index).
func ByPeople(gt *GroundTruth, results []Result, p Params, maxGroup int) ([]PeopleGroup, error) {
	if maxGroup < 1 {
		return nil, fmt.Errorf("eval: by people: largest group %d, want at least 1", maxGroup)
	}
	if err := CheckResults(gt, results, len(p.Sigmas)); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	people := make(map[int64]int, len(gt.Images))
	most := 0
	for i := range gt.Annotations {
		a := &gt.Annotations[i]
		if !a.ignored() && gt.HasImage(a.ImageID) && gt.HasCategory(a.CategoryID) {
			people[a.ImageID]++
			most = max(most, people[a.ImageID])
		}
	}
	// Groups above the most crowded image would be empty: a large MAX
	// costs nothing.
	n := min(maxGroup, most)
	group := func(id int64) int { return min(people[id], maxGroup) } // 0: nobody
	groups := make([]PeopleGroup, n+1)
	for k := range groups {
		groups[k] = PeopleGroup{People: k, Open: k == maxGroup}
	}
	for _, im := range gt.Images {
		g := &groups[group(im.ID)]
		g.Images++
		g.Persons += people[im.ID]
	}
	// The whole list decides where areas come from (bboxAreas), not each
	// group's first result.
	useBbox := bboxAreas(results)
	res := make([][]Result, n+1)
	for _, r := range results {
		if !useBbox {
			r.Bbox = nil
		}
		k := group(r.ImageID)
		res[k] = append(res[k], r)
	}
	out := make([]PeopleGroup, 0, n)
	for k := 1; k <= n; k++ {
		g := groups[k]
		if g.Images == 0 {
			continue
		}
		sub := gt.Subset(func(id int64) bool { return group(id) == k })
		s, err := Evaluate(sub, res[k], p)
		if err != nil {
			return nil, fmt.Errorf("eval: images with %s people: %w", g.Label(), err)
		}
		g.Summary = s
		out = append(out, g)
	}
	return out, nil
}

// Subset returns the ground truth of the images for which keep is true:
// their images and annotations in file order, every category (shared with
// g, not copied: neither is modified after parsing).
func (g *GroundTruth) Subset(keep func(imageID int64) bool) *GroundTruth {
	sub := &GroundTruth{
		Categories: g.Categories,
		imageSet:   make(map[int64]struct{}),
		catSet:     g.catSet,
	}
	for _, im := range g.Images {
		if keep(im.ID) {
			sub.Images = append(sub.Images, im)
			sub.imageSet[im.ID] = struct{}{}
		}
	}
	for _, a := range g.Annotations {
		if sub.HasImage(a.ImageID) {
			sub.Annotations = append(sub.Annotations, a)
		}
	}
	return sub
}

// WritePeopleGroups prints one line per group: its images and people, AP,
// AP50 and AP75 (area all).
func WritePeopleGroups(w io.Writer, groups []PeopleGroup) error {
	if _, err := fmt.Fprintf(w, "AP of the images grouped by the people they hold (non-crowd, with labelled keypoints)\n%7s %7s %7s %7s %7s %7s\n",
		"group", "images", "people", "AP", "AP50", "AP75"); err != nil {
		return err
	}
	for _, g := range groups {
		st := g.Summary.Stats // AP, AP50, AP75 first (StatNames)
		if _, err := fmt.Fprintf(w, "%7s %7d %7d %7.3f %7.3f %7.3f\n", g.Label(), g.Images, g.Persons,
			st[0], st[1], st[2]); err != nil {
			return err
		}
	}
	return nil
}
