"""One tensor out of a 1 GiB file: ``tenpak.safe_open(...).get_tensor`` against safetensors' ``safe_open``.

The file holds the 7B-class layer shapes of bench_save_load.py (about 1 GiB: one layer in bf16, most of
a second in f32; random Gaussian values, std 0.02: throughput does not depend on them). It is written
once with safetensors and once per tenpak codec; then, in this process (the JVM already started), each
is opened and one 45 MiB bf16 MLP matrix is taken, then 16 of its rows. A tensor safetensors hands out
is a view of its mapping that reads nothing until used, so every figure includes a byte sum of what
was returned (the work a first forward pass does anyway). Each figure is the best of --repeat runs.

    .venv/bin/python python/benchmarks/bench_safe_open.py [--repeat 5] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors import safe_open as st_safe_open
from safetensors.torch import save_file as st_save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import tenpak  # noqa: E402
import tenpak.torch as tt  # noqa: E402
from bench_save_load import state_dict  # noqa: E402

NAME = "model.layers.0.mlp.up_proj.weight"
CODECS = ["raw_v1", "lossless_v1", "int8_sym_g32_v1", "int4_sym_g32_v1"]


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def checksum(t: torch.Tensor) -> int:
    """Reads every byte: a sum of the tensor's bytes as 64-bit words (as bytes when they do not fill words)."""
    b = t.reshape(-1).view(torch.uint8)
    return int(b.view(torch.int64).sum() if b.numel() % 8 == 0 else b.sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    args = ap.parse_args()
    tenpak.start_jvm()
    sd = state_dict(1.0)
    total = sum(t.numel() * t.element_size() for t in sd.values())
    work = Path(tempfile.mkdtemp(prefix="tenpak-safe-open-", dir=args.dir))
    try:
        files = {"safetensors": work / "model.safetensors"}
        st_save_file(sd, str(files["safetensors"]))
        for codec in CODECS:
            files[codec] = work / f"model.{codec}.tenpak"
            tt.save_file(sd, files[codec], codec=codec)
        del sd
        one = 0
        rows = []
        for label, path in files.items():
            if label == "safetensors":

                def whole(p: Path = path) -> int:
                    with st_safe_open(str(p), framework="pt") as f:
                        return checksum(f.get_tensor(NAME))

                def part(p: Path = path) -> int:
                    with st_safe_open(str(p), framework="pt") as f:
                        return checksum(f.get_slice(NAME)[0:16])

            else:

                def whole(p: Path = path) -> int:
                    with tenpak.safe_open(p, framework="pt") as f:
                        return checksum(f.get_tensor(NAME))

                def part(p: Path = path) -> int:
                    with tenpak.safe_open(p, framework="pt") as f:
                        return checksum(f.get_slice(NAME)[0:16])

            whole()  # first call outside the timing: JIT and page cache for both sides alike
            t_whole, t_part = best(whole, args.repeat), best(part, args.repeat)
            if label == "safetensors":
                one = t_whole
            rows.append((label, path.stat().st_size, t_whole, t_part))
        size = 11008 * 4096 * 2
        print(
            f"{total / 2**30:.2f} GiB of tensors; `{NAME}` is {size / 2**20:.0f} MiB of bf16; "
            f"{platform.processor() or platform.machine()}, torch {torch.__version__}, best of {args.repeat}\n"
        )
        print("| file | size | open + get_tensor + byte sum | vs safetensors | open + 16 rows |")
        print("|---|---:|---:|---:|---:|")
        for label, nbytes, t_whole, t_part in rows:
            print(
                f"| {label} | {nbytes / 2**20:,.0f} MiB | {1000 * t_whole:.1f} ms ({size / t_whole / 1e9:.2f} GB/s) | "
                f"{t_whole / one:.2f}x | {1000 * t_part:.2f} ms |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
