"""Writes tiny YOLO-shaped ONNX models for detect's ONNX tests.

Run with /usr/bin/python3 (PyTorch 1.13); the .onnx files are committed, so
Go tests never need Python. Each model ignores its input except for one
value: the mean of input channel 0 (R after the detector's BGR->RGB swap,
scaled to [0, 1]), which becomes the person score of box 0. Every other
number is a constant chosen so the letterbox mapping, class selection,
score threshold, NMS and clipping have hand-computable answers (see
onnx_test.go).

Input: 1x3x128x160 (N,C,H,W). Boxes in input pixels (cx, cy, w, h).
"""
import torch
from torch import nn

IN_H, IN_W = 128, 160

# cx, cy, w, h, objectness, class 0 (person), class 1, class 2
ROWS = [
    [80, 64, 40, 60, 0.0, 1.0, 0.1, 0.1],   # person; obj := mean(R)
    [40, 40, 20, 20, 0.9, 0.1, 0.9, 0.1],   # class 1: person score 0.09
    [82, 66, 40, 60, 0.6, 0.9, 0.0, 0.0],   # overlaps box 0: NMS drops it
    [140, 100, 30, 40, 0.5, 0.8, 0.0, 0.0],  # reaches into the bottom pad
]
# Real exports have far more candidates than attributes (25200×85, 84×8400),
# which is what LayoutAuto relies on: pad with empty candidates to 16.
N_BOXES = 16
SCORE_V5 = (0, 4)  # (row, column) that receives mean(R) in the v5 layout
SCORE_V8 = (0, 4)  # same row; v8 has no objectness, so class 0 carries it


class Fixed(nn.Module):
    """out = reshape(bias + W · mean_hw(x)), W one-hot on channel 0."""

    def __init__(self, table, hot, shape):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        n = table.numel()
        self.fc = nn.Linear(3, n)
        with torch.no_grad():
            self.fc.weight.zero_()
            self.fc.weight[hot, 0] = 1.0
            self.fc.bias.copy_(table.reshape(-1))
        self.shape = shape

    def forward(self, x):
        return self.fc(self.pool(x).flatten(1)).reshape(self.shape)


def export(name, table, hot, shape):
    m = Fixed(table, hot, shape).eval()
    x = torch.zeros(1, 3, IN_H, IN_W)
    torch.onnx.export(m, x, name, input_names=["images"],
                      output_names=["output0"], opset_version=12)


def main():
    rows = torch.zeros(N_BOXES, len(ROWS[0]))
    rows[: len(ROWS)] = torch.tensor(ROWS, dtype=torch.float32)
    v5 = rows.clone()
    v5[SCORE_V5] = 0.0
    export("yolov5_tiny.onnx", v5, SCORE_V5[0] * v5.shape[1] + SCORE_V5[1],
           (1, v5.shape[0], v5.shape[1]))

    # v8: drop objectness, fold it into the class scores, transpose to (1, 4+C, N).
    v8 = torch.cat([rows[:, :4], rows[:, 5:] * rows[:, 4:5]], dim=1)
    v8[SCORE_V8] = 0.0
    v8t = v8.t().contiguous()  # (4+C, N)
    hot = SCORE_V8[1] * v8t.shape[1] + SCORE_V8[0]  # (column, row) after the transpose
    export("yolov8_tiny.onnx", v8t, hot, (1, v8t.shape[0], v8t.shape[1]))


if __name__ == "__main__":
    main()
