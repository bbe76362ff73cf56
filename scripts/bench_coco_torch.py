"""Peer benchmark for coco.Loader: SimpleBaseline-style training samples
(decode, half-body/scale/rotation/flip augmentation, warpAffine to 192x256,
ImageNet normalisation, Gaussian targets) served by a torch DataLoader.

  keypoints synth --out /tmp/benchset --train 64 --val 0 --seed 1
  /usr/bin/python3 scripts/bench_coco_torch.py /tmp/benchset [workers] [seconds]

Prints samples per second. Needs python3-torch, python3-numpy, python3-opencv.
The per-sample work follows the published SimpleBaseline recipe, written
here from its description (see notes/coco.md), not copied.
"""
import json
import math
import os
import random
import sys
import time

import cv2
import numpy as np
import torch

IN_W, IN_H, HM_W, HM_H, SIGMA = 192, 256, 48, 64, 2
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
PAIRS = [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16)]


def center_scale(x, y, w, h, aspect=IN_W / IN_H):
    c = np.array([x + w / 2, y + h / 2], np.float32)
    if w > aspect * h:
        h = w / aspect
    elif w < aspect * h:
        w = h * aspect
    return c, np.array([w, h], np.float32) / 200 * 1.25


def affine(c, s, rot, out_w, out_h):
    src_w = s[0] * 200
    r = math.radians(rot)
    sd = np.array([src_w / 2 * math.sin(r), -src_w / 2 * math.cos(r)], np.float32)
    third = lambda a, b: b + np.array([-(a - b)[1], (a - b)[0]], np.float32)
    src = np.zeros((3, 2), np.float32)
    dst = np.zeros((3, 2), np.float32)
    src[0], src[1] = c, c + sd
    dst[0], dst[1] = [out_w / 2, out_h / 2], [out_w / 2, out_h / 2 - out_w / 2]
    src[2], dst[2] = third(src[0], src[1]), third(dst[0], dst[1])
    return cv2.getAffineTransform(src, dst)


def target(joints, vis):
    t = np.zeros((17, HM_H, HM_W), np.float32)
    w = vis.astype(np.float32).copy()
    r = SIGMA * 3
    xs = np.arange(0, 2 * r + 1, dtype=np.float32)
    g = np.exp(-((xs - r) ** 2 + (xs[:, None] - r) ** 2) / (2 * SIGMA ** 2))
    for j in range(17):
        mx, my = int(joints[j, 0] / (IN_W / HM_W) + 0.5), int(joints[j, 1] / (IN_H / HM_H) + 0.5)
        ul, br = (mx - r, my - r), (mx + r + 1, my + r + 1)
        if ul[0] >= HM_W or ul[1] >= HM_H or br[0] < 0 or br[1] < 0:
            w[j] = 0
            continue
        if w[j] > 0.5:
            x0, x1, y0, y1 = max(0, ul[0]), min(br[0], HM_W), max(0, ul[1]), min(br[1], HM_H)
            t[j, y0:y1, x0:x1] = g[y0 - ul[1]:y1 - ul[1], x0 - ul[0]:x1 - ul[0]]
    return t, w


class Set(torch.utils.data.Dataset):
    def __init__(self, root):
        d = json.load(open(os.path.join(root, "annotations", "person_keypoints_train.json")))
        files = {im["id"]: im["file_name"] for im in d["images"]}
        self.db = []
        for a in d["annotations"]:
            if a["iscrowd"] or a["num_keypoints"] == 0:
                continue
            k = np.array(a["keypoints"], np.float32).reshape(17, 3)
            c, s = center_scale(*a["bbox"])
            self.db.append((os.path.join(root, "images", "train", files[a["image_id"]]), k, c, s))

    def __len__(self):
        return len(self.db)

    def __getitem__(self, i):
        path, k, c, s = self.db[i]
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        joints, vis = k[:, :2].copy(), (k[:, 2] > 0).astype(np.float32)
        c = c.copy()
        s = s * np.clip(np.random.randn() * 0.35 + 1, 0.65, 1.35)
        rot = np.clip(np.random.randn() * 45, -90, 90) if random.random() <= 0.6 else 0
        if random.random() <= 0.5:
            img = img[:, ::-1, :]
            joints[:, 0] = img.shape[1] - joints[:, 0] - 1
            for a, b in PAIRS:
                joints[[a, b]] = joints[[b, a]]
                vis[[a, b]] = vis[[b, a]]
            c[0] = img.shape[1] - c[0] - 1
        m = affine(c, s, rot, IN_W, IN_H)
        crop = cv2.warpAffine(img, m, (IN_W, IN_H), flags=cv2.INTER_LINEAR)
        x = ((crop[:, :, ::-1].astype(np.float32) / 255 - MEAN) / STD).transpose(2, 0, 1)
        joints = joints @ m[:, :2].T.astype(np.float32) + m[:, 2].astype(np.float32)
        t, w = target(joints, vis)
        return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(t), torch.from_numpy(w)


def main():
    root = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 10
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    ds = Set(root)
    dl = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True, num_workers=workers,
                                     drop_last=True, persistent_workers=workers > 0)
    n, start = 0, None
    while start is None or time.time() - start < seconds:
        for x, t, w in dl:
            if start is None:  # skip the warm-up batch (worker start)
                start = time.time()
                continue
            n += x.shape[0]
            if time.time() - start >= seconds:
                break
    print(f"torch DataLoader ({workers} workers): {n / (time.time() - start):.1f} samples/s over {n} samples")


if __name__ == "__main__":
    main()
