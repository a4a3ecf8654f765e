"""Save and load dicts of numpy arrays, shaped like ``safetensors.numpy``.

Arrays are handed to the engine by address: a C-contiguous little-endian array is read where it
lies; any other (transposed, sliced, big-endian) is made contiguous once first. Loading allocates
each array with numpy and the engine decodes straight into it.

bfloat16: numpy has no bfloat16 type, so BF16 tensors travel as their raw 16-bit words.

* Loading returns a BF16 tensor as a ``numpy.uint16`` array of its bit patterns (no conversion,
  no loss), or, with ``bf16="float32"``, widened exactly to ``float32``.
* Saving stores an array as BF16 when it is wrapped with :func:`bf16` (``np.uint16`` words) or when
  its dtype is called ``bfloat16`` (``ml_dtypes.bfloat16``, as used by JAX). A bare ``uint16`` array
  stays ``U16``: integer tensors are always stored exactly with ``raw_v1``.

FP8 (``F8_E4M3``, ``F8_E5M2``) works the same way with ``uint8`` words and the ``ml_dtypes`` names.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import _engine
from ._engine import SaveOptions, SaveReport, TensorRef
from .errors import InvalidInputError

__all__ = ["BF16Words", "bf16", "save_file", "save", "load_file", "load"]

_TO_TENPAK: dict[str, str] = {
    "float32": "F32",
    "float16": "F16",
    "float64": "F64",
    "int8": "I8",
    "uint8": "U8",
    "int16": "I16",
    "uint16": "U16",
    "int32": "I32",
    "uint32": "U32",
    "int64": "I64",
    "uint64": "U64",
    "bool": "BOOL",
    # ml_dtypes (JAX) types, recognized by name so that ml_dtypes is not a dependency
    "bfloat16": "BF16",
    "float8_e4m3fn": "F8_E4M3",
    "float8_e5m2": "F8_E5M2",
}

_FROM_TENPAK: dict[str, np.dtype] = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "F64": np.dtype("<f8"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "I16": np.dtype("<i2"),
    "U16": np.dtype("<u2"),
    "I32": np.dtype("<i4"),
    "U32": np.dtype("<u4"),
    "I64": np.dtype("<i8"),
    "U64": np.dtype("<u8"),
    "BOOL": np.dtype("?"),
    "BF16": np.dtype("<u2"),
    "F8_E4M3": np.dtype("u1"),
    "F8_E5M2": np.dtype("u1"),
}


@dataclass(frozen=True)
class BF16Words:
    """Raw bfloat16 bit patterns (``uint16``) to be stored as a BF16 tensor; see :func:`bf16`."""

    words: np.ndarray


def bf16(words: np.ndarray) -> BF16Words:
    """Marks a ``uint16`` array of bfloat16 bit patterns to be saved as BF16 (not U16)."""
    arr = np.asarray(words)
    if arr.dtype.kind != "u" or arr.dtype.itemsize != 2:
        raise InvalidInputError(f"bf16() takes uint16 words, got {arr.dtype}")
    return BF16Words(arr)


ArrayLike = np.ndarray | BF16Words


def _refs(tensors: Mapping[str, ArrayLike]) -> tuple[list[TensorRef], dict[str, str], list[np.ndarray]]:
    refs: list[TensorRef] = []
    keep: list[np.ndarray] = []
    aliases: dict[str, str] = {}
    seen: dict[tuple[object, ...], str] = {}
    for name, value in _engine.tensor_items(tensors, "numpy array"):
        _engine.check_name(name)
        if isinstance(value, BF16Words):
            arr, dtype = value.words, "BF16"
        elif isinstance(value, np.ndarray):
            arr = value
            dtype = _TO_TENPAK.get(arr.dtype.name, "")
            if not dtype:
                raise InvalidInputError(
                    f"tensor '{name}': numpy dtype {arr.dtype} is not supported; supported: "
                    + ", ".join(sorted(_TO_TENPAK))
                )
        else:
            raise InvalidInputError(f"tensor '{name}': expected a numpy array, got {type(value).__name__}")
        if arr.size:
            key = (arr.__array_interface__["data"][0], arr.shape, arr.strides, arr.dtype.str)
            first = seen.setdefault(key, name)
            if first != name:
                aliases[name] = first
                continue
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")  # not np.ascontiguousarray: it turns a scalar () into (1,)
        keep.append(arr)
        refs.append(
            TensorRef(name, dtype, tuple(int(d) for d in arr.shape), int(arr.ctypes.data), int(arr.nbytes), arr)
        )
    return refs, aliases, keep


@_engine.document
def save_file(
    tensors: Mapping[str, ArrayLike],
    path: str | os.PathLike[str],
    codec: str | None = None,
    metadata: Mapping[str, str] | None = None,
    sync: bool = False,
    *,
    keep_raw: str | Sequence[str] | None = None,
    min_elements: int | None = None,
    threads: int | None = None,
    progress: bool = False,
) -> SaveReport:
    """Writes ``tensors`` to an artifact at ``path`` (atomically: a failed save leaves no file).

    The folder of ``path`` must exist (as with ``safetensors``, nothing is created).

    Other threads: the save releases the GIL while the engine reads the arrays where they lie.
    Meanwhile other threads may read the arrays, add, delete or replace entries of ``tensors`` and
    drop their own references: the save works on the entries as they were when it started and
    holds every array (so numpy refuses to resize one) until it returns. They must not write to
    those arrays in place: the artifact would hold a mix of old and new values.

    Args:
        tensors: name -> array. Arrays that are the same memory (same address, shape, strides and
            dtype) are stored once and restored under every name.
        codec: the codec for float tensors; None is ``tenpak.default_codec()``, the exact
            ``lossless_v1``; other dtypes are stored exactly with ``raw_v1``. The engine's codecs:

            {codecs}
        metadata: free-form string metadata kept in the artifact.
        sync: force the file (and its folder) to disk before returning, so it survives a crash;
            by default it is left to the kernel to write back, as ``safetensors`` does.
        keep_raw, min_elements, threads, progress: as in ``tenpak.torch.save_file`` (the command
            line's ``--keep-raw``, ``--min-elements``, ``--threads`` and a tqdm progress bar).

    Returns:
        Sizes and the reconstruction error of every tensor.
    """
    options = SaveOptions.of(keep_raw, min_elements, threads, progress)
    refs, aliases, keep = _refs(tensors)
    report = _engine.save_to_file(refs, aliases, path, codec, metadata, sync, options)
    del keep
    return report


def save(
    tensors: Mapping[str, ArrayLike],
    codec: str | None = None,
    metadata: Mapping[str, str] | None = None,
    *,
    keep_raw: str | Sequence[str] | None = None,
    min_elements: int | None = None,
    threads: int | None = None,
    progress: bool = False,
) -> bytes:
    """Like :func:`save_file`, but returns the artifact's bytes."""
    options = SaveOptions.of(keep_raw, min_elements, threads, progress)
    refs, aliases, keep = _refs(tensors)
    data, _ = _engine.save_to_bytes(refs, aliases, codec, metadata, options)
    del keep
    return data


def _load(artifact: _engine.Artifact, bf16: Literal["bits", "float32"], mmap: bool) -> dict[str, np.ndarray]:
    if bf16 not in ("bits", "float32"):
        raise InvalidInputError(f"bf16 must be 'bits' or 'float32', got {bf16!r}")
    out: dict[str, np.ndarray] = {}
    targets: list[tuple[str, int, int]] = []
    mapped: list[tuple[str, int]] = []
    file_map: np.memmap | None = None
    for t in artifact.tensors:
        dtype = _FROM_TENPAK[t.dtype]
        if mmap and artifact.path is not None and t.codec == _engine.RAW_CODEC and math.prod(t.shape) > 0:
            # stored as is: a view of a copy-on-write mapping of the file
            if file_map is None:
                file_map = np.memmap(artifact.path, dtype=np.uint8, mode="c")
            arr = np.ndarray(t.shape, dtype=dtype, buffer=file_map, offset=t.offset)
            mapped.append((t.name, int(arr.ctypes.data)))
        else:
            arr = np.empty(t.shape, dtype=dtype)
            targets.append((t.name, int(arr.ctypes.data), int(arr.nbytes)))
        out[t.name] = arr
    artifact.verify_at(mapped)
    artifact.decode_into(targets)
    if bf16 == "float32":
        for t in artifact.tensors:
            if t.dtype == "BF16":
                out[t.name] = (out[t.name].astype(np.uint32) << 16).view(np.float32)
    for alias, target in artifact.aliases.items():
        out[alias] = out[target]
    return out


def load_file(
    path: str | os.PathLike[str], bf16: Literal["bits", "float32"] = "bits", mmap: bool = True
) -> dict[str, np.ndarray]:
    """Reads every tensor of the artifact at ``path``.

    Args:
        bf16: ``"bits"`` returns BF16 tensors as ``uint16`` bit patterns; ``"float32"`` widens them
            (exactly) to ``float32``.
        mmap: ``raw_v1`` tensors become views of a copy-on-write mapping of the file instead of
            copies (their checksums are verified either way); ``False`` copies them into memory.

    Returns:
        name -> array, in the artifact's order; tensors that shared storage when saved are the same
        array object under each name.
    """
    with _engine.open_file(path) as artifact:
        return _load(artifact, bf16, mmap)


def load(data: bytes | bytearray | memoryview, bf16: Literal["bits", "float32"] = "bits") -> dict[str, np.ndarray]:
    """Like :func:`load_file`, for an artifact held in memory (always decoded into new arrays)."""
    with _engine.open_bytes(data) as artifact:
        return _load(artifact, bf16, mmap=False)
