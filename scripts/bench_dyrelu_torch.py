#!/usr/bin/python3
"""PyTorch peer of dyrelu's BenchmarkForwardC: DY-ReLU-C inference (batch 1,
no_grad, eval) at every DY-ReLU site of the SE-free MobileNetV3-Small at a
256x192 input, on 2 threads. Prints one line per case, with the same names
as the Go benchmark: the median wall time over the repeats and the process
CPU time (all threads) per call, which is steadier on a shared machine:

    /usr/bin/python3 scripts/bench_dyrelu_torch.py [--threads 2] [--repeats 200]
"""

import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dyrelu_ref import DyReLU  # noqa: E402

# (name, C, H, W, number of sites): must match smallSites in dyrelu/bench_test.go.
SITES = [
    ("stem_16x128x96", 16, 128, 96, 1),
    ("16x64x48", 16, 64, 48, 1),
    ("72x64x48", 72, 64, 48, 1),
    ("72x32x24", 72, 32, 24, 1),
    ("88x32x24", 88, 32, 24, 2),
    ("96x32x24", 96, 32, 24, 1),
    ("96x16x12", 96, 16, 12, 1),
    ("240x16x12", 240, 16, 12, 4),
    ("120x16x12", 120, 16, 12, 2),
    ("144x16x12", 144, 16, 12, 2),
    ("288x16x12", 288, 16, 12, 1),
    ("288x8x6", 288, 8, 6, 1),
    ("576x8x6", 576, 8, 6, 5),
]


def median_ns(fn, repeats, warmup=20):
    """Median wall time of one call, and the process CPU time (all threads)
    per call over the repeats, both in ns."""
    for _ in range(warmup):
        fn()
    times = []
    cpu0 = time.process_time_ns()
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times), (time.process_time_ns() - cpu0) / repeats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layers = []
    with torch.no_grad():
        for name, c, h, w, count in SITES:
            m = DyReLU(c, variant="C").eval()
            x = torch.rand(1, c, h, w) * 2 - 1
            ns, cpu = median_ns(lambda: m(x), args.repeats)
            print(f"{name}\t{ns / 1e3:.1f} us\t{cpu / 1e3:.1f} cpu-us", flush=True)
            layers += [(m, x)] * count

        def all_sites():
            for m, x in layers:
                m(x)

        ns, cpu = median_ns(all_sites, max(args.repeats // 10, 10), warmup=3)
        print(f"all_sites\t{ns / 1e3:.1f} us\t{cpu / 1e3:.1f} cpu-us")
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads", file=sys.stderr)


if __name__ == "__main__":
    main()
