"""Minimal safetensors reader/writer for fixture scripts (no pip package needed).

Format (huggingface/safetensors): an 8-byte little-endian header length, a
JSON header mapping each tensor name to {"dtype", "shape", "data_offsets"}
(plus an optional "__metadata__" map of strings), then the raw
little-endian bytes of every tensor, back to back.

    from st import save_safetensors
    save_safetensors("testdata/x.safetensors", {"w": torch.randn(3, 4)}, {"seed": "0"})

Floating tensors are stored as F32 (what the Go tests compare against);
integer and bool tensors keep their type (I64, I32, U8, BOOL).
"""

import json
import struct

import numpy as np
import torch

_INT_DTYPES = {
    torch.int64: ("I64", "<i8"),
    torch.int32: ("I32", "<i4"),
    torch.uint8: ("U8", "u1"),
    torch.bool: ("BOOL", "u1"),
}
_NP_DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "I32": "<i4", "U8": "u1", "BOOL": "u1"}


def _encode(t):
    t = t.detach().cpu().contiguous()
    if t.dtype in _INT_DTYPES:
        name, np_dtype = _INT_DTYPES[t.dtype]
        return name, t.numpy().astype(np_dtype).tobytes()
    if not t.is_floating_point():
        raise TypeError(f"unsupported dtype {t.dtype}")
    return "F32", t.to(torch.float32).numpy().astype("<f4").tobytes()


def save_safetensors(path, tensors, metadata=None):
    """Write tensors (name -> torch.Tensor) and string metadata to path."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        if name == "__metadata__":
            raise ValueError("tensor name __metadata__ is reserved")
        dtype, data = _encode(tensors[name])
        header[name] = {
            "dtype": dtype,
            "shape": list(tensors[name].shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # align the data to 8 bytes, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    """Read a file written by save_safetensors: (dict name -> torch.Tensor, metadata)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        lo, hi = e["data_offsets"]
        arr = np.frombuffer(data[lo:hi], dtype=_NP_DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta
