package eval

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"github.com/dypose/dypose/internal/parallel"
)

// Per-detection outcome flags at one (area range, OKS threshold).
const (
	flagTP = 1 << iota // matched to a non-ignored ground truth (with a non-zero id)
	flagFP             // unmatched and not ignored
	// neither flag: ignored (matched to an ignored ground truth, or
	// unmatched and outside the area range)
)

// imgEval is the evaluation of one (category, image) cell: pycocotools'
// evaluateImg for every area range at once.
type imgEval struct {
	scores []float64 // D detection scores, highest first (D <= MaxDets)
	flags  []uint8   // [A][T][D] flagTP / flagFP
	npig   []int     // [A] ground truths not ignored
	// pairs are the (result, annotation) index pairs matched at the
	// per-keypoint setting (first OKS threshold, area range "all").
	pairs [][2]int32
	// diagPairs are the pairs matched at DiagnoseOKS in area range "all".
	diagPairs [][2]int32
}

// evaluator holds the ground truth and results grouped by (category, image).
type evaluator struct {
	gt     *GroundTruth
	res    []Result
	p      Params
	vars   []float64
	imgIDs []int64 // sorted unique image ids
	catIDs []int64 // sorted unique category ids
	// cells are the (category, image) pairs that hold a ground truth or a
	// result, by category then image. The other pairs evaluate to nothing
	// (pycocotools' None), and leaving them out keeps memory linear in the
	// input when a file lists many images and many categories.
	cells   []cell
	ownAnns bool      // gt is a copy whose annotations index may edit (unlabelled)
	dtArea  []float64 // per result, as loadRes derives it
	skipped int       // results whose category is not in the ground truth
	pkArea  int       // area-range index of the per-keypoint statistics
}

// cell is one (category, image) pair: indices into catIDs and imgIDs, and
// its annotations and results (indices into gt.Annotations and res, file
// order).
type cell struct {
	cat, img int
	gts, dts []int32
}

// Evaluate runs COCO keypoint evaluation of results against gt with
// pycocotools' semantics (COCOeval(iouType="keypoints"): evaluate,
// accumulate, summarize) and returns the ten summary numbers with the
// per-keypoint statistics. Images are evaluated in parallel.
//
// The evaluated images and categories are those listed in gt; results of
// another category are skipped (Summary.SkippedResults), as pycocotools
// does, while results on an image not in gt are an error, as pycocotools
// asserts. An empty result list is valid: every range with ground truth
// scores 0, every other -1.
func Evaluate(gt *GroundTruth, results []Result, p Params) (*Summary, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	k := len(p.Sigmas)
	if err := CheckResults(gt, results, k); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	e := &evaluator{gt: gt, res: results, p: p, vars: oksVars(p.Sigmas)}
	if err := e.index(); err != nil {
		return nil, err
	}
	evals := e.evaluateAll()
	s := e.accumulate(evals)
	s.PerKeypoint = e.perKeypoint(evals)
	s.Errors = e.diagnosis(evals)
	return s, nil
}

// index sorts the ids and groups annotations and results per (category,
// image), in file order, the way pycocotools' _prepare does.
func (e *evaluator) index() error {
	e.imgIDs = uniqueSorted(len(e.gt.Images), func(i int) int64 { return e.gt.Images[i].ID })
	e.catIDs = uniqueSorted(len(e.gt.Categories), func(i int) int64 { return e.gt.Categories[i].ID })
	imgIdx := make(map[int64]int, len(e.imgIDs))
	for i, id := range e.imgIDs {
		imgIdx[id] = i
	}
	catIdx := make(map[int64]int, len(e.catIDs))
	for i, id := range e.catIDs {
		catIdx[id] = i
	}
	nImg := len(e.imgIDs)
	cellAt := make(map[int]int) // c*nImg+ii → index in e.cells
	cellOf := func(c, ii int) int {
		n, ok := cellAt[c*nImg+ii]
		if !ok {
			n = len(e.cells)
			cellAt[c*nImg+ii] = n
			e.cells = append(e.cells, cell{cat: c, img: ii})
		}
		return n
	}
	k := len(e.p.Sigmas)
	for i := range e.gt.Annotations {
		a := &e.gt.Annotations[i]
		ii, okI := imgIdx[a.ImageID]
		c, okC := catIdx[a.CategoryID]
		if !okI || !okC {
			continue
		}
		if len(a.Keypoints) == 0 {
			a = e.unlabelled(i)
		}
		if len(a.Keypoints) != 3*k {
			where := "eval: "
			if e.gt.Path != "" {
				where += "ground truth " + e.gt.Path + ": "
			}
			return fmt.Errorf("%sannotation id %d: %d keypoint values, want %d (%d sigmas)", where, a.ID, len(a.Keypoints), 3*k, k)
		}
		n := cellOf(c, ii)
		e.cells[n].gts = append(e.cells[n].gts, int32(i))
	}
	useBbox := bboxAreas(e.res)
	e.dtArea = make([]float64, len(e.res))
	for i := range e.res {
		r := &e.res[i]
		e.dtArea[i] = resultArea(r, useBbox)
		c, ok := catIdx[r.CategoryID]
		if !ok {
			e.skipped++
			continue
		}
		ii := imgIdx[r.ImageID] // present: CheckResults passed
		n := cellOf(c, ii)
		e.cells[n].dts = append(e.cells[n].dts, int32(i))
	}
	slices.SortFunc(e.cells, func(a, b cell) int { return cmp.Or(cmp.Compare(a.cat, b.cat), cmp.Compare(a.img, b.img)) })
	e.pkArea = 0
	for a, r := range e.p.AreaRanges {
		if r.Label == "all" {
			e.pkArea = a
			break
		}
	}
	return nil
}

