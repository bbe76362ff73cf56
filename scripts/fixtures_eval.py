#!/usr/bin/env python3
"""Generate testdata/eval/: COCO keypoint GT/results pairs and pycocotools' answers.

Each case is a folder testdata/eval/<case>/ with gt.json, results.json and
expected.json ({"stats": the 10 numbers of COCOeval.summarize(), "sigmas": ...};
the "tiny" case also stores numpy's iouThrs/recThrs, the per-image OKS matrices
and the accumulated precision/recall arrays). Every case is drawn from a seeded
numpy RandomState, so re-running gives the same files.

pycocotools has no pip here: point --pycoco at a folder holding the
`pycocotools` package from github.com/cocodataset/cocoapi (PythonAPI/pycocotools,
unbuilt). Its Cython `_mask` and matplotlib are replaced by empty stub modules
(keypoint evaluation never touches masks), and numpy >= 1.24's missing np.float
is aliased to float (what it always was).

    /usr/bin/python3 scripts/fixtures_eval.py --pycoco /tmp/pycoco --out testdata/eval
"""
import argparse
import contextlib
import io
import json
import os
import sys
import types

import numpy as np

COCO_KP = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
           "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
           "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
COCO_SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62,
                        1.07, 1.07, .87, .87, .89, .89]) / 10.0


def import_pycocotools(path):
    """Imports pycocotools from path with stubs for its compiled/plotting deps."""
    for name in ["matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"]:
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["matplotlib.collections"].PatchCollection = None
    sys.modules["matplotlib.patches"].Polygon = None
    mask = types.ModuleType("pycocotools._mask")
    for fn in ("iou", "merge", "frPyObjects", "encode", "decode", "area", "toBbox"):
        setattr(mask, fn, None)  # mask.py binds these names; keypoints never call them
    sys.modules.setdefault("pycocotools._mask", mask)
    if not hasattr(np, "float"):
        np.float = float
    sys.path.insert(0, path)
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    return COCO, COCOeval


