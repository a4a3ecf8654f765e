"""Writes the hand-built safetensors checkpoint the C tests use: F32 128x64 (Gaussian-like, std
0.02, from a fixed seed), BF16 and F16 vectors, an I64 vector and a 0-d F32, in that order."""
import json
import random
import struct
import sys

rnd = random.Random(0x16)
w = [rnd.gauss(0.0, 0.02) for _ in range(128 * 64)]
bias = [rnd.gauss(0.0, 0.1) for _ in range(64)]
norm = [1.0 + rnd.gauss(0.0, 0.05) for _ in range(64)]


def bf16(x: float) -> bytes:
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    return struct.pack("<H", (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)  # round to nearest even


tensors = [
    ("encoder.weight", "F32", [128, 64], struct.pack(f"<{len(w)}f", *w)),
    ("encoder.bias", "BF16", [64], b"".join(bf16(x) for x in bias)),
    ("norm.weight", "F16", [64], struct.pack(f"<{len(norm)}e", *norm)),
    ("position_ids", "I64", [5], struct.pack("<5q", 0, 1, 2, 3, 4)),
    ("temperature", "F32", [], struct.pack("<f", 0.7)),
]
header, data, at = {}, b"", 0
for name, dtype, shape, raw in tensors:
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [at, at + len(raw)]}
    data += raw
    at += len(raw)
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + data)
