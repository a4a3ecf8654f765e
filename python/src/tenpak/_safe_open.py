"""Lazy, partial reading of an artifact, shaped like ``safetensors.safe_open``."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from . import _engine
from .errors import InvalidInputError

_NUMPY = {
    "F32": "<f4",
    "F16": "<f2",
    "F64": "<f8",
    "I8": "i1",
    "U8": "u1",
    "I16": "<i2",
    "U16": "<u2",
    "I32": "<i4",
    "U32": "<u4",
    "I64": "<i8",
    "U64": "<u8",
    "BOOL": "?",
    "BF16": "<u2",  # numpy has no bfloat16: its bit patterns, as tenpak.numpy returns them
    "F8_E4M3": "u1",
    "F8_E5M2": "u1",
}


def _torch_dtype(name: str) -> Any:
    import torch

    return {
        "F32": torch.float32,
        "F16": torch.float16,
        "BF16": torch.bfloat16,
        "F64": torch.float64,
        "I8": torch.int8,
        "U8": torch.uint8,
        "I16": torch.int16,
        "I32": torch.int32,
        "I64": torch.int64,
        "BOOL": torch.bool,
        "U16": getattr(torch, "uint16", None),
        "U32": getattr(torch, "uint32", None),
        "U64": getattr(torch, "uint64", None),
        "F8_E4M3": getattr(torch, "float8_e4m3fn", None),
        "F8_E5M2": getattr(torch, "float8_e5m2", None),
    }[name]


class safe_open:  # noqa: N801 - the name safetensors users know
    """Opens the artifact at ``path`` for reading tensors one at a time (use as a context manager).

    Nothing is decoded until asked: :meth:`get_tensor` decodes one tensor, and :meth:`get_slice`
    gives an object whose ``[rows]`` decodes only those rows (a lossy codec or ``lossless_v1``
    decodes only the blocks that hold them). ``raw_v1`` tensors are zero-copy views of a
    copy-on-write mapping of the file, their checksums verified when taken; every other payload's
    checksum is verified before it is decoded.

    Args:
        framework: ``"pt"`` (torch tensors) or ``"numpy"`` (BF16 and FP8 as their bit patterns).
        device: for ``"pt"``, ``"cpu"`` or ``"cuda"`` (decoded on the CPU, then moved); another
            device, or CUDA where there is none, raises :class:`~tenpak.UnsupportedDeviceError`.
    """

    def __init__(self, path: str | os.PathLike[str], framework: str = "pt", device: str | Any = "cpu") -> None:
        if framework not in ("pt", "torch", "numpy", "np"):
            raise InvalidInputError(f"framework must be 'pt' or 'numpy', got {framework!r}")
        self._torch = framework in ("pt", "torch")
        if not self._torch and str(device) != "cpu":
            raise InvalidInputError(f"framework 'numpy' loads to the CPU only, got device={device!r}")
        if self._torch:
            from .torch import target_device

            target_device(device)
        self._device = device
        self._path = os.fspath(path)
        self._artifact: _engine.Artifact | None = _engine.open_file(path)
        self._stored = {t.name: t for t in self._artifact.tensors}
        self._map: np.memmap | None = None

    def __enter__(self) -> safe_open:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._artifact is not None:
            self._artifact.close()
            self._artifact = None
            self._map = None

    def _open(self) -> _engine.Artifact:
        if self._artifact is None:
            raise InvalidInputError(f"{self._path}: safe_open is closed")
        return self._artifact

    def keys(self) -> list[str]:
        """Every tensor name, in the artifact's order (names restored from shared storage last)."""
        a = self._open()
        return [t.name for t in a.tensors] + list(a.aliases)

    def metadata(self) -> dict[str, str]:
        """The artifact's free-form metadata (the engine's reserved keys left out)."""
        reserved = _engine.reserved_keys()
        return {
            k: v
            for k, v in self._open().metadata.items()
            if not any(k == r or (r.endswith(".") and k.startswith(r)) for r in reserved)
        }

    def _entry(self, name: str) -> _engine.StoredTensor:
        a = self._open()
        st = self._stored.get(a.aliases.get(name, name))
        if st is None:
            raise InvalidInputError(f"{self._path}: no tensor named '{name}'")
        return st

    def _finish(self, arr: np.ndarray, st: _engine.StoredTensor, shape: tuple[int, ...]) -> Any:
        if not self._torch:
            return arr.reshape(shape)
        import torch

        t = torch.from_numpy(arr.reshape(-1).view(np.uint8)).view(_torch_dtype(st.dtype)).reshape(shape)
        return t if torch.device(self._device).type == "cpu" else t.to(self._device)

    def _rows(self, st: _engine.StoredTensor, start: int, stop: int) -> Any:
        """Rows ``[start, stop)`` of ``st`` (dimension 0), decoding only those."""
        a = self._open()
        row = math.prod(st.shape[1:]) if st.shape else 1
        count = (stop - start) * row
        shape = ((stop - start), *st.shape[1:]) if st.shape else ()
        dtype = np.dtype(_NUMPY[st.dtype])
        if st.codec == _engine.RAW_CODEC and count > 0:
            if self._map is None:
                self._map = np.memmap(self._path, dtype=np.uint8, mode="c")
            whole = np.ndarray((math.prod(st.shape),), dtype=dtype, buffer=self._map, offset=st.offset)
            a.verify_at([(st.name, int(whole.ctypes.data))])
            return self._finish(whole[start * row : start * row + count], st, shape)
        out = np.empty(count, dtype=dtype)
        if count:
            a.decode_range(st.name, start * row, count, int(out.ctypes.data), int(out.nbytes))
        return self._finish(out, st, shape)

    def get_tensor(self, name: str) -> Any:
        """The whole tensor ``name``."""
        st = self._entry(name)
        return self._rows(st, 0, st.shape[0] if st.shape else 1)

    def get_slice(self, name: str) -> _Slice:
        """A handle on ``name`` that decodes only the rows an index asks for: ``get_slice(n)[2:5]``,
        ``[7]``, ``[2:5, :16]`` (the first dimension chooses what is decoded, the rest is applied to
        those rows)."""
        return _Slice(self, self._entry(name))


