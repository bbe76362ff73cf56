#!/usr/bin/python3
"""Write the PyTorch reference fixtures for nn's BatchNorm2D, activations,
JointsMSELoss, Adam/AdamW and LR schedules (Go tests: nn/*_test.go):

    testdata/nn_misc_bn.safetensors     BatchNorm2d train/eval forward+backward, running stats
    testdata/nn_misc_act.safetensors    ReLU, ReLU6, Sigmoid, Hardsigmoid, Hardswish incl. kinks
    testdata/nn_misc_loss.safetensors   SimpleBaseline's JointsMSELoss and JointsOHKMMSELoss values and gradients
    testdata/nn_misc_optim.safetensors  Adam / AdamW parameter trajectories and final state
    testdata/nn_misc_sched.safetensors  MultiStepLR and CosineAnnealingLR sequences

Everything is float32 and seeded. Needs torch; run with the system Python:

    /usr/bin/python3 scripts/fixtures_nn_misc.py [outdir]
"""

import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(os.path.join(HERE, "..", "testdata"))


def save(name, tensors, metadata=None):
    # Imported here: scripts/st.py is shared with the other fixture scripts.
    sys.path.insert(0, HERE)
    from st import save_safetensors

    path = os.path.join(OUT, f"nn_misc_{name}.safetensors")
    save_safetensors(path, {k: v.detach().float().contiguous() for k, v in tensors.items()}, metadata)
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(tensors)} tensors)")


def batchnorm():
    g = torch.Generator().manual_seed(1)
    t = {}
    # (N, C, H, W), eps, momentum; the input carries a per-channel offset so
    # the mean matters, and one case has H = W = 1 (statistics over N only).
    cases = {
        "train_e5_m01": ((2, 3, 4, 5), 1e-5, 0.1, True),
        "train_e3_m001": ((3, 4, 3, 2), 1e-3, 0.01, True),
        "train_1x1": ((5, 3, 1, 1), 1e-3, 0.1, True),
        "eval_e5": ((2, 3, 4, 5), 1e-5, 0.1, False),
        "eval_e3": ((3, 4, 3, 2), 1e-3, 0.01, False),
    }
    for name, (shape, eps, mom, train) in cases.items():
        c = shape[1]
        bn = torch.nn.BatchNorm2d(c, eps=eps, momentum=mom)
        with torch.no_grad():
            bn.weight.copy_(torch.rand(c, generator=g) + 0.5)
            bn.bias.copy_(torch.randn(c, generator=g))
            bn.running_mean.copy_(torch.randn(c, generator=g))
            bn.running_var.copy_(torch.rand(c, generator=g) + 0.5)
        for k in ("weight", "bias", "running_mean", "running_var"):
            t[f"{name}.{k}"] = getattr(bn, k).detach().clone()
        bn.train(train)
        x = (torch.randn(shape, generator=g) * 2 + torch.randn(1, c, 1, 1, generator=g) * 3).requires_grad_()
        dy = torch.randn(shape, generator=g)
        y = bn(x)
        y.backward(dy)
        t[f"{name}.input"] = x
        t[f"{name}.grad_output"] = dy
        t[f"{name}.output"] = y
        t[f"{name}.grad_input"] = x.grad
        t[f"{name}.grad.weight"] = bn.weight.grad
        t[f"{name}.grad.bias"] = bn.bias.grad
        t[f"{name}.new.running_mean"] = bn.running_mean
        t[f"{name}.new.running_var"] = bn.running_var
        t[f"{name}.eps"] = torch.tensor([eps])
        t[f"{name}.momentum"] = torch.tensor([mom])
    save("bn", t)


def activations():
    g = torch.Generator().manual_seed(2)
    kinks = torch.tensor([-6.0, -3.0, -1.5, -0.0, 0.0, 3.0, 6.0, -3.0001, -2.9999, 2.9999, 3.0001, 5.9999, 6.0001, 1e-7, -1e-7])
    x = torch.cat([kinks, torch.rand(2 * 3 * 4 * 5 - len(kinks), generator=g) * 16 - 8]).reshape(2, 3, 4, 5)
    dy = torch.randn(x.shape, generator=g)
    t = {"input": x, "grad_output": dy}
    fns = {
        "relu": F.relu,
        "relu6": F.relu6,
        "sigmoid": torch.sigmoid,
        "hardsigmoid": F.hardsigmoid,
        "hardswish": F.hardswish,
    }
    for name, fn in fns.items():
        xi = x.clone().requires_grad_()
        y = fn(xi)
        y.backward(dy)
        t[f"{name}.output"] = y
        t[f"{name}.grad_input"] = xi.grad
    save("act", t)