// uniqueSorted returns the sorted distinct values of id(0..n-1).
// unlabelled gives annotation i, written as "keypoints": [], K unlabelled
// keypoints (all zeros), as pycocotools reads it: no v > 0, so its OKS is
// by box distance. The change goes into the evaluator's own copy of the
// annotations; the caller's ground truth is left as it was.
func (e *evaluator) unlabelled(i int) *Annotation {
	if !e.ownAnns {
		g := *e.gt
		g.Annotations = slices.Clone(g.Annotations)
		e.gt, e.ownAnns = &g, true
	}
	a := &e.gt.Annotations[i]
	a.Keypoints = make([]float64, 3*len(e.p.Sigmas))
	return a
}

func uniqueSorted(n int, id func(int) int64) []int64 {
	v := make([]int64, n)
	for i := range v {
		v[i] = id(i)
	}
	slices.Sort(v)
	return slices.Compact(v)
}

// evaluateAll evaluates every cell (evals[i] is e.cells[i]'s), cells split
// across goroutines; each writes only its own cells' entries.
func (e *evaluator) evaluateAll() []*imgEval {
	evals := make([]*imgEval, len(e.cells))
	const minCellsPerWorker = 64
	parallel.For(len(e.cells), minCellsPerWorker, func(lo, hi int) {
		var w workspace
		for i := lo; i < hi; i++ {
			evals[i] = e.evaluateImg(&w, &e.cells[i])
		}
	})
	return evals
}

// workspace is one goroutine's scratch, reused across images.
type workspace struct {
	order []int32   // detections, highest score first
	ious  []float64 // D×G OKS matrix, row per detection
	e     []float64 // OKS exponent scratch, K values
	gtOrd []int     // ground truths, non-ignored first
	gtIg  []bool    // ignore flag, in gtOrd order
	gtm   []bool    // ground truth matched at this threshold
	dtm   []int64   // id of the matched ground truth (0: none)
	dtIg  []bool
	dtOut []bool // detection outside the area range
	dtPos []int  // position in gts of the matched ground truth
}

// sortedDets returns detections dts sorted by score, highest first, ties
// kept in file order (numpy's stable mergesort on -score), and cut to
// MaxDets.
func (e *evaluator) sortedDets(w *workspace, dts []int32) []int32 {
	w.order = append(w.order[:0], dts...)
	slices.SortStableFunc(w.order, func(a, b int32) int {
		return cmp.Compare(e.res[b].Score, e.res[a].Score)
	})
	if len(w.order) > e.p.MaxDets {
		w.order = w.order[:e.p.MaxDets]
	}
	return w.order
}

// oksMatrix fills w.ious with the OKS of every sorted detection (rows)
// against every ground truth (columns, file order): computeOks.
func (e *evaluator) oksMatrix(w *workspace, dts, gts []int32) []float64 {
	d, g := len(dts), len(gts)
	w.ious = slices.Grow(w.ious[:0], d*g)[:d*g]
	if len(w.e) < len(e.vars) {
		w.e = make([]float64, len(e.vars))
	}
	for i, di := range dts {
		row := w.ious[i*g : (i+1)*g]
		dt := e.res[di].Keypoints
		for j, gi := range gts {
			row[j] = oks(w.e, dt, &e.gt.Annotations[gi], e.vars)
		}
	}
	return w.ious
}

