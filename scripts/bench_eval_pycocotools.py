#!/usr/bin/env python3
"""Time pycocotools against `keypoints eval` on a COCO-val-sized keypoint case.

Generates (seeded) 5,000 images, ~6,000 GT persons (with crowds and persons
without labelled keypoints) and ~100,000 detections into --dir (default
/tmp/evalbench; nothing is committed), then times, on the same files:

  pycocotools: COCO(gt) + loadRes + evaluate + accumulate (+ summarize)
  dypose:      `keypoints eval --json` (whole process: load + evaluate + accumulate)

and checks the ten numbers agree. pycocotools comes from --pycoco as in
scripts/fixtures_eval.py.

    go build -o bin/keypoints ./cmd/keypoints
    /usr/bin/python3 scripts/bench_eval_pycocotools.py --pycoco /tmp/pycoco --bin bin/keypoints
"""
import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures_eval import COCO_KP, import_pycocotools  # noqa: E402

K = 17


def generate(out, seed, n_images, gt_per_image, dets_per_image):
    rng = np.random.RandomState(seed)
    images, anns, res = [], [], []
    aid = 1
    for iid in range(1, n_images + 1):
        images.append({"id": iid, "file_name": "%012d.jpg" % iid, "width": 640, "height": 480})
        persons = []
        for _ in range(rng.poisson(gt_per_image)):
            size = rng.choice([25, 50, 90, 150, 250]) * rng.uniform(0.8, 1.2)
            cx, cy = rng.uniform(40, 600), rng.uniform(40, 440)
            crowd = rng.rand() < 0.01
            nolab = crowd or rng.rand() < 0.1
            x = cx + rng.uniform(-0.3, 0.3, K) * size
            y = cy + (np.arange(K) / K - 0.5) * size + rng.normal(size=K) * 0.05 * size
            v = np.where(rng.rand(K) < 0.75, 2, 0) * (0 if nolab else 1)
            x, y = np.where(v > 0, np.round(x, 2), 0), np.where(v > 0, np.round(y, 2), 0)
            w, h = 0.5 * size, size
            kp = np.stack([x, y, v], 1).ravel().tolist()
            ann = {"id": aid, "image_id": iid, "category_id": 1, "keypoints": kp,
                   "num_keypoints": int((v > 0).sum()), "bbox": [round(cx - w / 2, 2), round(cy - h / 2, 2), round(w, 2), round(h, 2)],
                   "area": round(w * h * rng.uniform(0.4, 0.9), 2), "iscrowd": int(crowd)}
            aid += 1
            anns.append(ann)
            gx = cx + rng.uniform(-0.3, 0.3, K) * size  # where the person's joints really are
            gy = cy + (np.arange(K) / K - 0.5) * size
            gx, gy = np.where(v > 0, x, gx), np.where(v > 0, y, gy)
            persons.append((gx, gy, size))
        for _ in range(rng.poisson(dets_per_image)):
            if persons and rng.rand() < 0.6:
                gx, gy, size = persons[rng.randint(len(persons))]
                noise = rng.choice([0.005, 0.02, 0.05, 0.15]) * size
            else:
                cx, cy, size = rng.uniform(40, 600), rng.uniform(40, 440), rng.uniform(25, 250)
                gx = cx + rng.uniform(-0.3, 0.3, K) * size
                gy = cy + (np.arange(K) / K - 0.5) * size
                noise = 0.1 * size
            x = gx + rng.normal(size=K) * noise
            y = gy + rng.normal(size=K) * noise
            kp = np.stack([np.round(x, 2), np.round(y, 2), np.round(rng.rand(K), 3)], 1).ravel().tolist()
            res.append({"image_id": iid, "category_id": 1, "keypoints": kp, "score": round(float(rng.rand()), 4)})
    gt = {"images": images, "annotations": anns,
          "categories": [{"id": 1, "name": "person", "keypoints": COCO_KP, "skeleton": []}]}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "gt.json"), "w") as f:
        json.dump(gt, f)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f)
    return len(images), len(anns), len(res)


def time_pycocotools(COCO, COCOeval, gt_path, res_path):
    c0 = time.process_time()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        cgt = COCO(gt_path)
        cdt = cgt.loadRes(res_path)
        t1 = time.perf_counter()
        E = COCOeval(cgt, cdt, "keypoints")
        E.evaluate()
        t2 = time.perf_counter()
        E.accumulate()
        t3 = time.perf_counter()
        c3 = time.process_time()
        E.summarize()
    return [float(v) for v in E.stats], {"load": t1 - t0, "evaluate": t2 - t1, "accumulate": t3 - t2,
                                         "total": t3 - t0, "cpu": c3 - c0}


def time_dypose(binary, gt_path, res_path, repeats):
    """Runs the CLI repeats times; returns its stats, wall times and CPU times (user+sys)."""
    times, cpus, stats = [], [], None
    for _ in range(repeats):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run([binary, "eval", "--json", "--gt", gt_path, "--results", res_path],
                             check=True, capture_output=True, text=True).stdout
        times.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        stats = json.loads(out)
    return stats, times, cpus


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pycoco", default="/tmp/pycoco")
    ap.add_argument("--bin", default="bin/keypoints")
    ap.add_argument("--dir", default="/tmp/evalbench")
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--gt-per-image", type=float, default=1.2)
    ap.add_argument("--dets-per-image", type=float, default=20.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    COCO, COCOeval = import_pycocotools(args.pycoco)
    gt_path, res_path = os.path.join(args.dir, "gt.json"), os.path.join(args.dir, "results.json")
    n = generate(args.dir, args.seed, args.images, args.gt_per_image, args.dets_per_image)
    print("case: %d images, %d GT, %d results (%.1f MB results)" % (n + (os.path.getsize(res_path) / 1e6,)))
    py_stats, py_t = time_pycocotools(COCO, COCOeval, gt_path, res_path)
    go_stats, go_t, go_cpu = time_dypose(args.bin, gt_path, res_path, args.repeats)
    names = ["AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"]
    worst = max(abs(go_stats[k] - v) for k, v in zip(names, py_stats))
    print("stats: " + " ".join("%s %.6f" % (k, v) for k, v in zip(names, py_stats)))
    print("max |dypose - pycocotools| = %.3g (%d/10 bit-identical)" % (worst, sum(go_stats[k] == v for k, v in zip(names, py_stats))))
    print("load avg before timing: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    print("pycocotools: load %.2fs, evaluate %.2fs, accumulate %.2fs, total %.2fs wall, %.2fs CPU" % (
        py_t["load"], py_t["evaluate"], py_t["accumulate"], py_t["total"], py_t["cpu"]))
    best, best_cpu = min(go_t), min(go_cpu)
    print("dypose:      total %.2fs wall, %.2fs CPU (best of %d; wall %s)" % (
        best, best_cpu, len(go_t), ", ".join("%.2f" % t for t in go_t)))
    med = sorted(go_t)[len(go_t) // 2]
    print("speed-up: %.1fx wall (best), %.1fx wall (median %.2fs), %.1fx CPU time" % (
        py_t["total"] / best, py_t["total"] / med, med, py_t["cpu"] / best_cpu))


if __name__ == "__main__":
    main()
