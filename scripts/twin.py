"""PyTorch twin of dypose's pose network (Go packages backbone, head, pose).

The same architectures, module for module, with state-dict keys identical to
the Go model's Params names, so weights move between the two unchanged:

    features.0.0.weight            stem conv (torchvision's MobileNetV3 names)
    features.1.block.0.0.weight    first inverted-residual block ...
    features.12.0.weight           final 1x1 conv (Small; 16 for Large)
    head.layers.0.1.weight         keypoint head (dw head) ...
    head.final_layer.weight        1x1 conv to K heatmaps
    head.laterals.0.0.weight       lateral 1x1 conv + BN from the stride-16,
                                   8 and 4 features (-lat only)

Usage as a library (scripts/fixtures_twin.py) or as a tool:

    /usr/bin/python3 scripts/twin.py summary --arch mnv3-small-dyrelu-c --input 256x192
    /usr/bin/python3 scripts/twin.py export  --arch mnv3-small-dyrelu-c --out w.safetensors [--state-dict model.pt]

`export` writes a safetensors checkpoint that Go's pose.Load reads directly:
the weights (random, or the state dict given) plus the metadata pose.Load
needs (dypose.arch, input size, keypoint names, flip pairs).

Architecture names (parse_arch mirrors Go's pose.ParseArch):

    mnv3-{small|large}-{baseline|dyrelu-a|dyrelu-b|dyrelu-c}[-deconv|-lat][-w<mult>][-hc<n>][-k<n>]

Suffixes are optional, each at most once and in this order. -lat is the dw
head with lateral connections: a 1x1 conv + BN maps the backbone's last
feature map at stride 16, 8 and 4 onto the output of head stage 0, 1 and 2,
where it is added (input sides must then be multiples of 32).
"""

import argparse
import collections
import decimal
import json
import os
import re
import struct
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dyrelu_ref import DyReLU  # noqa: E402

# MobileNetV3 layer tables ("Searching for MobileNetV3", Tables 1 and 2, as
# torchvision builds them): kernel, expansion, output, SE, nonlinearity, stride.
SMALL = [
    (3, 16, 16, True, "RE", 2),
    (3, 72, 24, False, "RE", 2),
    (3, 88, 24, False, "RE", 1),
    (5, 96, 40, True, "HS", 2),
    (5, 240, 40, True, "HS", 1),
    (5, 240, 40, True, "HS", 1),
    (5, 120, 48, True, "HS", 1),
    (5, 144, 48, True, "HS", 1),
    (5, 288, 96, True, "HS", 2),
    (5, 576, 96, True, "HS", 1),
    (5, 576, 96, True, "HS", 1),
]
LARGE = [
    (3, 16, 16, False, "RE", 1),
    (3, 64, 24, False, "RE", 2),
    (3, 72, 24, False, "RE", 1),
    (5, 72, 40, True, "RE", 2),
    (5, 120, 40, True, "RE", 1),
    (5, 120, 40, True, "RE", 1),
    (3, 240, 80, False, "HS", 2),
    (3, 200, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 480, 112, True, "HS", 1),
    (3, 672, 112, True, "HS", 1),
    (5, 672, 160, True, "HS", 2),
    (5, 960, 160, True, "HS", 1),
    (5, 960, 160, True, "HS", 1),
]

BACKBONE_BN_EPS, BACKBONE_BN_MOMENTUM = 1e-3, 0.01  # torchvision MobileNetV3
HEAD_BN_EPS, HEAD_BN_MOMENTUM = 1e-5, 0.1  # PyTorch defaults, as SimpleBaseline
STEM_CHANNELS = 16
LAST_CONV_EXPANSION = 6
DEFAULT_HEAD_CHANNELS = {"dw": 128, "deconv": 256}
DEFAULT_KEYPOINTS = 17
# Bounds of -hc and -k, pose.MaxHeadChannels and pose.MaxKeypoints.
MAX_HEAD_CHANNELS = 1024
MAX_KEYPOINTS = 1024

COCO_KEYPOINTS = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]
COCO_FLIP_PAIRS = [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16)]


