"""Save/load throughput of tenpak.torch against safetensors.torch, in one run on one machine.

The state_dict has the shapes of a 7B-class decoder (hidden 4096, MLP 11008): one layer in bf16 and
the attention plus two MLP matrices of a second layer in f32, about 1 GiB in all. Values are random
(Gaussian, std 0.02): that is fine for throughput, which does not depend on the values, and says
nothing about accuracy (tests/test_minilm.py measures that on a real model).

Run from the repository root after building the jar:

    .venv/bin/python python/benchmarks/bench_save_load.py [--scale 1.0] [--repeat 3] [--dir /tmp]

Each figure is the best of --repeat runs; files go to a fresh folder under --dir and are deleted.
tenpak's file writer fsyncs before its atomic rename and safetensors' does not, so the table also
shows safetensors followed by an fsync. safetensors' load_file maps the file and reads nothing
until the tensors are used, while tenpak verifies every payload's checksum (and decodes lossy
payloads) inside load_file; so loads are timed alone, then with one byte of every page touched,
then with every byte read (a byte sum), which is the comparison that counts the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file as st_load_file
from safetensors.torch import save_file as st_save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import tenpak  # noqa: E402
import tenpak.numpy as tnp  # noqa: E402
import tenpak.torch as tt  # noqa: E402


def state_dict(scale: float) -> dict[str, torch.Tensor]:
    h, m = int(4096 * scale), int(11008 * scale)
    g = torch.Generator().manual_seed(0)

    def w(*shape: int, dtype: torch.dtype) -> torch.Tensor:
        return (torch.randn(*shape, generator=g) * 0.02).to(dtype)

    sd: dict[str, torch.Tensor] = {}
    for i, dt in ((0, torch.bfloat16), (1, torch.float32)):
        p = f"model.layers.{i}."
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            sd[p + f"self_attn.{n}.weight"] = w(h, h, dtype=dt)
        sd[p + "mlp.gate_proj.weight"] = w(m, h, dtype=dt)
        sd[p + "mlp.up_proj.weight"] = w(m, h, dtype=dt)
        if dt == torch.bfloat16:
            sd[p + "mlp.down_proj.weight"] = w(h, m, dtype=dt)
        sd[p + "input_layernorm.weight"] = torch.ones(h, dtype=dt)
        sd[p + "post_attention_layernorm.weight"] = torch.ones(h, dtype=dt)
    return sd


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def touch(tensors: dict[str, torch.Tensor]) -> None:
    """Reads one byte of every 4 KiB page, so that lazily mapped tensors (safetensors maps the file
    and copies nothing up front) are faulted in like tensors that were decoded into memory."""
    for t in tensors.values():
        if t.numel():
            t.view(-1).view(torch.uint8)[::4096].sum()


def read_all(tensors: dict[str, torch.Tensor]) -> None:
    """Reads every byte (a byte sum), as a model's first forward pass would."""
    for t in tensors.values():
        if t.numel():
            t.view(-1).view(torch.uint8).sum()


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def jvm_start_in_fresh_process() -> dict[str, float]:
    code = (
        "import time, json\n"
        "t0 = time.perf_counter()\n"
        "import numpy as np, tenpak, tenpak.numpy as tnp\n"
        "t1 = time.perf_counter(); tenpak.start_jvm(); t2 = time.perf_counter()\n"
        "tnp.load(tnp.save({'w': np.ones((64, 64), dtype=np.float32)}))\n"
        "t3 = time.perf_counter()\n"
        "tnp.load(tnp.save({'w': np.ones((64, 64), dtype=np.float32)}))\n"
        "t4 = time.perf_counter()\n"
        "print(json.dumps({'import_s': t1 - t0, 'start_jvm_s': t2 - t1, 'first_call_s': t3 - t2,"
        " 'second_call_s': t4 - t3}))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="scales both matrix dimensions (1.0: ~1 GiB)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    start = jvm_start_in_fresh_process()
    rt = tenpak.start_jvm()
    codecs = [c for c in ("raw_v1", "int8_sym_v1", "int8_sym_g32_v1") if c in tenpak.codecs()]
    sd = state_dict(args.scale)
    # warm up: let the JIT compile the codec loops before anything is timed
    warm = {k: v[:256] for k, v in list(sd.items())[:4]}
    for _ in range(3):
        for c in codecs:
            tt.load(tt.save(warm, codec=c))
    nbytes = sum(t.numel() * t.element_size() for t in sd.values())
    gib = nbytes / 2**30
    work = Path(tempfile.mkdtemp(prefix="tenpak-bench-", dir=args.dir))
    rows: list[tuple[str, float]] = []
    try:
        st_path = work / "model.safetensors"
        rows.append(("safetensors.torch.save_file", best(lambda: st_save_file(sd, st_path), args.repeat)))
        rows.append(
            (
                "safetensors.torch.save_file + fsync",
                best(lambda: (st_save_file(sd, st_path), fsync(st_path)), args.repeat),
            )
        )
        for c in codecs:
            p = work / f"model.{c}.tenpak"
            rows.append(
                (f"tenpak.torch.save_file {c}", best(lambda p=p, c=c: tt.save_file(sd, p, codec=c), args.repeat))
            )
        rows.append(("safetensors.torch.load_file (lazy mmap)", best(lambda: st_load_file(st_path), args.repeat)))
        rows.append(
            ("safetensors.torch.load_file + touch pages", best(lambda: touch(st_load_file(st_path)), args.repeat))
        )
        rows.append(
            ("safetensors.torch.load_file + read all", best(lambda: read_all(st_load_file(st_path)), args.repeat))
        )
        for c in codecs:
            p = work / f"model.{c}.tenpak"
            rows.append((f"tenpak.torch.load_file {c}", best(lambda p=p: tt.load_file(p), args.repeat)))
            rows.append(
                (f"tenpak.torch.load_file {c} + touch pages", best(lambda p=p: touch(tt.load_file(p)), args.repeat))
            )
            rows.append(
                (f"tenpak.torch.load_file {c} + read all", best(lambda p=p: read_all(tt.load_file(p)), args.repeat))
            )
        sizes = {c: (work / f"model.{c}.tenpak").stat().st_size for c in codecs}
        sizes["safetensors"] = st_path.stat().st_size
        # correctness of what was timed: raw is bit-exact
        back = tt.load_file(work / "model.raw_v1.tenpak")
        assert all(torch.equal(back[k], v) for k, v in sd.items())
        del back
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # the JSON route on a small dict, against the tensor route on the same arrays
    rng = np.random.default_rng(0)
    small = {f"w{i}": (rng.standard_normal((256, 256)) * 0.02).astype(np.float32) for i in range(4)}
    small_bytes = sum(a.nbytes for a in small.values())
    bundle = json.dumps(
        {"tensors": [{"name": k, "shape": list(a.shape), "data": a.reshape(-1).tolist()} for k, a in small.items()]}
    ).encode()
    json_save = best(lambda: tenpak.compress_json_bundle(bundle, "int8_sym_v1"), args.repeat + 2)
    array_save = best(lambda: tnp.save(small, codec="int8_sym_v1"), args.repeat + 2)
    artifact = tnp.save(small, codec="int8_sym_v1")
    json_load = best(lambda: tenpak.decompress_artifact_to_json(artifact), args.repeat + 2)
    array_load = best(lambda: tnp.load(artifact), args.repeat + 2)

    st = dict(rows)

    def baseline(name: str) -> float:
        if "save" in name:
            return st["safetensors.torch.save_file"]
        for suffix in (" + touch pages", " + read all"):
            if name.endswith(suffix):
                return st["safetensors.torch.load_file" + suffix]
        return st["safetensors.torch.load_file (lazy mmap)"]

    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, torch {torch.__version__}, Java {rt.version} ({rt.source}), "
        f"kernels {tenpak.kernels()}"
    )
    print(f"state_dict: {len(sd)} tensors, {gib:.3f} GiB (bf16 + f32), best of {args.repeat}\n")
    print("| operation | seconds | GiB/s | vs safetensors |")
    print("|---|---:|---:|---:|")
    for name, s in rows:
        base = baseline(name)
        print(f"| {name} | {s:.3f} | {gib / s:.2f} | {base / s:.2f}x |")
    print("\nartifact sizes: " + ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in sizes.items()))
    print(
        f"\nJSON route, {len(small)} x 256x256 f32 ({small_bytes / 2**20:.1f} MiB, "
        f"JSON {len(bundle) / 2**20:.1f} MiB), int8_sym_v1:"
    )
    print(
        f"| route | save s | load s |\n|---|---:|---:|\n| JSON bundle | {json_save:.4f} | {json_load:.4f} |\n"
        f"| tenpak.numpy | {array_save:.4f} | {array_load:.4f} |\n"
        f"| JSON / tensor | {json_save / array_save:.1f}x slower | {json_load / array_load:.1f}x slower |"
    )
    print(
        f"\nJVM in a fresh process: import tenpak {start['import_s']:.2f} s, start_jvm {start['start_jvm_s']:.2f} s, "
        f"first save+load {start['first_call_s']:.3f} s, second {start['second_call_s'] * 1000:.1f} ms"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "rows": rows,
                    "gib": gib,
                    "sizes": sizes,
                    "json_route": {
                        "save": json_save,
                        "load": json_load,
                        "array_save": array_save,
                        "array_load": array_load,
                    },
                    "jvm": start,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
