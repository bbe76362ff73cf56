"""Times PyTorch's forward pass on the same layer cases as nn/bench_test.go.

    /usr/bin/python3 scripts/bench_layers_torch.py [--threads 2] [--seconds 0.3]

Each case runs in eval mode under no_grad with torch.set_num_threads(2)
(the default), after a warm-up; each case is timed as several rounds of
back-to-back calls; printed, one line per case with the Go benchmark's
name: <name> <median wall µs per call over rounds> <min wall µs> <min CPU µs
(process time, all threads; comparable to the Go benchmark's cpu-µs/op in
single-threaded runs on a busy machine)>.
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F


def conv(cin, cout, k, s, groups, h, w):
    kind = "dw" if groups > 1 else ("conv" if k > 1 else "pw")
    name = f"{kind}_k{k}s{s}_{cin}to{cout}_{h}x{w}"
    return name, torch.nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), (1, cin, h, w)


def dw(c, k, s, h, w):
    return conv(c, c, k, s, c, h, w)


def pw(cin, cout, h, w):
    return conv(cin, cout, 1, 1, 1, h, w)


class Linear(torch.nn.Module):
    """Linear on a possibly pooled input, as nn.Linear accepts (N, C, 1, 1)."""

    def __init__(self, i, o):
        super().__init__()
        self.lin = torch.nn.Linear(i, o)

    def forward(self, x):
        return self.lin(x.flatten(1))


class GAP(torch.nn.Module):
    def forward(self, x):
        return F.adaptive_avg_pool2d(x, 1)


class Up2(torch.nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def cases():
    return [
        conv(3, 16, 3, 2, 1, 256, 192),
        dw(16, 3, 2, 128, 96),
        pw(16, 16, 64, 48),
        pw(16, 72, 64, 48),
        dw(72, 3, 2, 64, 48),
        pw(72, 24, 32, 24),
        pw(24, 88, 32, 24),
        dw(88, 3, 1, 32, 24),
        pw(88, 24, 32, 24),
        pw(24, 96, 32, 24),
        dw(96, 5, 2, 32, 24),
        pw(96, 40, 16, 12),
        pw(40, 240, 16, 12),
        dw(240, 5, 1, 16, 12),
        pw(240, 40, 16, 12),
        pw(40, 120, 16, 12),
        dw(120, 5, 1, 16, 12),
        pw(120, 48, 16, 12),
        pw(48, 144, 16, 12),
        dw(144, 5, 1, 16, 12),
        pw(144, 48, 16, 12),
        pw(48, 288, 16, 12),
        dw(288, 5, 2, 16, 12),
        pw(288, 96, 8, 6),
        pw(96, 576, 8, 6),
        dw(576, 5, 1, 8, 6),
        pw(576, 96, 8, 6),
        ("linear_576to144", Linear(576, 144), (1, 576, 1, 1)),
        ("linear_144to576", Linear(144, 576), (1, 144)),
        ("gap_576_8x6", GAP(), (1, 576, 8, 6)),
        ("gap_240_16x12", GAP(), (1, 240, 16, 12)),
        ("up2x_256_8x6", Up2(), (1, 256, 8, 6)),
        ("up2x_256_16x12", Up2(), (1, 256, 16, 12)),
        ("deconv_k4s2_576to256_8x6", torch.nn.ConvTranspose2d(576, 256, 4, 2, 1, bias=False), (1, 576, 8, 6)),
        ("deconv_k4s2_256to256_8x6", torch.nn.ConvTranspose2d(256, 256, 4, 2, 1, bias=False), (1, 256, 8, 6)),
        ("deconv_k4s2_256to256_16x12", torch.nn.ConvTranspose2d(256, 256, 4, 2, 1, bias=False), (1, 256, 16, 12)),
    ]


def time_us(module, x, seconds, rounds):
    """Mean µs per call over each of `rounds` timed loops: (median, min) of the
    rounds' wall time, and the min of their process CPU time (all threads).

    Loops of calls, like Go's b.Loop, rather than single calls: on a shared
    machine the minimum over rounds is the figure least disturbed by other load.
    """
    for _ in range(10):
        module(x)
    t0 = time.perf_counter()
    for _ in range(10):
        module(x)
    once = max((time.perf_counter() - t0) / 10, 1e-7)
    n = max(5, int(seconds / rounds / once))
    per_call, cpu = [], []
    for _ in range(rounds):
        c0, t0 = time.process_time_ns(), time.perf_counter_ns()
        for _ in range(n):
            module(x)
        per_call.append((time.perf_counter_ns() - t0) / n / 1e3)
        cpu.append((time.process_time_ns() - c0) / n / 1e3)
    return statistics.median(per_call), min(per_call), min(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=0.5, help="time budget per case")
    ap.add_argument("--rounds", type=int, default=7, help="timed loops per case")
    ap.add_argument("--filter", default="", help="only cases whose name contains this")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__}, {args.threads} threads; per call, us: wall median, wall min, cpu min")
    with torch.no_grad():
        for name, module, shape in cases():
            if args.filter not in name:
                continue
            module.eval()
            x = torch.randn(shape)
            med, best, cpu = time_us(module, x, args.seconds, args.rounds)
            print(f"{name} {med:.1f} {best:.1f} {cpu:.1f}", flush=True)


if __name__ == "__main__":
    main()