def make_divisible(v, divisor=8):
    """Round v to the nearest multiple of divisor, never below divisor and
    never more than 10% below v (torchvision's _make_divisible)."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


# ---------------------------------------------------------------- arch names

ARCH_GRAMMAR = ("mnv3-{small|large}-{baseline|dyrelu-a|dyrelu-b|dyrelu-c}"
                "[-deconv|-lat][-w<mult>][-hc<n>][-k<n>]")
ACTIVATIONS = ("baseline", "dyrelu-a", "dyrelu-b", "dyrelu-c")
LATERAL_MULTIPLE = 32  # input sides for a -lat head: the backbone's stride


class Arch:
    def __init__(self, size="small", act="dyrelu-c", head="dw", width=1.0,
                 head_channels=0, keypoints=DEFAULT_KEYPOINTS, lateral=False):
        if lateral and head != "dw":
            raise ValueError("twin: lateral connections need the dw head")
        self.size, self.act, self.head = size, act, head
        self.width = float(width)
        self.head_channels = head_channels or DEFAULT_HEAD_CHANNELS[head]
        self.keypoints = keypoints
        self.lateral = bool(lateral)

    def __str__(self):
        s = f"mnv3-{self.size}-{self.act}"
        if self.head == "deconv":
            s += "-deconv"
        if self.lateral:
            s += "-lat"
        if self.width != 1.0:
            s += "-w" + format_float(self.width)
        if self.head_channels != DEFAULT_HEAD_CHANNELS[self.head]:
            s += f"-hc{self.head_channels}"
        if self.keypoints != DEFAULT_KEYPOINTS:
            s += f"-k{self.keypoints}"
        return s

    def backbone_act(self):
        return self.act  # "baseline" or "dyrelu-x"

    def head_act(self):
        # The paper's keypoint finding: the spatial variant (C) suits the head.
        return "RE" if self.act == "baseline" else "dyrelu-c"


def format_float(v):
    """Shortest decimal form without an exponent, as Go's
    strconv.FormatFloat(v, 'f', -1, 64): an exponent's "-" (1e-05) would
    split the name."""
    s = format(decimal.Decimal(repr(float(v))), "f")
    return s[:-2] if s.endswith(".0") else s


def _go_int(s):
    """int(s) as Go's strconv.Atoi accepts it: optional sign, then digits."""
    if not re.fullmatch(r"[+-]?[0-9]+", s):
        raise ValueError(f"invalid integer {s!r}")
    return int(s)


def _go_float(s):
    """float(s), refusing the spellings Go's strconv.ParseFloat does not
    take for decimals (blanks, underscores)."""
    if not s or re.search(r"[\s_]", s):
        raise ValueError(f"invalid number {s!r}")
    return float(s)


def parse_arch(name):
    """Parse an architecture name exactly as Go's pose.ParseArch does: the
    same suffix order, each suffix at most once, the same value checks."""
    def bad(why):
        return ValueError(f"twin: architecture {name!r}: {why} (want {ARCH_GRAMMAR})")

    s = name.strip().lower()
    if not s.startswith("mnv3-"):
        raise bad("no mnv3- prefix")
    size, _, rest = s[len("mnv3-"):].partition("-")
    if size not in ("small", "large"):
        raise bad(f"unknown size {size!r}")
    for act in ACTIVATIONS:
        if rest.startswith(act) and (len(rest) == len(act) or rest[len(act)] == "-"):
            rest = rest[len(act):]
            break
    else:
        raise bad(f"unknown activation in {rest!r}")
    a = Arch(size=size, act=act)
    head_channels = 0
    if rest:
        order = 0
        for part in rest[1:].split("-"):
            err = None
            try:
                if part == "deconv":
                    rank, a.head = 1, "deconv"
                elif part == "lat":
                    rank, a.lateral = 2, True
                    if a.head == "deconv":
                        raise bad("lateral connections need the DWUp head, not -deconv")
                elif part.startswith("hc"):
                    rank = 4
                    head_channels = _go_int(part[2:])
                    if not 1 <= head_channels <= MAX_HEAD_CHANNELS:
                        err = f"must be in [1, {MAX_HEAD_CHANNELS}]"
                elif part.startswith("w"):
                    rank = 3
                    a.width = _go_float(part[1:])
                    if not (0 < a.width <= 4):
                        err = "must be in (0, 4]"
                elif part.startswith("k"):
                    rank = 5
                    a.keypoints = _go_int(part[1:])
                    if not 1 <= a.keypoints <= MAX_KEYPOINTS:
                        err = f"must be in [1, {MAX_KEYPOINTS}]"
                else:
                    raise bad(f"unknown suffix {part!r}")
            except ValueError as e:
                if str(e).startswith("twin:"):
                    raise
                err = str(e)
            if err is not None:
                raise bad(f"suffix {part!r}: {err}")
            if rank <= order:
                raise bad(f"suffix {part!r} repeated or out of order")
            order = rank
    a.head_channels = head_channels or DEFAULT_HEAD_CHANNELS[a.head]
    return a