class _Slice:
    def __init__(self, owner: safe_open, st: _engine.StoredTensor) -> None:
        self._owner = owner
        self._st = st

    def get_shape(self) -> list[int]:
        return list(self._st.shape)

    def get_dtype(self) -> str:
        return self._st.dtype

    def __getitem__(self, index: Any) -> Any:
        st = self._st
        if not st.shape:
            return self._owner._rows(st, 0, 1)[index]
        first, rest = (index[0], index[1:]) if isinstance(index, tuple) and index else (index, ())
        n = st.shape[0]
        if isinstance(first, slice):
            start, stop, step = first.indices(n)
            lo, hi = (start, max(start, stop)) if step > 0 else (max(stop + 1, 0), start + 1)
            rows = self._owner._rows(st, lo, hi) if hi > lo else self._owner._rows(st, 0, 0)
            if step > 0:
                picked = rows[::step]
            elif self._owner._torch:
                import torch

                picked = torch.flip(rows, [0])[::-step]
            else:
                picked = rows[::-1][::-step]
        elif isinstance(first, int | np.integer):
            i = int(first)
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for dimension 0 of '{st.name}' with size {n}")
            i %= n
            picked = self._owner._rows(st, i, i + 1)[0]
        elif first is Ellipsis:
            return self._owner._rows(st, 0, n)[index]
        else:
            raise InvalidInputError(f"get_slice takes ints and slices, got {type(first).__name__}")
        if not rest:
            return picked
        return picked[(slice(None), *rest)] if not isinstance(first, int | np.integer) else picked[rest]
