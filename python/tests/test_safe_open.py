"""tenpak.safe_open: keys, metadata, one tensor, row slices decoded alone."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch

import tenpak
import tenpak.torch as tt


def _sd() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    return {
        "w": torch.randn(300, 70, generator=g),
        "h": torch.randn(40, 8, 16, generator=g).to(torch.bfloat16),
        "ids": torch.arange(50, dtype=torch.int64).reshape(10, 5),
        "b": torch.randn(70, generator=g),
        "s": torch.tensor(2.5),
    }


def test_get_tensor_and_slices_match_load_file(tmp_path: Path, codec: str) -> None:
    sd = _sd()
    sd["tied"] = sd["w"]
    path = tmp_path / "m.tenpak"
    tt.save_file(sd, path, codec=codec, metadata={"who": "me"}, min_elements=0)
    full = tt.load_file(path)
    with tenpak.safe_open(path, framework="pt") as f:
        assert f.keys() == list(full)
        assert f.metadata() == {"who": "me"}
        for name, t in full.items():
            got = f.get_tensor(name)
            assert got.dtype == t.dtype and torch.equal(got, t), name
        sl = f.get_slice("w")
        assert sl.get_shape() == [300, 70] and sl.get_dtype() == "F32"
        for index in [
            slice(5, 9),
            slice(None),
            slice(290, 400),
            slice(0, 0),
            7,
            -1,
            (slice(10, 20), slice(3, 6)),
            slice(3, 40, 7),
            (4, slice(None, 5)),
        ]:
            assert torch.equal(sl[index], full["w"][index]), index
        assert torch.equal(f.get_slice("h")[11:13], full["h"][11:13])
        assert torch.equal(f.get_slice("ids")[2:4, 1], full["ids"][2:4, 1])
        assert torch.equal(f.get_slice("s")[...], full["s"])
    with tenpak.safe_open(path, framework="numpy") as f:
        assert np.array_equal(f.get_slice("w")[100:103], full["w"][100:103].numpy())
        assert np.array_equal(f.get_slice("w")[40:3:-5], full["w"].numpy()[40:3:-5])
        assert f.get_tensor("h").dtype == np.uint16  # BF16 bit patterns, as tenpak.numpy gives them
        assert np.array_equal(f.get_tensor("h"), full["h"].view(torch.int16).numpy().view(np.uint16))


def test_raw_tensors_are_views_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "r.tenpak"
    sd = _sd()
    tt.save_file(sd, path, codec="raw_v1")
    with tenpak.safe_open(path, framework="numpy") as f:
        a = f.get_slice("w")[10:20]
        assert not a.flags.owndata and a.base is not None
        assert np.array_equal(a, sd["w"][10:20].numpy())


def test_a_slice_of_a_lossy_tensor_decodes_only_its_rows(tmp_path: Path) -> None:
    """Rows of a big int8_sym_g32_v1 tensor come far faster than the whole tensor."""
    path = tmp_path / "big.tenpak"
    w = torch.randn(16384, 1024, generator=torch.Generator().manual_seed(1))  # 64 MiB of F32
    tt.save_file({"w": w}, path, codec="int8_sym_g32_v1")
    with tenpak.safe_open(path) as f:
        f.get_slice("w")[0:2]  # warm up
        t0 = time.perf_counter()
        whole = f.get_tensor("w")
        t_whole = time.perf_counter() - t0
        t0 = time.perf_counter()
        rows = f.get_slice("w")[8000:8004]
        t_rows = time.perf_counter() - t0
    assert torch.equal(rows, whole[8000:8004])
    assert t_rows * 10 < t_whole, (t_rows, t_whole)


def test_errors(tmp_path: Path) -> None:
    path = tmp_path / "e.tenpak"
    tt.save_file(_sd(), path)
    with pytest.raises(tenpak.InvalidInputError, match="framework"):
        tenpak.safe_open(path, framework="tf")
    f = tenpak.safe_open(path)
    with pytest.raises(tenpak.InvalidInputError, match="no tensor named 'nope'"):
        f.get_tensor("nope")
    with pytest.raises(IndexError):
        f.get_slice("w")[300]
    f.close()
    with pytest.raises(tenpak.InvalidInputError, match="closed"):
        f.keys()