class Gen:
    """Seeded builders for images, persons and detections."""

    def __init__(self, seed, k=17, decimals=2):
        self.rng = np.random.RandomState(seed)
        self.k = k
        self.dec = decimals
        self.images, self.anns, self.res = [], [], []
        self.next_ann = 1

    def r(self, v):
        return float(round(float(v), self.dec)) if self.dec is not None else float(v)

    def image(self, iid):
        self.images.append({"id": iid, "file_name": "%012d.jpg" % iid, "width": 640, "height": 480})
        return iid

    def person(self, iid, cx, cy, size, pvis=0.8, cat=1, crowd=False, nolabel=False, **extra):
        """Adds a GT person of about size px height centred at (cx, cy)."""
        rng, kp, lab = self.rng, [], []
        for j in range(self.k):
            x = cx + rng.uniform(-0.3, 0.3) * size
            y = cy + (j / self.k - 0.5) * size + rng.normal() * 0.05 * size
            v = 0 if nolabel or crowd else (2 if rng.rand() < pvis else (1 if rng.rand() < 0.3 else 0))
            if v == 0:
                x = y = 0.0
            else:
                lab.append((x, y))
            kp += [self.r(x), self.r(y), v]
        if lab:
            xs, ys = [p[0] for p in lab], [p[1] for p in lab]
            x0, y0 = min(xs) - 0.1 * size, min(ys) - 0.1 * size
            w, h = max(xs) - min(xs) + 0.2 * size, max(ys) - min(ys) + 0.2 * size
        else:
            w, h = 0.5 * size, size
            x0, y0 = cx - w / 2, cy - h / 2
        ann = {"id": self.next_ann, "image_id": iid, "category_id": cat, "keypoints": kp,
               "num_keypoints": sum(1 for j in range(self.k) if kp[3 * j + 2] > 0),
               "bbox": [self.r(x0), self.r(y0), self.r(w), self.r(h)],
               "area": self.r(w * h * rng.uniform(0.4, 0.9)), "iscrowd": 1 if crowd else 0}
        ann.update(extra)
        self.next_ann += 1
        self.anns.append(ann)
        return ann

    def det_of(self, ann, noise, score=None, cat=None):
        """Adds a detection near GT ann: keypoint noise = noise * sqrt(area)."""
        rng, kp = self.rng, []
        s = max(ann["area"], 1.0) ** 0.5
        bx, by, bw, bh = ann["bbox"]
        for j in range(self.k):
            x, y, v = ann["keypoints"][3 * j:3 * j + 3]
            if v == 0:
                x, y = bx + rng.rand() * bw, by + rng.rand() * bh
            kp += [self.r(x + rng.normal() * noise * s), self.r(y + rng.normal() * noise * s),
                   self.r(rng.rand())]
        return self.add_det(ann["image_id"], kp, rng.rand() if score is None else score,
                            ann["category_id"] if cat is None else cat)

    def det_random(self, iid, size, score=None, cat=1):
        rng = self.rng
        cx, cy = rng.uniform(50, 590), rng.uniform(50, 430)
        kp = []
        for j in range(self.k):
            kp += [self.r(cx + rng.uniform(-0.3, 0.3) * size),
                   self.r(cy + (j / self.k - 0.5) * size + rng.normal() * 0.05 * size), self.r(rng.rand())]
        return self.add_det(iid, kp, rng.rand() if score is None else score, cat)

    def add_det(self, iid, kp, score, cat):
        d = {"image_id": iid, "category_id": cat, "keypoints": kp, "score": self.r(score)}
        self.res.append(d)
        return d

    def categories(self, extra=()):
        cats = [{"id": 1, "name": "person", "supercategory": "person", "keypoints": COCO_KP[:self.k] if self.k == 17 else ["kp%d" % i for i in range(self.k)],
                 "skeleton": [[16, 14], [14, 12]]}]
        return cats + list(extra)

    def gt(self, cats=None):
        return {"images": self.images, "annotations": self.anns, "categories": cats or self.categories()}


def case_tiny():
    g = Gen(1, decimals=None)
    for iid in (7, 3, 11):
        g.image(iid)
    a = g.person(7, 200, 200, 150)
    b = g.person(7, 400, 220, 90)
    c = g.person(3, 300, 240, 200)
    g.person(11, 100, 100, 40)
    g.det_of(a, 0.05)
    g.det_of(b, 0.2)
    g.det_of(b, 0.02)
    g.det_of(c, 0.08)
    g.det_random(3, 120)
    g.det_random(11, 60)
    return g.gt(), g.res, None


def case_crowd():
    g = Gen(2)
    for iid in range(1, 7):
        g.image(iid)
        people = [g.person(iid, g.rng.uniform(100, 500), g.rng.uniform(100, 380), g.rng.uniform(60, 220))
                  for _ in range(g.rng.randint(1, 4))]
        crowd = g.person(iid, g.rng.uniform(150, 450), 240, 300, crowd=True)
        for p in people:
            g.det_of(p, g.rng.uniform(0.01, 0.3))
        # detections on the crowd region: matched to the crowd, ignored
        for _ in range(g.rng.randint(2, 9)):
            g.det_of(crowd, 0.15)
    return g.gt(), g.res, None


def case_ties():
    g = Gen(3)
    for iid in range(1, 5):
        g.image(iid)
        a = g.person(iid, 250, 240, 180)
        # a duplicate GT with the same keypoints: OKS ties among ground truths
        dup = dict(a, id=g.next_ann)
        g.next_ann += 1
        g.anns.append(dup)
        b = g.person(iid, 420, 240, 120)
        for _ in range(3):
            g.det_of(a, 0.05, score=0.5)  # equal scores
        d = g.det_of(b, 0.1, score=0.5)
        g.res.append(dict(d))  # identical detection, identical score
        g.det_random(iid, 100, score=0.5)
    # equal scores across images too
    return g.gt(), g.res, None