def joints_mse(pred, target, weight, use_weight):
    """SimpleBaseline's JointsMSELoss written out: per joint k, 0.5 * mean over
    (N, H*W) of the squared difference of pred*w and target*w, averaged over K."""
    n, k = pred.shape[:2]
    p, q = pred.reshape(n, k, -1), target.reshape(n, k, -1)
    loss = 0.0
    for j in range(k):
        a, b = p[:, j], q[:, j]
        if use_weight:
            w = weight[:, j].reshape(n, 1)
            a, b = a * w, b * w
        loss = loss + 0.5 * F.mse_loss(a, b, reduction="mean")
    return loss / k


def joints_ohkm_mse(pred, target, weight, topk):
    """SimpleBaseline's JointsOHKMMSELoss written out: the per-(sample, joint)
    terms 0.5 * mean over H*W, each sample's topk largest summed and divided by
    topk, averaged over the batch."""
    n, k = pred.shape[:2]
    w = weight.reshape(n, k, 1)
    a, b = pred.reshape(n, k, -1) * w, target.reshape(n, k, -1) * w
    per = 0.5 * ((a - b) ** 2).mean(dim=2)
    return (torch.topk(per, topk, dim=1).values.sum(dim=1) / topk).mean()


def loss():
    g = torch.Generator().manual_seed(3)
    shape = (3, 4, 6, 5)
    pred = torch.randn(shape, generator=g)
    target = torch.rand(shape, generator=g)
    weight = torch.rand(shape[:2], generator=g) + 0.5
    weight[0, 1] = 0
    weight[2, 3] = 0
    t = {"pred": pred, "target": target, "weight": weight}
    for name, use in (("weighted", True), ("unweighted", False)):
        p = pred.clone().requires_grad_()
        value = joints_mse(p, target, weight, use)
        value.backward()
        t[f"{name}.loss"] = value.reshape(1)
        t[f"{name}.grad"] = p.grad
    p = pred.clone().requires_grad_()
    value = joints_ohkm_mse(p, target, weight, 2)
    value.backward()
    t["ohkm2.loss"] = value.reshape(1)
    t["ohkm2.grad"] = p.grad
    save("loss", t)


def optim():
    g = torch.Generator().manual_seed(4)
    init = {"a.weight": torch.randn(3, 4, generator=g), "a.bias": torch.randn(5, generator=g)}
    steps = 4
    grads = [{k: torch.randn(v.shape, generator=g) for k, v in init.items()} for _ in range(steps)]
    t = {f"init.{k}": v for k, v in init.items()}
    for s, gs in enumerate(grads):
        for k, v in gs.items():
            t[f"grad{s}.{k}"] = v
    configs = {
        "adam": (torch.optim.Adam, dict(lr=1e-2)),
        "adam_wd": (torch.optim.Adam, dict(lr=1e-2, betas=(0.8, 0.95), eps=0.05, weight_decay=0.05)),
        "adamw": (torch.optim.AdamW, dict(lr=1e-2, weight_decay=0.1)),
    }
    for name, (cls, kw) in configs.items():
        ps = {k: v.clone().requires_grad_() for k, v in init.items()}
        opt = cls(list(ps.values()), **kw)
        for s, gs in enumerate(grads):
            for k, p in ps.items():
                p.grad = gs[k].clone()
            if name == "adam" and s == 2:
                for group in opt.param_groups:
                    group["lr"] = 3e-3  # a schedule changing the LR mid-run
            opt.step()
            for k, p in ps.items():
                t[f"{name}.step{s}.{k}"] = p.detach().clone()
        for k, p in ps.items():
            st = opt.state[p]
            t[f"{name}.exp_avg.{k}"] = st["exp_avg"]
            t[f"{name}.exp_avg_sq.{k}"] = st["exp_avg_sq"]
    save("optim", t)


def schedules():
    t = {}
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=5e-4)
    ms = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 7, 7, 9], gamma=0.1)
    seq = []
    for _ in range(12):
        seq.append(opt.param_groups[0]["lr"])
        opt.step()
        ms.step()
    t["multistep"] = torch.tensor(seq, dtype=torch.float64)
    opt = torch.optim.SGD([p], lr=0.1)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=1e-3)
    seq = []
    for _ in range(11):
        seq.append(opt.param_groups[0]["lr"])
        opt.step()
        cos.step()
    t["cosine"] = torch.tensor(seq, dtype=torch.float64)
    save("sched", t, {"multistep": "base 5e-4, milestones 3,7,7,9, gamma 0.1",
                      "cosine": "base 0.1, eta_min 1e-3, T_max 10"})


if __name__ == "__main__":
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    batchnorm()
    activations()
    loss()
    optim()
    schedules()
