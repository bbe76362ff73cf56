#!/usr/bin/python3
"""Write testdata/dyrelu_<case>.safetensors from the PyTorch reference
(scripts/dyrelu_ref.py) for the Go tests in dyrelu/.

Each file holds the module's state dict under its own keys (fc1.weight, ...),
"input", "grad_output" (a random upstream gradient), "output", "grad_input"
and "grad.<key>" for every parameter, all float32; the metadata holds the
module's configuration. Run with /usr/bin/python3 (needs torch):

    /usr/bin/python3 scripts/fixtures_dyrelu.py [outdir]
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dyrelu_ref import DyReLU  # noqa: E402
from st import save_safetensors  # noqa: E402


def make(case, variant, shape, seed, fc2_scale=3.0, prepare=None, make_input=None, **cfg):
    """Builds the module, runs forward and backward, returns (tensors, meta)."""
    torch.manual_seed(seed)
    n, c, h, w = shape
    m = DyReLU(c, variant=variant, **cfg)
    with torch.no_grad():
        # Default init leaves fc2's output near 0, i.e. coefficients near
        # ReLU; widen it so the fixtures exercise the whole (-1, 1) range.
        m.fc2.weight.mul_(fc2_scale)
        m.fc2.bias.mul_(fc2_scale)
        if prepare is not None:
            prepare(m)
    x = make_input(shape) if make_input is not None else 1.5 * torch.randn(shape)
    x.requires_grad_(True)
    y = m(x)
    dy = torch.randn(y.shape)
    y.backward(dy)
    t = {k: v.detach().clone() for k, v in m.state_dict().items()}
    for k, p in m.named_parameters():
        t["grad." + k] = p.grad.detach().clone()
    t.update({"input": x.detach(), "grad_output": dy, "output": y.detach(), "grad_input": x.grad.detach()})
    meta = {
        "case": case, "variant": m.variant, "k": m.k,
        "reduction": cfg.get("reduction", 8), "min_hidden": cfg.get("min_hidden", 4),
        "lambda_a": m.lambda_a, "lambda_b": m.lambda_b,
        "init_alpha": ",".join(repr(float(v)) for v in m.alpha.flatten()),
        "init_beta": ",".join(repr(float(v)) for v in m.beta.flatten()),
        "tau": m.tau, "gamma_divisor": m.gamma_divisor, "torch": torch.__version__,
    }
    return t, meta


def ties_b(m):
    """fc2 weight 0 and equal intercept rows: b^1 == b^2 per channel, so x = 0
    is an exact tie; channels 0..3 also get a^1 == a^2 (a tie everywhere)."""
    c = m.channels
    m.fc2.weight.zero_()
    bias = m.fc2.bias.view(4, c)  # rows a1, a2, b1, b2
    bias[3].copy_(bias[2])
    bias[1, :4].copy_(bias[0, :4])


def ties_input(shape):
    x = 1.5 * torch.randn(shape)
    x.view(-1)[::3] = 0.0  # every third element sits on the kink
    return x


def clamp_edge(m):
    """spatial.weight 0: z is uniform, softmax = 1/(H*W) exactly and with
    gamma_divisor 1, gamma*softmax == 1: pi sits exactly on the clamp."""
    m.spatial.weight.zero_()


def sharp_attention(m):
    """Large spatial weights: softmax is peaked, so some positions clamp."""
    m.spatial.weight.mul_(40.0)


CASES = [
    dict(case="a_n2_c8_5x4", variant="A", shape=(2, 8, 5, 4), seed=1),
    dict(case="b_n2_c16_6x5", variant="B", shape=(2, 16, 6, 5), seed=2),
    dict(case="c_n2_c16_7x6", variant="C", shape=(2, 16, 7, 6), seed=3),
    dict(case="a_n2_c6_1x1", variant="A", shape=(2, 6, 1, 1), seed=4),
    dict(case="b_n2_c8_1x1", variant="B", shape=(2, 8, 1, 1), seed=5),
    dict(case="c_n3_c12_1x1", variant="C", shape=(3, 12, 1, 1), seed=6),
    dict(case="c_k3_n2_c8_4x5", variant="C", shape=(2, 8, 4, 5), seed=7, k=3,
         reduction=4, min_hidden=2, lambda_a=0.8, lambda_b=0.3,
         init_alpha=(1.0, 0.0, 0.25), init_beta=(0.0, 0.0, -0.1), tau=5.0, gamma_divisor=2.0),
    dict(case="b_ties_n2_c8_4x4", variant="B", shape=(2, 8, 4, 4), seed=8,
         prepare=ties_b, make_input=ties_input),
    dict(case="c_clampedge_n2_c8_2x2", variant="C", shape=(2, 8, 2, 2), seed=9,
         prepare=clamp_edge, gamma_divisor=1.0),
    dict(case="c_sharp_n2_c8_6x6", variant="C", shape=(2, 8, 6, 6), seed=10,
         prepare=sharp_attention),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
    torch.set_num_threads(1)
    for spec in CASES:
        spec = dict(spec)
        case = spec["case"]
        t, meta = make(**spec)
        path = os.path.join(out, f"dyrelu_{case}.safetensors")
        save_safetensors(path, t, meta)
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
