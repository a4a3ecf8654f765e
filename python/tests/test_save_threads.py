"""A save releases the GIL while the engine reads the tensors where they lie, so other
threads run meanwhile. What they may do (see ``save_file``'s docstring): drop their references, delete
or replace the dict's entries, allocate. The save works on the entries as they were when it started,
holds every tensor and its storage until it returns, and the file round-trips."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import tenpak.numpy as tnp
import tenpak.torch as tt

SEED = 20261206


class _Signalling(dict):  # type: ignore[type-arg]
    """A plain dict that tells another thread when a save starts reading its entries."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.reading = threading.Event()

    def items(self) -> Any:
        self.reading.set()
        return super().items()


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Hand the GIL between threads every microsecond, so the other thread runs between any two steps."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _torch_state() -> dict[str, Any]:
    g = torch.Generator().manual_seed(SEED)
    sd: dict[str, Any] = {f"big.{i}": torch.randn(1024, 1024, generator=g) for i in range(6)}  # 24 MiB
    sd.update({f"t.{i}": torch.randn(512, 256, generator=g).t() for i in range(4)})  # non-contiguous: copied
    sd.update({f"small.{i}": torch.randn(16, generator=g) for i in range(3000)})  # a long walk over the dict
    return sd


def _numpy_state() -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    sd: dict[str, Any] = {f"big.{i}": rng.standard_normal((1024, 1024), dtype=np.float32) for i in range(6)}
    sd.update({f"t.{i}": rng.standard_normal((512, 256), dtype=np.float32).T for i in range(4)})
    sd.update({f"small.{i}": rng.standard_normal(16, dtype=np.float32) for i in range(3000)})
    return sd


def _copy(v: Any) -> Any:
    return v.clone() if isinstance(v, torch.Tensor) else v.copy()


def _equal(a: Any, b: Any) -> bool:
    return bool(torch.equal(a, b)) if isinstance(a, torch.Tensor) else bool(np.array_equal(a, b))


@pytest.mark.parametrize(
    "make, save, load",
    [(_torch_state, tt.save_file, tt.load_file), (_numpy_state, tnp.save_file, tnp.load_file)],
    ids=["torch", "numpy"],
)
def test_another_thread_deleting_every_reference_during_a_large_save(
    tmp_path: Path, fast_switching: None, make: Callable[[], dict[str, Any]], save: Any, load: Any
) -> None:
    sd = _Signalling(make())
    expected = {k: _copy(v) for k, v in sd.items()}
    sd.reading.clear()
    errors: list[BaseException] = []

    def drop_everything() -> None:
        try:
            sd.reading.wait()
            for k in list(sd):
                value = sd.pop(k, None)
                del value
            gc.collect()
            # reuse what was freed: a save still reading freed memory would see these bytes
            junk = [torch.full((1 << 18,), 7.0) for _ in range(64)]
            del junk
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    other = threading.Thread(target=drop_everything)
    other.start()
    try:
        save(sd, tmp_path / "m.tenpak", codec="raw_v1")
    finally:
        other.join()
    assert errors == []
    assert len(sd) == 0  # the other thread did drop every entry, during the save
    back = load(tmp_path / "m.tenpak", mmap=False)
    assert list(back) == list(expected)
    for name, want in expected.items():
        assert _equal(back[name], want), name
