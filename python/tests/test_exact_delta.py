"""Exact deltas of a real full fine-tune: every parameter of all-MiniLM-L6-v2 trained (finetune.py), both
checkpoints in bf16; the delta stores the XOR of the bits and materialize gives the fine-tune back bit
for bit, from a file and from a state_dict held in memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import tenpak
import tenpak.torch as tt
from tenpak.eval import _bridge

sys.path.insert(0, str(Path(__file__).resolve().parent))
import finetune  # noqa: E402

# The exact delta of this fine-tune measured 10.5% of the raw fine-tune (README, beside XOR + zstd -19 at
# 12.4%); the bound is the goal it was built for.
MAX_FRACTION = 0.12


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, minilm_dir: Path) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("finetune")
    return finetune.build(minilm_dir, out, log=lambda _: None)


@pytest.fixture(scope="module")
def base_artifact(pair: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("base") / "base.tenpak"
    tt.save_file(load_file(str(pair[0])), path, codec="lossless_v1")
    return path


def _assert_bit_equal(got: dict[str, torch.Tensor], want: dict[str, torch.Tensor]) -> None:
    assert list(got) == list(want)
    for name, w in want.items():
        g = got[name]
        assert g.dtype == w.dtype and g.shape == w.shape, name
        assert torch.equal(g.view(torch.uint8) if g.numel() else g, w.view(torch.uint8) if w.numel() else w), name


def test_every_parameter_changed_and_the_delta_is_small(
    pair: tuple[Path, Path], base_artifact: Path, tmp_path: Path, cli: Path
) -> None:
    base, tuned = load_file(str(pair[0])), load_file(str(pair[1]))
    changed = [k for k in tuned if not torch.equal(tuned[k], base[k])]
    assert len(changed) >= len(tuned) - 1, "a full fine-tune changes every trained tensor"

    delta = tmp_path / "ft.delta.tenpak"
    report = tenpak.delta(base_artifact, pair[1], delta, exact=True)
    assert report["exact"] and report["codec"] == "lossless_v1"
    raw = sum(t.numel() * t.element_size() for t in tuned.values())
    assert report["variantTensorBytes"] == raw
    assert report["deltaBytes"] == delta.stat().st_size
    modes = {e["mode"] for e in report["tensors"] if e["mode"]}
    assert "ulp" in modes, modes
    assert report["deltaBytes"] <= MAX_FRACTION * raw, f"{report['deltaBytes'] / raw:.1%} of the raw fine-tune"
    print(f"exact delta: {report['deltaBytes']:,} bytes = {report['deltaBytes'] / raw:.2%} of {raw:,}")

    out = tmp_path / "ft.tenpak"
    m = tenpak.materialize(base_artifact, delta, out)
    assert m["rebuilt"] >= len(changed) - 5
    _assert_bit_equal(tt.load_file(out), tuned)

    # and through the command line to safetensors, as a user ships it: the fine-tune's own tensors
    st = tmp_path / "ft.safetensors"
    subprocess.run([str(cli), "decompress", "-i", str(out), "-o", str(st)], check=True, capture_output=True)
    _assert_bit_equal(load_file(str(st)), tuned)


def test_a_state_dict_in_memory_gives_the_same_delta(pair: tuple[Path, Path], base_artifact: Path, tmp_path: Path):
    tuned = load_file(str(pair[1]))
    from_file = tmp_path / "file.delta.tenpak"
    from_memory = tmp_path / "memory.delta.tenpak"
    tenpak.delta(base_artifact, pair[1], from_file, exact=True)
    r = _bridge.delta(base_artifact, tuned, from_memory, codec=None, exact=True)
    assert r.modes.get("ulp", 0) > 0
    assert from_memory.read_bytes() == from_file.read_bytes()


def test_exact_and_epsilon_are_one_or_the_other(base_artifact: Path, pair: tuple[Path, Path], tmp_path: Path):
    with pytest.raises(TypeError, match="exactly one"):
        tenpak.delta(base_artifact, pair[1], tmp_path / "d.tenpak")
    with pytest.raises(TypeError, match="exactly one"):
        tenpak.delta(base_artifact, pair[1], tmp_path / "d.tenpak", 0.1, exact=True)
    with pytest.raises(tenpak.InvalidInputError, match="int8_sym_v1 is lossy"):
        tenpak.delta(base_artifact, pair[1], tmp_path / "d.tenpak", exact=True, codec="int8_sym_v1")
