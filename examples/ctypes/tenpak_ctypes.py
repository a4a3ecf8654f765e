"""tenpak from Python through its C ABI (libtenpak) with nothing but ctypes: no JPype, no wheel.

This is the "Python wrapper design" of the specification: walk a state dict into a JSON bundle
({"tensors": [{"name", "shape", "data"}]}), pass its bytes to tenpak_compress_json_bundle, keep
the artifact bytes as the checkpoint, and rebuild the state dict from
tenpak_decompress_artifact_to_json. It works with plain lists, numpy arrays or torch tensors.
(The JSON path is the specification's; for real models the `tenpak` package, or
tenpak_compress_tensors from C, passes tensor memory without any text.)

Finding the library: TENPAK_LIB, else lib/libtenpak.so of the release tarball this file ships in,
else tenpak-c/target/libtenpak.so of a source checkout (build it with `make -C tenpak-c`). The
library finds Java 25+ and the engine jar itself (see include/tenpak.h).

    python3 examples/ctypes/tenpak_ctypes.py [BUNDLE.json] [CODEC]
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
from pathlib import Path
from typing import Any, Mapping

HERE = Path(__file__).resolve().parent
_NAMES = ("libtenpak.so", "libtenpak.dylib")


class TenpakError(Exception):
    """A failed call: ``status`` is the tenpak CLI's exit code for the same error (3 invalid input,
    4 corrupt artifact, 5 unknown codec or version, 6 I/O, 8 no Java / no jar, ...)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"tenpak error {status}: {message}")
        self.status = status
        self.message = message


def find_library() -> Path:
    env = os.environ.get("TENPAK_LIB")
    if env:
        return Path(env)
    for folder in (HERE.parents[1] / "lib", HERE.parents[1] / "tenpak-c" / "target"):
        for name in _NAMES:
            if (folder / name).is_file():
                return folder / name
    raise FileNotFoundError("libtenpak not found: set TENPAK_LIB, or build it with: make -C tenpak-c")


class Tenpak:
    """The four entry points of the specification, with the library's memory rules kept here."""

    def __init__(self, path: str | os.PathLike[str] | None = None):
        lib = ctypes.CDLL(str(path or find_library()))
        u8p = ctypes.POINTER(ctypes.c_uint8)
        lib.tenpak_compress_json_bundle.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                                    ctypes.POINTER(u8p), ctypes.POINTER(ctypes.c_size_t),
                                                    ctypes.POINTER(ctypes.c_void_p)]
        lib.tenpak_decompress_artifact_to_json.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(u8p),
                                                           ctypes.POINTER(ctypes.c_size_t),
                                                           ctypes.POINTER(ctypes.c_void_p)]
        lib.tenpak_free_buffer.argtypes = [u8p, ctypes.c_size_t]
        lib.tenpak_free_buffer.restype = None
        lib.tenpak_free_cstring.argtypes = [ctypes.c_void_p]   # c_void_p: ctypes must not copy and drop it
        lib.tenpak_free_cstring.restype = None
        lib.tenpak_version.restype = ctypes.c_char_p
        self._lib = lib

    def version(self) -> str:
        return self._lib.tenpak_version().decode()

    def _call(self, fn: Any, *args: Any) -> bytes:
        out = ctypes.POINTER(ctypes.c_uint8)()
        out_len = ctypes.c_size_t()
        err = ctypes.c_void_p()
        status = fn(*args, ctypes.byref(out), ctypes.byref(out_len), ctypes.byref(err))
        if status != 0:
            message = ctypes.string_at(err.value).decode("utf-8", "replace") if err.value else ""
            self._lib.tenpak_free_cstring(err)
            raise TenpakError(status, message)
        try:
            return ctypes.string_at(out, out_len.value)
        finally:
            self._lib.tenpak_free_buffer(out, out_len.value)

    def compress_json_bundle(self, bundle_json: bytes, codec: str | None = None) -> bytes:
        """The artifact's bytes for a JSON bundle; codec None is the default (int8_sym_v1)."""
        return self._call(self._lib.tenpak_compress_json_bundle, bundle_json, len(bundle_json),
                          codec.encode() if codec else None)

    def decompress_artifact_to_json(self, artifact: bytes) -> bytes:
        return self._call(self._lib.tenpak_decompress_artifact_to_json, artifact, len(artifact))


def _values(t: Any) -> tuple[list[int], list[float]]:
    """Shape and flat values of a list, numpy array or torch tensor."""
    if hasattr(t, "detach"):            # torch
        t = t.detach().cpu().float().numpy()
    if hasattr(t, "tolist") and hasattr(t, "shape"):  # numpy
        return list(t.shape), [float(v) for v in t.reshape(-1).tolist()]
    shape, flat, level = [], [], t
    while isinstance(level, list):
        shape.append(len(level))
        level = level[0] if level else None
    def walk(x: Any) -> None:
        if isinstance(x, list):
            for y in x:
                walk(y)
        else:
            flat.append(float(x))
    walk(t)
    return shape, flat


def state_dict_to_bundle(state_dict: Mapping[str, Any]) -> bytes:
    """A state dict (lists, numpy arrays or torch tensors) as JSON bundle bytes."""
    tensors = []
    for name, t in state_dict.items():
        shape, data = _values(t)
        tensors.append({"name": name, "shape": shape, "data": data})
    return json.dumps({"tensors": tensors}).encode()


def bundle_to_state_dict(bundle_json: bytes) -> dict[str, tuple[list[int], list[float]]]:
    """name -> (shape, flat values); wrap them with numpy.reshape or torch.tensor(...).view(shape)."""
    return {t["name"]: (t["shape"], t["data"]) for t in json.loads(bundle_json)["tensors"]}


def main(argv: list[str]) -> int:
    tp = Tenpak()
    if len(argv) > 1:
        bundle = Path(argv[1]).read_bytes()
    else:
        bundle = state_dict_to_bundle({"dense.weight": [[0.1, 0.2], [-0.3, 0.4]], "dense.bias": [0.01, -0.02]})
    codec = argv[2] if len(argv) > 2 else None
    artifact = tp.compress_json_bundle(bundle, codec)
    restored = bundle_to_state_dict(tp.decompress_artifact_to_json(artifact))
    original = bundle_to_state_dict(bundle)
    worst = max(abs(a - b) for name in original for a, b in zip(original[name][1], restored[name][1]))
    print(f"libtenpak {tp.version()}: {len(bundle)} bytes of JSON -> {len(artifact)}-byte artifact "
          f"({codec or 'default codec'}); {len(restored)} tensors back, max abs error {worst:.3g}")
    try:
        tp.compress_json_bundle(bundle, "no_such_codec")
    except TenpakError as e:
        print(f"an unknown codec is status {e.status}: {e.message[:60]}...")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
