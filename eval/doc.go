// Package eval implements COCO keypoint evaluation (object keypoint
// similarity, AP and AR) with the exact semantics and float64 arithmetic of
// pycocotools' COCOeval(iouType="keypoints"), and the top-down
// post-processing that comes before it: SimpleBaseline's rescoring and
// OKS-NMS.
//
// Specification: the COCO keypoint evaluation page
// (https://cocodataset.org/#keypoints-eval) and pycocotools' cocoeval.py,
// whose behaviour is the reference, quirks included.
//
// # What is reproduced
//
//   - OKS per (detection, ground truth): mean over labelled keypoints of
//     exp(-d²/(2·(area+ε)·(2σ)²)), with the ground truth's segment area; a
//     ground truth with no labelled keypoint measures each detected keypoint's
//     distance to its box grown by the box size on every side.
//   - Detections per image and category: sorted by score with a stable sort
//     (ties keep file order) and cut to MaxDets (20) before OKS and matching.
//   - A detection's area, which decides its area range when unmatched, is the
//     extent of all its keypoints, (max x - min x)·(max y - min y); if the
//     first result of the file has a bbox, every result's area is bbox w·h.
//   - Ground truths are ignored when crowd, when num_keypoints is 0, or when
//     their area falls outside the range (bounds inclusive: all [0, 1e10],
//     medium [32², 96²], large [96², 1e10]; no small range). Crowds can
//     absorb any number of detections, which are then ignored. The "ignore"
//     field of an annotation is not read, as in pycocotools.
//   - Greedy matching per OKS threshold linspace(.5, .95, 10), precision at
//     recall points linspace(0, 1, 101) (numpy's linspace arithmetic), the
//     precision envelope, np.spacing(1) in the precision denominator, -1 for
//     any setting without ground truth, and numpy's pairwise summation for
//     the means. A match to a ground truth with id 0 counts as unmatched,
//     as in pycocotools.
//
// The ten numbers agree with pycocotools to within 1e-12; on the committed
// fixtures and the COCO-val-sized benchmark they agree to the last bit. The
// only arithmetic that can differ is exp: numpy 1.24 on AVX-512 machines uses
// its own SIMD exp, which differs from Go's math.Exp by up to 2 ulp on about a
// quarter of arguments, so an OKS may differ by ~1e-16, and a summary number
// only if such an OKS sits within that of a threshold.
//
// # Beyond pycocotools
//
// Summary.PerKeypoint gives each keypoint's mean similarity over matched
// pairs (see KeypointStat); Summary.Errors says what goes wrong, classing
// every labelled keypoint good, jitter, inversion, swap or miss (Ronchi and
// Perona's error classes, see ErrorKind), for visible and hidden keypoints
// apart; RunInfo records how a results file was made; and an empty result
// list evaluates (to 0 and -1) instead of failing.
//
// # Errors
//
// Everything read from files returns an error naming the file and the
// place: malformed JSON (line and column), results on an image id that is
// not in the ground truth, keypoint arrays of the wrong length (result
// index or annotation id), NaN and infinite values. Keypoint-length
// mismatches in direct calls to OKS or OKSNMS are programmer errors and
// panic.
//
// # Example
//
//	gt, err := eval.LoadGroundTruth("person_keypoints_val2017.json")
//	res, err := eval.LoadResults("results.json", gt)
//	p := eval.DefaultParams()
//	s, err := eval.Evaluate(gt, res, p)
//	fmt.Println(s.Stats[0]) // AP
package eval