// evaluateImg is pycocotools' computeOks + evaluateImg for one (category,
// image) cell and every area range.
func (e *evaluator) evaluateImg(w *workspace, c *cell) *imgEval {
	gts := c.gts
	dts := e.sortedDets(w, c.dts)
	G, D := len(gts), len(dts)
	T, A := len(e.p.OKSThresholds), len(e.p.AreaRanges)
	var ious []float64
	if G > 0 && D > 0 {
		ious = e.oksMatrix(w, dts, gts)
	}
	out := &imgEval{
		scores: make([]float64, D),
		flags:  make([]uint8, A*T*D),
		npig:   make([]int, A),
	}
	for i, di := range dts {
		out.scores[i] = e.res[di].Score
	}
	w.gtOrd = slices.Grow(w.gtOrd[:0], G)[:G]
	w.gtIg = slices.Grow(w.gtIg[:0], G)[:G]
	w.gtm = slices.Grow(w.gtm[:0], G)[:G]
	w.dtm = slices.Grow(w.dtm[:0], D)[:D]
	w.dtIg = slices.Grow(w.dtIg[:0], D)[:D]
	w.dtOut = slices.Grow(w.dtOut[:0], D)[:D]
	w.dtPos = slices.Grow(w.dtPos[:0], D)[:D]
	for a, rng := range e.p.AreaRanges {
		// Ground truths: ignored when crowd, without labelled keypoints or
		// outside the range; sorted non-ignored first, stable.
		ign := func(gi int32) bool {
			g := &e.gt.Annotations[gi]
			return g.ignored() || g.Area < rng.Lo || g.Area > rng.Hi
		}
		n := 0
		for j, gi := range gts {
			if !ign(gi) {
				w.gtOrd[n] = j
				n++
			}
		}
		out.npig[a] = n
		for j, gi := range gts {
			if ign(gi) {
				w.gtOrd[n] = j
				n++
			}
		}
		for j := range w.gtIg {
			w.gtIg[j] = j >= out.npig[a]
		}
		for i, di := range dts {
			ar := e.dtArea[di]
			w.dtOut[i] = ar < rng.Lo || ar > rng.Hi
		}
		for t, thr := range e.p.OKSThresholds {
			e.rematch(w, ious, gts, G, D, thr)
			fl := out.flags[(a*T+t)*D : (a*T+t+1)*D]
			for i := range D {
				ig := w.dtIg[i] || (w.dtm[i] == 0 && w.dtOut[i])
				switch {
				case ig:
				case w.dtm[i] != 0:
					fl[i] = flagTP
				default:
					fl[i] = flagFP
				}
			}
			if a == e.pkArea && t == 0 {
				out.pairs = e.pairsAt(w, out.pairs, dts, gts, fl)
			}
		}
		if a == e.pkArea && ious != nil {
			e.rematch(w, ious, gts, G, D, DiagnoseOKS)
			for i, di := range dts {
				if w.dtm[i] != 0 && !w.dtIg[i] {
					out.diagPairs = append(out.diagPairs, [2]int32{di, gts[w.dtPos[i]]})
				}
			}
		}
	}
	return out
}

// rematch clears the previous matching's state and matches at thr (no
// results or no ground truths: nothing matched).
func (e *evaluator) rematch(w *workspace, ious []float64, gts []int32, G, D int, thr float64) {
	clear(w.gtm)
	clear(w.dtm)
	clear(w.dtIg)
	if ious != nil {
		e.match(w, ious, gts, G, D, thr)
	}
}

// match is pycocotools' greedy matching at one threshold: each detection,
// best score first, takes the ground truth with the highest OKS >= thr
// (a later one on ties) that is not yet matched (crowds can be matched
// again), preferring non-ignored ground truths: once matched to one, the
// scan stops at the first ignored ground truth.
func (e *evaluator) match(w *workspace, ious []float64, gts []int32, G, D int, thr float64) {
	for i := range D {
		best := min(thr, 1-1e-10)
		m := -1
		row := ious[i*G : (i+1)*G]
		for j, o := range w.gtOrd {
			if w.gtm[j] && !e.gt.Annotations[gts[o]].IsCrowd {
				continue
			}
			if m > -1 && !w.gtIg[m] && w.gtIg[j] {
				break
			}
			if row[o] < best {
				continue
			}
			best = row[o]
			m = j
		}
		if m == -1 {
			continue
		}
		w.dtIg[i] = w.gtIg[m]
		w.dtm[i] = e.gt.Annotations[gts[w.gtOrd[m]]].ID
		w.dtPos[i] = w.gtOrd[m]
		w.gtm[m] = true
	}
}

