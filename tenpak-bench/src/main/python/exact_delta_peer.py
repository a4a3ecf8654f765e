"""Exact fine-tune deltas side by side: tenpak ``delta --exact`` against XOR + byte planes + zstd.

    python exact_delta_peer.py BASE.safetensors FINETUNE.safetensors [TENPAK]

BASE and FINETUNE are two checkpoints of the same model with the same tensors (python/tests/finetune.py
makes a real full fine-tune of all-MiniLM-L6-v2 in bf16). For the peer, every tensor of the fine-tune is
XORed word by word with the base's and split into byte planes (high bytes, low bytes; four planes for
4-byte dtypes), each plane compressed with zstd at levels 1, 3 and 19, as BitX/ZipLLM-style tools do.
tenpak compresses the base losslessly, writes the exact delta, materializes it and checks that every
tensor comes back byte for byte. Needs numpy and zstandard (the peers venv), and the tenpak launcher
(default: bin/tenpak of this repository). Prints one Markdown table; sizes are of the tensor data.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import zstandard

WIDTH = {
    "BF16": 2,
    "F16": 2,
    "F32": 4,
    "F64": 8,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
}


def read(path: Path) -> dict[str, tuple[str, bytes]]:
    """name -> (dtype, raw little-endian bytes) of a safetensors file."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    return {
        k: (v["dtype"], body[v["data_offsets"][0] : v["data_offsets"][1]])
        for k, v in header.items()
        if k != "__metadata__"
    }


def planes(base: dict, tuned: dict) -> tuple[list[bytes], int]:
    """The XOR of every tensor split into byte planes (concatenated per plane index), and the raw size."""
    per_plane: dict[int, list[np.ndarray]] = {}
    raw = 0
    for name, (dtype, b) in tuned.items():
        raw += len(b)
        w = WIDTH[dtype]
        x = np.frombuffer(b, np.uint8) ^ np.frombuffer(base[name][1], np.uint8)
        x = x.reshape(-1, w)
        for k in range(w):
            per_plane.setdefault(k, []).append(x[:, k])
    return [np.concatenate(v).tobytes() for _, v in sorted(per_plane.items())], raw


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    base_path, tuned_path = Path(sys.argv[1]), Path(sys.argv[2])
    tenpak = (
        sys.argv[3]
        if len(sys.argv) == 4
        else str(Path(__file__).resolve().parents[4] / "bin" / "tenpak")
    )
    base, tuned = read(base_path), read(tuned_path)
    if set(base) != set(tuned) or any(base[k][0] != tuned[k][0] for k in base):
        sys.exit("the two checkpoints need the same tensor names and dtypes")
    xor_planes, raw = planes(base, tuned)
    rows = []
    whole = tuned_path.read_bytes()
    rows.append(
        (
            "the fine-tune's file, zstd -19",
            len(zstandard.ZstdCompressor(level=19).compress(whole)),
        )
    )
    for level in (1, 3, 19):
        c = zstandard.ZstdCompressor(level=level)
        rows.append(
            (
                f"XOR, byte planes, zstd -{level}",
                sum(len(c.compress(p)) for p in xor_planes),
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        subprocess.run(
            [
                tenpak,
                "compress",
                "-i",
                base_path,
                "-o",
                d / "base.tenpak",
                "-c",
                "lossless_v1",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                tenpak,
                "delta",
                "--base",
                d / "base.tenpak",
                "--variant",
                tuned_path,
                "-o",
                d / "ft.delta.tenpak",
                "--exact",
            ],
            check=True,
            capture_output=True,
        )
        rows.append(
            (
                "tenpak delta --exact (whole file, index included)",
                (d / "ft.delta.tenpak").stat().st_size,
            )
        )
        subprocess.run(
            [
                tenpak,
                "materialize",
                "--base",
                d / "base.tenpak",
                "--delta",
                d / "ft.delta.tenpak",
                "-o",
                d / "ft.tenpak",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [tenpak, "decompress", "-i", d / "ft.tenpak", "-o", d / "ft.safetensors"],
            check=True,
            capture_output=True,
        )
        back = read(d / "ft.safetensors")
        exact = all(back[k] == tuned[k] for k in tuned)
    print(
        f"| stored form ({raw:,} bytes of tensor data) | bytes | of the raw fine-tune |"
    )
    print("|---|---:|---:|")
    for name, size in rows:
        print(f"| {name} | {size:,} | {100 * size / raw:.1f}% |")
    print(f"\nmaterialize gives the fine-tune back byte for byte: {exact}")
    if not exact:
        sys.exit(1)


if __name__ == "__main__":
    main()
