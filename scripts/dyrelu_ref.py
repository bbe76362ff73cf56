"""PyTorch reference of DY-ReLU A/B/C (Chen et al., "Dynamic ReLU", ECCV 2020,
arXiv 2003.10027), the twin of the Go package dypose/dyrelu.

Importing this module has no side effects; it only defines DyReLU and a few
helpers. State-dict keys (identical in Go):

    fc1.weight (hidden, C)   fc1.bias (hidden)
    fc2.weight (M, hidden)   fc2.bias (M)        M = 2K (A) or 2K*C (B, C)
    spatial.weight (1, C, 1, 1)  spatial.bias (1)   (variant C only)

hidden = max(C // reduction, min_hidden).

fc2's outputs are read as a (2K, Cc) matrix, Cc = 1 for A and C otherwise,
row-major: rows 0..K-1 are the slope residuals da^1..da^K, rows K..2K-1 the
intercept residuals db^1..db^K, each row running over channels. This is the
order in which the paper lists theta(x) = [a^1_1..a^1_C, ..., a^K_1..a^K_C,
b^1_1..b^1_C, ..., b^K_1..b^K_C].

alpha/beta (the initial coefficients) are constants, not state: they are
stored as non-persistent buffers so the state dict holds only the six keys.
"""

import torch
from torch import nn
import torch.nn.functional as F

VARIANTS = ("A", "B", "C")
PAPER_REDUCTION = 8  # the paper's reduction ratio R for the hyper function
MIN_HIDDEN = 4  # narrowest hidden layer; keeps C=16 sites from a 2-unit bottleneck


def hidden_width(channels, reduction=PAPER_REDUCTION, min_hidden=MIN_HIDDEN):
    """Width of fc1's output: max(C // R, min_hidden)."""
    return max(channels // reduction, min_hidden)


def parse_variant(s):
    """'a', 'B', 'dyrelu-c', 'DY-ReLU-C' -> 'A' / 'B' / 'C'."""
    t = s.strip().upper().replace("_", "-")
    for prefix in ("DY-RELU-", "DYRELU-", "DYRELU"):
        if t.startswith(prefix):
            t = t[len(prefix):]
            break
    if t not in VARIANTS:
        raise ValueError(f"dyrelu: unknown variant {s!r} (want a, b or c)")
    return t


class DyReLU(nn.Module):
    """y_c = max_k (a_c^k(x) * x_c + b_c^k(x)), times pi_{h,w} for variant C.

    Hyper function: global average pool -> fc1 -> ReLU -> fc2 -> 2*sigmoid-1
    gives residuals; a^k = alpha^k + lambda_a*da^k, b^k = beta^k + lambda_b*db^k.
    Variant C: pi = clamp(gamma * softmax_{h,w}(spatial(x) / tau), max=1),
    gamma = H*W / gamma_divisor, per sample. Since pi > 0 it is applied after
    the max: pi*max_k(.) == max_k(pi*(.)).
    """

    def __init__(self, channels, variant="C", k=2, reduction=PAPER_REDUCTION,
                 lambda_a=1.0, lambda_b=0.5, init_alpha=(1.0, 0.0),
                 init_beta=(0.0, 0.0), tau=10.0, gamma_divisor=3.0,
                 min_hidden=MIN_HIDDEN):
        super().__init__()
        self.variant = parse_variant(variant)
        if len(init_alpha) != k or len(init_beta) != k:
            raise ValueError(f"dyrelu: init_alpha/init_beta need {k} values")
        self.channels, self.k = channels, k
        self.lambda_a, self.lambda_b = float(lambda_a), float(lambda_b)
        self.tau, self.gamma_divisor = float(tau), float(gamma_divisor)
        self.cc = 1 if self.variant == "A" else channels
        hidden = hidden_width(channels, reduction, min_hidden)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, 2 * k * self.cc)
        self.spatial = nn.Conv2d(channels, 1, 1) if self.variant == "C" else None
        self.register_buffer("alpha", torch.tensor(init_alpha, dtype=torch.float32).view(1, k, 1), persistent=False)
        self.register_buffer("beta", torch.tensor(init_beta, dtype=torch.float32).view(1, k, 1), persistent=False)

    def coefficients(self, x):
        """a, b of shape (N, K, Cc)."""
        n = x.shape[0]
        s = x.mean(dim=(2, 3))
        d = 2.0 * torch.sigmoid(self.fc2(F.relu(self.fc1(s)))) - 1.0
        d = d.view(n, 2 * self.k, self.cc)
        a = self.alpha + self.lambda_a * d[:, : self.k]
        b = self.beta + self.lambda_b * d[:, self.k:]
        return a, b

    def attention(self, x):
        """pi of shape (N, 1, H, W) (variant C)."""
        n, _, h, w = x.shape
        z = self.spatial(x).view(n, h * w)
        gamma = h * w / self.gamma_divisor
        pi = torch.clamp(gamma * torch.softmax(z / self.tau, dim=1), max=1.0)
        return pi.view(n, 1, h, w)

    def forward(self, x):
        a, b = self.coefficients(x)
        a = a[..., None, None]  # (N, K, Cc, 1, 1): broadcasts over (C, H, W)
        b = b[..., None, None]
        # Pairwise torch.maximum: no (N, K, C, H, W) temporary, and at exact
        # ties autograd splits the gradient 0.5/0.5 (the Go twin matches).
        y = torch.addcmul(b[:, 0], x, a[:, 0])
        for j in range(1, self.k):
            y = torch.maximum(y, torch.addcmul(b[:, j], x, a[:, j]))
        if self.variant == "C":
            y = y * self.attention(x)
        return y