def case_maxdets():
    g = Gen(4)
    for iid in range(1, 5):
        g.image(iid)
        ps = [g.person(iid, g.rng.uniform(80, 560), g.rng.uniform(80, 400), g.rng.uniform(50, 200))
              for _ in range(g.rng.randint(2, 6))]
        for _ in range(g.rng.randint(21, 40)):
            if g.rng.rand() < 0.6:
                g.det_of(ps[g.rng.randint(len(ps))], g.rng.uniform(0.01, 0.4))
            else:
                g.det_random(iid, g.rng.uniform(40, 200))
    return g.gt(), g.res, None


def case_empty_images():
    g = Gen(5)
    for iid in range(1, 9):
        g.image(iid)
    for iid in (1, 2, 3):
        p = g.person(iid, 300, 240, 160)
        g.det_of(p, 0.05)
    g.person(4, 300, 240, 160)  # GT, no detection
    for iid in (5, 6):  # detections, no GT
        for _ in range(3):
            g.det_random(iid, 120)
    # images 7, 8: nothing at all
    return g.gt(), g.res, None


def case_numkp0():
    g = Gen(6)
    for iid in range(1, 6):
        g.image(iid)
        p = g.person(iid, 200, 240, 150)
        g.det_of(p, 0.06)
        # non-crowd GT without labelled keypoints: ignored, OKS by box distance
        z = g.person(iid, 450, 240, 140, nolabel=True)
        g.det_of(z, 0.1)
        g.det_of(z, 0.5)
    # inconsistent: num_keypoints > 0 but no v > 0 -> not ignored, box-distance OKS
    g.image(9)
    z = g.person(9, 300, 240, 160, nolabel=True)
    z["num_keypoints"] = 3
    g.det_of(z, 0.05)
    g.det_random(9, 150)
    # an explicit "ignore" flag is not read by pycocotools
    g.image(10)
    q = g.person(10, 300, 240, 160, ignore=1)
    g.det_of(q, 0.05)
    return g.gt(), g.res, None


def case_empty_keypoints():
    """Persons without labels written as "keypoints": [] (pycocotools reads
    them as an array with no v > 0: OKS by box distance)."""
    g = Gen(16)
    for iid in range(1, 5):
        g.image(iid)
        p = g.person(iid, 200, 240, 150)
        g.det_of(p, 0.06)
        z = g.person(iid, 450, 240, 140, nolabel=True)
        g.det_of(z, 0.1)
        g.det_of(z, 0.4)
        z["keypoints"] = []
    # num_keypoints > 0 with no keypoints: not ignored, matched by box distance
    g.image(9)
    z = g.person(9, 300, 240, 160, nolabel=True)
    g.det_of(z, 0.05)
    g.det_random(9, 150)
    z["keypoints"], z["num_keypoints"] = [], 2
    return g.gt(), g.res, None


