"""Writes the PyTorch reference fixtures for nn's convolution-family layers.

Run from the repository root with the system Python that has torch:

    /usr/bin/python3 scripts/fixtures_nn_conv.py

Each case stores the input x, the layer's parameters (PyTorch names), the
output y, a random upstream gradient dy, and the gradients of sum(y*dy)
with respect to x and every parameter (dx, dweight, dbias). Everything is
computed in float64 and stored as float32, so the fixtures are exact to
float32 rounding. Seeds are fixed: rerunning reproduces the files bit for bit.
"""

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st import save_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata")


def run_case(out, name, module, x):
    """Runs module on x, backprops a random dy, and stores everything under name."""
    module = module.double()
    x = x.double().requires_grad_(True)
    y = module(x)
    dy = torch.randn_like(y)
    (y * dy).sum().backward()
    out[f"{name}.x"] = x.detach()
    out[f"{name}.y"] = y.detach()
    out[f"{name}.dy"] = dy
    out[f"{name}.dx"] = x.grad
    for pname, p in module.named_parameters():
        out[f"{name}.{pname}"] = p.detach()
        out[f"{name}.d{pname}"] = p.grad


def randomise(module):
    """Redraws every parameter from N(0, 0.5²) so biases are not near zero."""
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.5)
    return module


def conv2d():
    out = {}
    cases = [
        # name, cin, cout, k, stride, pad, groups, bias, x shape
        ("stem", 3, 16, 3, 2, 1, 1, False, (2, 3, 11, 8)),
        ("pointwise", 16, 24, 1, 1, 0, 1, True, (2, 16, 5, 4)),
        ("dw3s1", 8, 8, 3, 1, 1, 8, False, (1, 8, 7, 6)),
        ("dw3s2", 8, 8, 3, 2, 1, 8, True, (2, 8, 9, 7)),
        ("dw5s1", 6, 6, 5, 1, 2, 6, True, (1, 6, 8, 6)),
        ("dw5s2", 6, 6, 5, 2, 2, 6, False, (2, 6, 9, 11)),
        ("grouped", 6, 4, 3, 1, 2, 2, True, (1, 6, 5, 7)),
    ]
    for name, cin, cout, k, s, p, g, bias, shape in cases:
        m = randomise(torch.nn.Conv2d(cin, cout, k, s, p, groups=g, bias=bias))
        run_case(out, name, m, torch.randn(shape))
    return out


def conv_transpose2d():
    out = {}
    cases = [
        ("k4s2p1", 4, 3, 4, 2, 1, True, (2, 4, 5, 3)),
        ("k3s2p1", 3, 2, 3, 2, 1, False, (1, 3, 4, 4)),
        ("k2s2p0", 2, 3, 2, 2, 0, True, (1, 2, 3, 5)),
        ("k5s3p2", 3, 2, 5, 3, 2, True, (1, 3, 3, 4)),
    ]
    for name, cin, cout, k, s, p, bias, shape in cases:
        m = randomise(torch.nn.ConvTranspose2d(cin, cout, k, s, p, bias=bias))
        run_case(out, name, m, torch.randn(shape))
    return out


class Flatten(torch.nn.Module):
    """Linear on a pooled (N, C, 1, 1) tensor, as the Go Linear accepts it."""

    def __init__(self, lin):
        super().__init__()
        self.lin = lin

    def forward(self, x):
        return self.lin(x.flatten(1))


def linear():
    out = {}
    run_case(out, "bias", randomise(torch.nn.Linear(12, 5)), torch.randn(3, 12))
    m = Flatten(randomise(torch.nn.Linear(6, 4, bias=False)))
    run_case(out, "pooled", m, torch.randn(2, 6, 1, 1))
    # Rename "pooled.lin.weight" / "pooled.dlin.weight" to the Linear's own keys.
    for k in [k for k in out if "lin." in k]:
        out[k.replace("lin.", "")] = out.pop(k)
    return out


class GAP(torch.nn.Module):
    def forward(self, x):
        return F.adaptive_avg_pool2d(x, 1)


class Up2(torch.nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def pool_upsample():
    out = {}
    run_case(out, "gap", GAP(), torch.randn(2, 5, 4, 3))
    run_case(out, "gap1x1", GAP(), torch.randn(1, 3, 1, 1))
    run_case(out, "up", Up2(), torch.randn(2, 3, 4, 5))
    run_case(out, "up_thin", Up2(), torch.randn(1, 2, 1, 3))
    run_case(out, "up_odd", Up2(), torch.randn(1, 1, 5, 2))
    return out


def main():
    torch.manual_seed(20240601)
    meta = {"generator": "scripts/fixtures_nn_conv.py", "torch": torch.__version__}
    for fname, build in [
        ("nn_conv_conv2d", conv2d),
        ("nn_conv_convtranspose", conv_transpose2d),
        ("nn_conv_linear", linear),
        ("nn_conv_pool", pool_upsample),
    ]:
        path = os.path.join(OUT, fname + ".safetensors")
        save_safetensors(path, build(), meta)
        print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