# ------------------------------------------------------------------ modules

def activation(kind, channels):
    if kind == "RE":
        return nn.ReLU()
    if kind == "HS":
        return nn.Hardswish()
    if kind.startswith("dyrelu-"):
        return DyReLU(channels, variant=kind)
    raise ValueError(f"twin: unknown activation {kind!r}")


def conv_bn_act(cin, cout, k, stride, groups, act, eps, momentum):
    """conv (no bias) -> BN -> act: children 0, 1, 2 (torchvision's
    Conv2dNormActivation)."""
    layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout, eps=eps, momentum=momentum)]
    if act is not None:
        layers.append(activation(act, cout))
    return nn.Sequential(*layers)


class SqueezeExcitation(nn.Module):
    """avgpool -> fc1 (1x1 conv) -> ReLU -> fc2 (1x1 conv) -> hardsigmoid -> scale."""

    def __init__(self, channels, squeeze):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s


class InvertedResidual(nn.Module):
    def __init__(self, cin, k, exp, cout, se, act, stride):
        super().__init__()
        self.use_res = stride == 1 and cin == cout
        layers = []
        if exp != cin:
            layers.append(conv_bn_act(cin, exp, 1, 1, 1, act, BACKBONE_BN_EPS, BACKBONE_BN_MOMENTUM))
        layers.append(conv_bn_act(exp, exp, k, stride, exp, act, BACKBONE_BN_EPS, BACKBONE_BN_MOMENTUM))
        if se:
            layers.append(SqueezeExcitation(exp, make_divisible(exp // 4, 8)))
        layers.append(conv_bn_act(exp, cout, 1, 1, 1, None, BACKBONE_BN_EPS, BACKBONE_BN_MOMENTUM))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        y = self.block(x)
        return x + y if self.use_res else y


Skip = collections.namedtuple("Skip", "index stride channels")


def backbone_features(arch):
    """The MobileNetV3 feature extractor (stride 32), its output width and
    its skips: for strides 16, 8 and 4 (in this order) the last layer of
    features at that stride, as Skip(index into features, stride, channels)
    (Go: backbone.MobileNetV3.Skips)."""
    table = SMALL if arch.size == "small" else LARGE
    dy = arch.act != "baseline"
    adj = lambda c: make_divisible(c * arch.width, 8)  # noqa: E731

    def act_of(nl):
        return arch.act if dy else nl

    cin = adj(STEM_CHANNELS)
    layers = [conv_bn_act(3, cin, 3, 2, 1, act_of("HS"), BACKBONE_BN_EPS, BACKBONE_BN_MOMENTUM)]
    skips, total_stride = [None] * 3, 2
    for k, exp, out, se, nl, stride in table:
        exp, out = adj(exp), adj(out)
        layers.append(InvertedResidual(cin, k, exp, out, se and not dy, act_of(nl), stride))
        cin = out
        total_stride *= stride
        for i, want in enumerate((16, 8, 4)):
            if total_stride == want:  # the last block at this stride wins
                skips[i] = Skip(len(layers) - 1, total_stride, out)
    last = LAST_CONV_EXPANSION * cin
    layers.append(conv_bn_act(cin, last, 1, 1, 1, act_of("HS"), BACKBONE_BN_EPS, BACKBONE_BN_MOMENTUM))
    return nn.Sequential(*layers), last, skips


class Upsample2x(nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class DWUpHead(nn.Module):
    """Three stages of: bilinear x2 -> 3x3 depthwise conv+BN+act -> 1x1 conv
    to C + BN + act; then a 1x1 conv (bias) to K heatmaps. Stride 32 -> 4.

    With skip_channels (the -lat head, Go's head.NewLateral), laterals.<i>
    = 1x1 conv (no bias) from skip_channels[i] to C + BN maps the backbone's
    stride-16, 8 and 4 features onto stage i's output, where it is added.
    They are registered after final_layer, the order of Go's Head.Params."""

    def __init__(self, cin, channels, keypoints, act, skip_channels=None):
        super().__init__()
        stages = []
        for _ in range(3):
            stages.append(nn.Sequential(
                Upsample2x(),
                nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False),
                nn.BatchNorm2d(cin, eps=HEAD_BN_EPS, momentum=HEAD_BN_MOMENTUM),
                activation(act, cin),
                nn.Conv2d(cin, channels, 1, bias=False),
                nn.BatchNorm2d(channels, eps=HEAD_BN_EPS, momentum=HEAD_BN_MOMENTUM),
                activation(act, channels),
            ))
            cin = channels
        self.layers = nn.Sequential(*stages)
        self.final_layer = nn.Conv2d(channels, keypoints, 1)
        self.laterals = None
        if skip_channels is not None:
            self.laterals = nn.ModuleList(
                nn.Sequential(nn.Conv2d(c, channels, 1, bias=False),
                              nn.BatchNorm2d(channels, eps=HEAD_BN_EPS, momentum=HEAD_BN_MOMENTUM))
                for c in skip_channels)

    def forward(self, x, skips=None):
        if self.laterals is None:
            return self.final_layer(self.layers(x))
        for stage, lateral, skip in zip(self.layers, self.laterals, skips):
            x = stage(x) + lateral(skip)
        return self.final_layer(x)


class DeconvHead(nn.Module):
    """SimpleBaseline: 3 x (ConvTranspose 4x4 s2 p1, no bias -> BN -> act),
    then a 1x1 conv (bias) to K heatmaps."""

    def __init__(self, cin, channels, keypoints, act):
        super().__init__()
        layers = []
        for _ in range(3):
            layers += [nn.ConvTranspose2d(cin, channels, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(channels, eps=HEAD_BN_EPS, momentum=HEAD_BN_MOMENTUM),
                       activation(act, channels)]
            cin = channels
        self.deconv_layers = nn.Sequential(*layers)
        self.final_layer = nn.Conv2d(channels, keypoints, 1)

    def forward(self, x):
        return self.final_layer(self.deconv_layers(x))


class PoseNet(nn.Module):
    def __init__(self, arch):
        super().__init__()
        if isinstance(arch, str):
            arch = parse_arch(arch)
        self.arch = arch
        self.features, cout, self.skips = backbone_features(arch)
        if arch.lateral:
            self.head = DWUpHead(cout, arch.head_channels, arch.keypoints, arch.head_act(),
                                 skip_channels=[s.channels for s in self.skips])
        else:
            cls = DWUpHead if arch.head == "dw" else DeconvHead
            self.head = cls(cout, arch.head_channels, arch.keypoints, arch.head_act())

    def forward(self, x):
        if not self.arch.lateral:
            return self.head(self.features(x))
        if x.shape[-2] % LATERAL_MULTIPLE or x.shape[-1] % LATERAL_MULTIPLE:
            raise ValueError(f"twin: input {tuple(x.shape)}: a head with laterals needs "
                             f"sides that are multiples of {LATERAL_MULTIPLE}")
        at = {s.index: i for i, s in enumerate(self.skips)}
        skips = [None] * len(self.skips)
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in at:
                skips[at[i]] = x
        return self.head(x, skips)


def init_weights(model, gen):
    """Deterministic, non-trivial initialisation for fixtures: every parameter
    and BN buffer gets values from gen, so a test cannot pass on zeros/ones."""
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dtype != torch.float32:
                continue
            if name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=gen))
            elif name.endswith("running_mean") or name.endswith(".bias"):
                t.copy_(0.1 * torch.randn(t.shape, generator=gen))
            elif name.endswith(".weight") and t.dim() == 1:  # BN gamma
                t.copy_(1.0 + 0.2 * torch.randn(t.shape, generator=gen))
            else:
                fan_in = max(1, t[0].numel()) if t.dim() > 1 else 1
                if "ConvTranspose" in type(_module_of(model, name)).__name__:
                    fan_in = t.shape[0] * t.shape[2] * t.shape[3] // 4
                t.copy_(torch.randn(t.shape, generator=gen) * (2.0 / fan_in) ** 0.5)


def _module_of(model, name):
    return model.get_submodule(name.rsplit(".", 1)[0])


# ----------------------------------------------------------- counting

def count_params(model):
    return sum(p.numel() for p in model.parameters())


def count_madds(model, x):
    """Multiply-adds of conv, transposed conv and linear layers (the paper's
    convention: activations, BN, pooling and upsampling are not counted)."""
    total = [0]

    def conv_hook(m, inp, out):
        total[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def deconv_hook(m, inp, out):
        x = inp[0]
        total[0] += x.numel() // x.shape[0] * m.out_channels * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inp, out):
        total[0] += out.numel() // out.shape[0] * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.ConvTranspose2d):
            hooks.append(m.register_forward_hook(deconv_hook))
        elif isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model.eval()
        model(x[:1])
    for h in hooks:
        h.remove()
    return total[0]


# ------------------------------------------------------------ safetensors

def write_safetensors(path, tensors, metadata=None, half=False):
    """Minimal safetensors writer, tensors in name order, written
    atomically. half: True stores every tensor as F16, a set of names only
    those; the rest are F32."""
    header, chunks, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        h16 = half is True or (not isinstance(half, bool) and name in half)
        t = tensors[name].detach().contiguous().cpu()
        t = t.to(torch.float16 if h16 else torch.float32)
        b = t.numpy().tobytes()
        header[name] = {"dtype": "F16" if h16 else "F32", "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


def checkpoint_metadata(arch, input_hw=(256, 192)):
    return {
        "dypose.arch": str(arch),
        "dypose.input": f"{input_hw[0]}x{input_hw[1]}",
        "dypose.keypoints": ",".join(COCO_KEYPOINTS[:arch.keypoints])
        if arch.keypoints == DEFAULT_KEYPOINTS else "",
        "dypose.flip_pairs": ",".join(f"{a}-{b}" for a, b in COCO_FLIP_PAIRS)
        if arch.keypoints == DEFAULT_KEYPOINTS else "",
    }


def export(model, path, input_hw=(256, 192), half=False):
    """Write model's state dict as a dypose checkpoint (Go: pose.Load)."""
    sd = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    write_safetensors(path, sd, checkpoint_metadata(model.arch, input_hw), half=half)


# --------------------------------------------------------------------- CLI

def parse_input(s):
    h, w = s.lower().split("x")
    return int(h), int(w)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("summary", help="print parameter and multiply-add counts")
    s.add_argument("--arch", required=True)
    s.add_argument("--input", default="256x192")
    e = sub.add_parser("export", help="write a dypose safetensors checkpoint")
    e.add_argument("--arch", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--input", default="256x192")
    e.add_argument("--state-dict", help="a torch.save'd state dict of this twin to convert")
    e.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.manual_seed(getattr(a, "seed", 0))
    model = PoseNet(a.arch)
    hw = parse_input(a.input)
    if a.cmd == "summary":
        x = torch.zeros(1, 3, *hw)
        print(f"arch {model.arch}  input {hw[0]}x{hw[1]}")
        print(f"params {count_params(model)}  madds {count_madds(model, x)}")
        print(f"backbone params {sum(p.numel() for p in model.features.parameters())}"
              f"  head params {sum(p.numel() for p in model.head.parameters())}")
        return
    if a.state_dict:
        model.load_state_dict(torch.load(a.state_dict, map_location="cpu"), strict=True)
    export(model, a.out, hw)
    print(f"wrote {a.out} ({model.arch}, {count_params(model)} params)")


if __name__ == "__main__":
    main()