// pairsAt appends the (result, annotation) pair of each true positive.
func (e *evaluator) pairsAt(w *workspace, pairs [][2]int32, dts, gts []int32, fl []uint8) [][2]int32 {
	for i, di := range dts {
		if fl[i] == flagTP {
			pairs = append(pairs, [2]int32{di, gts[w.dtPos[i]]})
		}
	}
	return pairs
}

// accumulate is pycocotools' accumulate followed by summarize.
func (e *evaluator) accumulate(evals []*imgEval) *Summary {
	p := e.p
	T, R, K, A := len(p.OKSThresholds), len(p.RecallThresholds), len(e.catIDs), len(p.AreaRanges)
	s := &Summary{
		Params:         p,
		CategoryIDs:    e.catIDs,
		NumImages:      len(e.imgIDs),
		NumResults:     len(e.res),
		SkippedResults: e.skipped,
		Precision:      filled(T*R*K*A, -1),
		Recall:         filled(T*K*A, -1),
	}
	var (
		scores []float64
		order  []int
		rc, pr []float64
	)
	// A category's cells are consecutive, in image order: pycocotools'
	// concatenation order, which breaks score ties.
	for lo, hi := 0, 0; lo < len(evals); lo = hi {
		k := e.cells[lo].cat
		hi = lo + 1
		for hi < len(evals) && e.cells[hi].cat == k {
			hi++
		}
		E := evals[lo:hi]
		scores = scores[:0]
		for _, ev := range E {
			scores = append(scores, ev.scores...)
		}
		nd := len(scores)
		order = slices.Grow(order[:0], nd)[:nd]
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
		rc = slices.Grow(rc[:0], nd)[:nd]
		pr = slices.Grow(pr[:0], nd)[:nd]
		cat := make([]uint8, nd)
		for a := range A {
			npig := 0
			for _, ev := range E {
				npig += ev.npig[a]
			}
			if npig == 0 {
				continue
			}
			for t := range T {
				// Concatenate this (area, threshold)'s flags over images.
				off := 0
				for _, ev := range E {
					d := len(ev.scores)
					copy(cat[off:off+d], ev.flags[(a*T+t)*d:(a*T+t+1)*d])
					off += d
				}
				tp, fp := 0, 0
				for i, o := range order {
					switch cat[o] {
					case flagTP:
						tp++
					case flagFP:
						fp++
					}
					ftp, ffp := float64(tp), float64(fp)
					rc[i] = ftp / float64(npig)
					pr[i] = ftp / (ffp + ftp + eps)
				}
				ri := (t*K+k)*A + a
				if nd > 0 {
					s.Recall[ri] = rc[nd-1]
				} else {
					s.Recall[ri] = 0
				}
				// Precision envelope: make pr non-increasing from the right.
				for i := nd - 1; i > 0; i-- {
					if pr[i] > pr[i-1] {
						pr[i-1] = pr[i]
					}
				}
				for r, thr := range p.RecallThresholds {
					// np.searchsorted(rc, thr, side="left"); past the end
					// the remaining recall points keep precision 0.
					q := 0.0
					if i := sort.SearchFloat64s(rc[:nd], thr); i < nd {
						q = pr[i]
					} else {
						for r2 := r; r2 < R; r2++ {
							s.Precision[((t*R+r2)*K+k)*A+a] = 0
						}
						break
					}
					s.Precision[((t*R+r)*K+k)*A+a] = q
				}
			}
		}
	}
	s.summarize()
	return s
}

func filled(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// perKeypoint computes the mean keypoint similarity of each keypoint over
// the matched pairs, in image order.
func (e *evaluator) perKeypoint(evals []*imgEval) []KeypointStat {
	k := len(e.vars)
	names := e.gt.KeypointNames(k)
	stats := make([]KeypointStat, k)
	sums := make([]float64, k)
	for j := range stats {
		stats[j].Name = names[j]
	}
	for _, ev := range evals {
		for _, pr := range ev.pairs {
			dt := e.res[pr[0]].Keypoints
			g := &e.gt.Annotations[pr[1]]
			for j := range k {
				if g.Keypoints[3*j+2] <= 0 {
					continue
				}
				sums[j] += e.keypointSimilarity(dt, j, g, j)
				stats[j].Labelled++
			}
		}
	}
	for j := range stats {
		if stats[j].Labelled > 0 {
			stats[j].MeanSimilarity = sums[j] / float64(stats[j].Labelled)
		} else {
			stats[j].MeanSimilarity = -1
		}
	}
	return stats
}
