#!/usr/bin/python3
"""PyTorch peer of `keypoints bench`: the twin network (scripts/twin.py)
timed exactly as Go's bench.Run does, printing the same JSON keys.

    /usr/bin/python3 scripts/bench_torch.py --arch mnv3-small-dyrelu-c --threads 2 --json

Inference: eval mode, torch.no_grad(), every Conv2d -> BatchNorm2d pair
folded with torch.nn.utils.fusion.fuse_conv_bn_eval (the backbone's, as Go's
pose.Model.Fuse, and also the head's, which Go leaves unfolded: a slightly
stronger peer). Batch 1 and 8. Training: a separate twin in train mode,
forward + JointsMSE (target weights 1) + backward + Adam at batch 32.
Medians over --reps after --warmup, with min/max/IQR (numpy's linear
percentiles, as Go's bench.Summarize). Peak RSS is ru_maxrss.
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import twin  # noqa: E402

INFER_SMALL, INFER_LARGE, TRAIN_BATCH = 1, 8, 32


def fold_bn(module):
    """Fold each Conv2d immediately followed by a BatchNorm2d inside an
    nn.Sequential into one conv; the BN becomes Identity. Returns the count."""
    n = 0
    for child in module.children():
        n += fold_bn(child)
    if isinstance(module, nn.Sequential):
        mods = list(module)
        for i in range(len(mods) - 1):
            if isinstance(mods[i], nn.Conv2d) and isinstance(mods[i + 1], nn.BatchNorm2d):
                module[i] = fuse_conv_bn_eval(mods[i], mods[i + 1])
                module[i + 1] = nn.Identity()
                n += 1
    return n


def timed(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    ts = np.array(ts)
    p25, med, p75 = np.percentile(ts, [25, 50, 75])
    return dict(median=float(med), min=float(ts.min()), max=float(ts.max()), iqr=float(p75 - p25))


def joints_mse(pred, target, weight):
    """SimpleBaseline's JointsMSELoss with use_target_weight (as Go's nn.JointsMSELoss)."""
    n, k = pred.shape[:2]
    p = pred.reshape(n, k, -1) * weight[:, :, None]
    t = target.reshape(n, k, -1) * weight[:, :, None]
    return 0.5 * ((p - t) ** 2).mean(dim=(0, 2)).sum() / k


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="mnv3-small-dyrelu-c")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--input", default="256x192")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--train-reps", type=int, default=3)
    ap.add_argument("--skip-train", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    h, w = twin.parse_input(args.input)
    arch = twin.parse_arch(args.arch)

    model = twin.PoseNet(arch).eval()
    params = twin.count_params(model)
    folded = fold_bn(model)
    x1 = torch.randn(INFER_SMALL, 3, h, w)
    x8 = torch.randn(INFER_LARGE, 3, h, w)
    res = dict(impl="pytorch " + torch.__version__, arch=args.arch, input=f"{h}x{w}", params=params,
               threads=torch.get_num_threads(), blas_threads=torch.get_num_threads(),
               reps=args.reps, train_reps=0, bn_folded=folded > 0, bn_folded_count=folded)
    with torch.no_grad():
        s1 = timed(lambda: model(x1), args.warmup, args.reps)
        s8 = timed(lambda: model(x8), args.warmup, args.reps)
    for key, s in (("infer_b1", s1), ("infer_b8", s8)):
        res[key + "_ms"] = s["median"]
        res[key + "_min_ms"], res[key + "_max_ms"], res[key + "_iqr_ms"] = s["min"], s["max"], s["iqr"]
    del model

    if not args.skip_train:
        net = twin.PoseNet(arch).train()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        x = torch.randn(TRAIN_BATCH, 3, h, w)
        with torch.no_grad():
            out_shape = net(x).shape
        target = torch.randn(out_shape)
        weight = torch.ones(out_shape[0], out_shape[1])

        def step():
            opt.zero_grad(set_to_none=False)
            loss = joints_mse(net(x), target, weight)
            loss.backward()
            opt.step()

        st = timed(step, args.warmup, args.train_reps)
        res["train_reps"] = args.train_reps
        res["train_b32_ms"] = st["median"]
        res["train_b32_min_ms"], res["train_b32_max_ms"], res["train_b32_iqr_ms"] = st["min"], st["max"], st["iqr"]

    res["allocs_per_infer"] = None  # not observable in PyTorch
    res["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:20s} {v}")


if __name__ == "__main__":
    main()
