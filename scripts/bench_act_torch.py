#!/usr/bin/env python3
"""Times PyTorch's BatchNorm2d (eval), Hardswish and ReLU on the cases of
nn/bench_act_test.go (MobileNetV3-Small activation shapes, 256x192 input,
batch 1), with 2 threads and no_grad, and prints Go-style benchmark lines so
the two outputs line up by case name.

    /usr/bin/python3 scripts/bench_act_torch.py [--threads 2]
"""
import argparse
import time

import torch
import torch.nn as tnn

SHAPES = [(16, 128, 96), (72, 64, 48), (240, 16, 12), (576, 8, 6)]


def bench(fn, x, min_time=0.5):
    """Returns the median of 5 runs of ns per call, each run at least
    min_time/5 seconds long."""
    for _ in range(20):
        fn(x)
    runs = []
    for _ in range(5):
        n, start = 0, time.perf_counter()
        while True:
            for _ in range(100):
                fn(x)
            n += 100
            el = time.perf_counter() - start
            if el > min_time / 5:
                break
        runs.append(el / n * 1e9)
    runs.sort()
    return runs[len(runs) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, 'cpu') else ''}")
    with torch.no_grad():
        for c, h, w in SHAPES:
            name = f"{c}x{h}x{w}"
            x = (torch.rand(1, c, h, w) * 12 - 6).contiguous()
            bn = tnn.BatchNorm2d(c, eps=1e-3, momentum=0.01).eval()
            bn.running_mean.uniform_(-1, 1)
            cases = [
                (f"BatchNorm2DEval/{name}", bn),
                (f"HardSwish/{name}", tnn.Hardswish()),
                (f"ReLU/{name}", tnn.ReLU()),
                (f"ReLU/{name}/inplace", tnn.ReLU(inplace=True)),
            ]
            for case, mod in cases:
                ns = bench(mod, x.clone())
                print(f"Benchmark{case}\t{ns:12.1f} ns/op")


if __name__ == "__main__":
    main()
