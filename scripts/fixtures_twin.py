"""Export golden tensors of the PyTorch twin (scripts/twin.py) for the Go
tests of package pose: testdata/twin_<arch>.safetensors.

    /usr/bin/python3 scripts/fixtures_twin.py [arch|checkpoint ...]

With names, only those fixtures are written (the rest are skipped without
changing what the named ones get from the random stream).

Full-width MobileNetV3 weights are megabytes, too big to commit as
fixtures, so the weights are not stored: both sides synthesise them from
each parameter's name with the generator below (pose's synthWeights in
pose/twin_test.go is its Go copy). The state-dict names and shapes are
stored as metadata ("names"), so a renamed or reshaped parameter fails the
Go test by name rather than as a numeric mismatch. One small fixture
(twin_ckpt_*) also stores its weights as a dypose checkpoint, to test the
pose.Load path with a file PyTorch wrote.

Each fixture holds (float32 unless noted):
    input            (N,3,H,W), stored as float16 (values chosen to be exact)
    target, target_weight   a training target (N,K,H/4,W/4) and (N,K)
    heatmaps_<mode>  forward in eval mode (BN running statistics) and
                     train mode (BN batch statistics)
    loss_<mode>      () JointsMSE: 0.5 * mean((w*(pred-target))^2)
    grad_<mode>.input      dL/dinput
    grad_<mode>.<name>     dL/d<name> for a few named parameters
References are computed in float64 from the float32 weights; metadata
"f32err.<tensor>" records how far PyTorch's own float32 run is from them.
"""

import json
import os
import re
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import twin  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BATCH, INPUT_H, INPUT_W = 2, 64, 64

# arch -> parameters whose gradients are checked (besides the input).
FIXTURES = {
    "mnv3-small-dyrelu-c": [
        "features.0.0.weight", "features.1.block.0.2.fc2.weight",
        "features.4.block.1.1.weight", "features.12.2.spatial.weight",
        "head.layers.0.1.weight", "head.layers.2.6.fc1.bias", "head.final_layer.bias"],
    "mnv3-large-dyrelu-c": [
        "features.0.1.bias", "features.2.block.1.0.weight",
        "features.16.2.fc2.bias", "head.layers.1.4.weight", "head.final_layer.weight"],
    "mnv3-small-baseline": [
        "features.0.0.weight", "features.1.block.1.fc1.weight",
        "features.9.block.2.fc2.bias", "head.layers.0.1.weight", "head.final_layer.bias"],
    "mnv3-small-dyrelu-b-deconv-w0.5-hc32": [
        "features.3.block.0.0.weight", "features.12.2.fc1.weight",
        "head.deconv_layers.3.weight", "head.deconv_layers.7.weight", "head.final_layer.weight"],
    "mnv3-large-dyrelu-a-w0.75-k5": [
        "features.5.block.1.1.weight", "features.16.2.fc2.weight", "head.final_layer.bias"],
}
# Fixtures added later: each draws its inputs from a generator of its own
# (seed), so adding one leaves the bytes of every other fixture unchanged.
# Small (w0.25, hc16) to keep the file and the test fast.
SEEDED_FIXTURES = {
    # Lateral head: the skips' gradients reach the backbone at features.8
    # (stride 16), .3 (stride 8) and .1 (stride 4) besides the main path.
    "mnv3-small-dyrelu-c-lat-w0.25-hc16": (2021, [
        "features.1.block.1.1.weight", "features.3.block.2.0.weight",
        "features.8.block.2.1.weight", "head.laterals.0.0.weight",
        "head.laterals.1.1.weight", "head.laterals.2.0.weight",
        "head.layers.2.4.weight", "head.final_layer.bias"]),
}
CHECKPOINT_ARCH = "mnv3-small-dyrelu-c-w0.25-hc16-k3"

FC2_SCALE = 0.25
GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001B3) & MASK
    return h


def unit(name, n):
    """n values in [-1, 1): splitmix64 of (fnv1a64(name) + (i+1)*golden)."""
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(fnv1a64(name)) + i * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 * 2.0 - 1.0