def case_area_bounds():
    g = Gen(7)
    areas = [32.0 ** 2, 96.0 ** 2, 1023.99, 1024.01, 9215.99, 9216.01, 500.0, 20000.0]
    for iid, ar in enumerate(areas, 1):
        g.image(iid)
        p = g.person(iid, 300, 240, ar ** 0.5 * 1.3)
        p["area"] = ar
        g.det_of(p, 0.04)
        g.det_of(p, 0.3)
    # unmatched detections whose keypoint extent is exactly 32x32 and 96x96
    g.image(20)
    for side in (32.0, 96.0, 31.5, 96.5):
        kp = []
        for j in range(17):
            x = 100.0 + side * (j % 2)
            y = 100.0 + side * ((j // 2) % 2)
            kp += [x, y, 0.9]
        g.add_det(20, kp, 0.3 + side / 1000.0, 1)
    g.person(20, 500, 300, 100)
    return g.gt(), g.res, None


def case_multicat():
    g = Gen(8)
    for iid in range(1, 6):
        g.image(iid)
        for cat in (1, 2):
            p = g.person(iid, g.rng.uniform(100, 500), g.rng.uniform(100, 380), g.rng.uniform(60, 200), cat=cat)
            g.det_of(p, g.rng.uniform(0.02, 0.2))
            g.det_of(p, 0.1, cat=3 - cat)  # wrong category: a false positive there
        g.det_random(iid, 120, cat=5)  # category not in the GT: dropped
    cats = g.categories([{"id": 2, "name": "doll", "keypoints": COCO_KP},
                         {"id": 4, "name": "statue", "keypoints": COCO_KP}])  # 4: no GT at all
    return g.gt(cats), g.res, None


def case_bbox_results():
    g = Gen(9)
    for iid in range(1, 5):
        g.image(iid)
        p = g.person(iid, 300, 240, g.rng.uniform(40, 220))
        for _ in range(3):
            d = g.det_of(p, g.rng.uniform(0.02, 0.3))
            # bbox areas unlike the keypoint extent: small, medium or large
            w, h = [(10.0, 10.0), (50.0, 100.0), (100.0, 200.0)][g.rng.randint(3)]
            d["bbox"] = [10.0, 10.0, w, h]
        d = g.det_random(iid, 80)
        d["bbox"] = [0.0, 0.0, 50.0, 110.0]
    return g.gt(), g.res, None


def case_gt_id0():
    g = Gen(10)
    g.next_ann = 0  # annotation ids 0, 1, ...: a match to id 0 counts as unmatched
    for iid in range(1, 4):
        g.image(iid)
        p = g.person(iid, 300, 240, 150)
        g.det_of(p, 0.03)
    # image 1: a copy of GT id 0 with id 100 after it; the detection ties on
    # OKS, and pycocotools gives ties to the later ground truth (a match)
    g.anns.append(dict(g.anns[0], id=100))
    return g.gt(), g.res, None


def case_custom_k5():
    sig = [0.05, 0.03, 0.08, 0.1, 0.041]
    g = Gen(11, k=5)
    for iid in range(1, 8):
        g.image(iid)
        for _ in range(g.rng.randint(1, 4)):
            p = g.person(iid, g.rng.uniform(80, 560), g.rng.uniform(80, 400), g.rng.uniform(30, 250))
            for _ in range(g.rng.randint(0, 3)):
                g.det_of(p, g.rng.uniform(0.01, 0.3))
        g.det_random(iid, 100)
    cats = g.categories()
    cats[0]["sigmas"] = sig
    return g.gt(cats), g.res, sig


def case_empty_results():
    g = Gen(12)
    for iid in range(1, 4):
        g.image(iid)
        g.person(iid, 300, 240, 150)
    return g.gt(), [], None


def case_small_only():
    g = Gen(13)
    for iid in range(1, 4):
        g.image(iid)
        p = g.person(iid, 300, 240, 25)
        p["area"] = 400.0
        g.det_of(p, 0.05)
    return g.gt(), g.res, None


def case_int_coords():
    g = Gen(14, decimals=0)
    for iid in range(1, 5):
        g.image(iid)
        for _ in range(2):
            p = g.person(iid, g.rng.uniform(100, 500), g.rng.uniform(100, 380), g.rng.uniform(60, 200))
            g.det_of(p, 0.05)
    for a in g.anns:
        a["keypoints"] = [int(v) for v in a["keypoints"]]
    for d in g.res:
        d["keypoints"] = [int(v) if i % 3 != 2 else v for i, v in enumerate(d["keypoints"])]
    return g.gt(), g.res, None


def case_random_mix():
    g = Gen(15, decimals=3)
    for iid in range(1, 61):
        g.image(iid * 3)
        iid = iid * 3
        ps = []
        for _ in range(g.rng.randint(0, 5)):
            ps.append(g.person(iid, g.rng.uniform(50, 590), g.rng.uniform(50, 430),
                               g.rng.choice([20, 45, 80, 130, 250]) * g.rng.uniform(0.8, 1.2),
                               pvis=g.rng.uniform(0.3, 1.0)))
        if g.rng.rand() < 0.2:
            g.person(iid, 320, 240, 300, crowd=True)
        if g.rng.rand() < 0.15:
            g.person(iid, 320, 240, 100, nolabel=True)
        nd = g.rng.randint(0, 26)
        for _ in range(nd):
            if ps and g.rng.rand() < 0.7:
                g.det_of(ps[g.rng.randint(len(ps))], g.rng.choice([0.01, 0.05, 0.1, 0.3, 1.0]),
                         score=round(g.rng.rand(), 2))
            else:
                g.det_random(iid, g.rng.uniform(20, 250), score=round(g.rng.rand(), 2))
    return g.gt(), g.res, None


CASES = {
    "tiny": case_tiny, "crowd": case_crowd, "ties": case_ties, "maxdets": case_maxdets,
    "empty_images": case_empty_images, "numkp0": case_numkp0, "empty_keypoints": case_empty_keypoints,
    "area_bounds": case_area_bounds,
    "multicat": case_multicat, "bbox_results": case_bbox_results, "gt_id0": case_gt_id0,
    "custom_k5": case_custom_k5, "empty_results": case_empty_results, "small_only": case_small_only,
    "int_coords": case_int_coords, "random_mix": case_random_mix,
}


def run_pycocotools(COCO, COCOeval, gt_path, res_path, res, sigmas):
    """Returns the COCOeval object after evaluate/accumulate/summarize and the summary lines."""
    with contextlib.redirect_stdout(io.StringIO()):
        cgt = COCO(gt_path)
        if res:
            cdt = cgt.loadRes(res_path)
        else:  # loadRes fails on []: build the empty result set by hand
            cdt = COCO()
            cdt.dataset = {"images": list(cgt.dataset["images"]), "annotations": [],
                           "categories": list(cgt.dataset["categories"])}
            cdt.createIndex()
        E = COCOeval(cgt, cdt, "keypoints")
        if sigmas is not None:
            E.params.kpt_oks_sigmas = np.array(sigmas)
        E.evaluate()
        E.accumulate()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        E.summarize()
    return E, out.getvalue().splitlines()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pycoco", default="/tmp/pycoco", help="folder holding the pycocotools package")
    ap.add_argument("--out", default="testdata/eval")
    args = ap.parse_args()
    COCO, COCOeval = import_pycocotools(args.pycoco)
    total = 0
    for name, fn in CASES.items():
        gt, res, sigmas = fn()
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        gt_path, res_path = os.path.join(d, "gt.json"), os.path.join(d, "results.json")
        with open(gt_path, "w") as f:
            json.dump(gt, f, separators=(",", ":"))
        with open(res_path, "w") as f:
            json.dump(res, f, separators=(",", ":"))
        E, lines = run_pycocotools(COCO, COCOeval, gt_path, res_path, res, sigmas)
        exp = {"stats": [float(v) for v in E.stats], "lines": lines,
               "sigmas": [float(v) for v in (sigmas if sigmas is not None else COCO_SIGMAS)]}
        if name == "tiny":
            p = E.params
            exp["iouThrs"] = [float(v) for v in p.iouThrs]
            exp["recThrs"] = [float(v) for v in p.recThrs]
            exp["oks"] = [{"image_id": int(i), "category_id": int(c), "matrix": np.asarray(m).tolist()}
                          for (i, c), m in sorted(E.ious.items()) if len(m) > 0]
            exp["precision"] = E.eval["precision"][:, :, :, :, 0].ravel().tolist()  # T,R,K,A
            exp["recall"] = E.eval["recall"][:, :, :, 0].ravel().tolist()  # T,K,A
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump(exp, f, indent=1)
        size = sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d))
        total += size
        print("%-14s %3d images %4d gt %4d results  %7d bytes  AP %.4f AR %.4f" % (
            name, len(gt["images"]), len(gt["annotations"]), len(res), size, E.stats[0], E.stats[5]))
    print("total %d bytes" % total)


if __name__ == "__main__":
    main()