def synth_value(name, shape):
    """The synthetic value of parameter name (float32), by its role."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = unit(name, n)
    if name.endswith("running_var"):
        v = 1.0 + 0.5 * u
    elif name.endswith("running_mean") or name.endswith(".bias"):
        v = 0.1 * u
    elif len(shape) == 1:  # BatchNorm weight
        v = 1.0 + 0.2 * u
    else:
        if re.search(r"deconv_layers\.\d+\.weight$", name):  # (Cin, Cout, k, k), stride 2
            fan_in = shape[0] * shape[2] * shape[3] / 4.0
        else:
            fan_in = n / shape[0]
        v = u * np.sqrt(3.0 / fan_in)  # unit gain (LeCun): stable for every act
        if ".fc2." in name:  # keep DY-ReLU near ReLU so activations stay O(1)
            v = v * FC2_SCALE
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def synth_weights(model):
    sd = model.state_dict()
    with torch.no_grad():
        for name, t in sd.items():
            if name.endswith("num_batches_tracked"):
                continue
            t.copy_(synth_value(name, tuple(t.shape)))


def param_names(model):
    return [[k, list(v.shape)] for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")]


def fixture_name(arch):
    return "twin_" + arch.replace("mnv3-", "").replace("-", "_").replace(".", "") + ".safetensors"


def make(arch, grads, gen, write=True):
    """Write the fixture of arch; write=False only draws its inputs from
    gen (so that the fixtures after it get the same ones)."""
    model = twin.PoseNet(arch)
    x = (torch.rand(BATCH, 3, INPUT_H, INPUT_W, generator=gen) * 4 - 2).half().float()
    k = model.arch.keypoints
    hh, hw = INPUT_H // 4, INPUT_W // 4
    target = torch.rand(BATCH, k, hh, hw, generator=gen)
    weight = (torch.rand(BATCH, k, generator=gen) > 0.3).float()
    if not write:
        return
    synth_weights(model)
    names = param_names(model)

    def step(dtype, train):
        """Heatmaps, loss and gradients of one forward/backward in dtype."""
        m = twin.PoseNet(arch)
        m.load_state_dict(model.state_dict())
        m = m.to(dtype).train(train)
        xin = x.to(dtype).detach().requires_grad_(True)
        hm = m(xin)
        w = weight.to(dtype)[:, :, None, None]
        loss = 0.5 * ((hm - target.to(dtype)) * w).pow(2).mean()
        loss.backward()
        params = dict(m.named_parameters())
        g = {"input": xin.grad}
        g.update({n: params[n].grad for n in grads})
        return hm.detach(), loss.detach(), g

    out = {"input": x, "target": target, "target_weight": weight}
    meta = {}
    for mode, train in (("eval", False), ("train", True)):
        hm, loss, g = step(torch.float64, train)
        _, _, g32 = step(torch.float32, train)
        out["heatmaps_" + mode] = hm.float()
        out["loss_" + mode] = loss.float().reshape(())
        for n, v in g.items():
            out[f"grad_{mode}.{n}"] = v.float()
            # PyTorch's own float32 error on this gradient (max |diff| over
            # max |ref|): train-mode BN on tiny batches amplifies rounding,
            # so the Go test allows a multiple of it there.
            err = ((g32[n].double() - v).abs().max() / v.abs().max()).item()
            meta[f"f32err.grad_{mode}.{n}"] = f"{err:.3e}"
    hm_eval = out["heatmaps_eval"]
    madds = twin.count_madds(twin.PoseNet(arch), torch.zeros(1, 3, 256, 192))
    meta.update({"arch": str(model.arch), "names": json.dumps(names),
                 "params": str(twin.count_params(model)), "madds_256x192": str(madds)})
    path = os.path.join(ROOT, "testdata", fixture_name(arch))
    twin.write_safetensors(path, out, meta, half={"input"})
    worst = max(float(v) for k, v in meta.items() if k.startswith("f32err.grad_train"))
    print(f"{path}: {os.path.getsize(path)} bytes, |hm| max {hm_eval.abs().max():.3g}, "
          f"torch f32 train-grad error up to {worst:.1e}")


def make_checkpoint(gen):
    """A real checkpoint (weights stored) written by twin.export, plus the
    heatmaps it gives, so Go tests pose.Load on a PyTorch-written file."""
    torch.manual_seed(7)
    model = twin.PoseNet(CHECKPOINT_ARCH)
    twin.init_weights(model, gen)
    path = os.path.join(ROOT, "testdata", "twin_ckpt_small.safetensors")
    twin.export(model, path, (INPUT_H, INPUT_W), half=True)
    with torch.no_grad():  # the reference uses the weights as stored
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.copy_(t.half().float())
    x = (torch.rand(1, 3, INPUT_H, INPUT_W, generator=gen) * 4 - 2).half().float()
    m64 = model.double().eval()
    with torch.no_grad():
        hm = m64(x.double()).float()
    out = os.path.join(ROOT, "testdata", "twin_ckpt_small_io.safetensors")
    twin.write_safetensors(out, {"input": x, "heatmaps_eval": hm}, {"arch": CHECKPOINT_ARCH}, half={"input"})
    print(f"{path}: {os.path.getsize(path)} bytes; {out}: {os.path.getsize(out)} bytes")


def main(only):
    for name in only:
        if name not in FIXTURES and name not in SEEDED_FIXTURES and name != "checkpoint":
            sys.exit(f"fixtures_twin: unknown fixture {name!r}")
    wanted = lambda name: not only or name in only  # noqa: E731
    gen = torch.Generator().manual_seed(2020)
    for arch, grads in FIXTURES.items():
        make(arch, grads, gen, write=wanted(arch))
    if wanted("checkpoint"):
        make_checkpoint(gen)
    for arch, (seed, grads) in SEEDED_FIXTURES.items():
        if wanted(arch):
            make(arch, grads, torch.Generator().manual_seed(seed))


if __name__ == "__main__":
    main(sys.argv[1:])
