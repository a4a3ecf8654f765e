"""plan, delta and materialize through the Python wrappers, on the shipped fleet example."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tenpak
import tenpak.numpy as tnp

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"


def test_plan_delta_materialize(tmp_path: Path) -> None:
    base_json = FLEET / "base.json"
    plan = tenpak.plan(base_json, 0.0005, per_tensor=True, output=tmp_path / "base.plan.json")
    assert plan["format"] == "tenpak-plan/1" and plan["mode"] == "per-tensor"
    assert json.loads((tmp_path / "base.plan.json").read_text())["format"] == "tenpak-plan/1"

    base = tmp_path / "base.tenpak"
    base.write_bytes(tenpak.compress_json_bundle(base_json.read_bytes(), "raw_v1"))
    report = tenpak.delta(base, FLEET / "ft-sentiment.json", tmp_path / "ft.delta.tenpak", 0.0005, codec="raw_v1")
    assert report["output"].endswith("ft.delta.tenpak") and report["tensors"]
    assert report["deltaBytes"] < report["fullVariantBytes"]
    out = tmp_path / "ft.tenpak"
    m = tenpak.materialize(base, tmp_path / "ft.delta.tenpak", out)
    assert m["output"].endswith("ft.tenpak")

    variant = {
        t["name"]: np.asarray(t["data"], dtype=np.float32).reshape(t["shape"])
        for t in json.loads((FLEET / "ft-sentiment.json").read_text())["tensors"]
    }
    back = tnp.load_file(out)
    assert set(back) == set(variant)
    for name, want in variant.items():
        assert np.abs(back[name] - want).mean() <= 0.0005 + 1e-7, name


def test_plan_errors_are_typed(tmp_path: Path) -> None:
    with pytest.raises(tenpak.InvalidInputError):
        tenpak.plan(tmp_path / "absent.json", 0.001)
    with pytest.raises(tenpak.UnknownCodecError):
        tenpak.plan(FLEET / "base.json", 0.001, codecs=["nope_v1"])


def test_plan_under_a_size_budget(tmp_path: Path) -> None:
    base_json = FLEET / "base.json"
    out = tmp_path / "bits.plan.json"
    plan = tenpak.plan(base_json, max_bits_per_weight=6.0, output=out)
    assert plan["budget"] == "max-bits-per-weight" and plan["maxBitsPerWeight"] == 6.0
    assert plan["maxMae"] is None and plan["mode"] == "per-tensor"
    expected = plan["expected"]
    assert 0 < expected["storedBitsPerWeight"] <= 6.0
    assert expected["sse"] == pytest.approx(sum(t["sse"] for t in plan["tensors"]))
    for t in plan["tensors"]:
        assert t["codec"] and t["bitsPerWeight"] > 0 and t["mse"] >= 0 and t["reason"]
    fitting = [c for c in plan["candidates"] if c["storedBitsPerWeight"] <= 6.0]
    assert fitting and all(expected["sse"] <= c["sse"] for c in fitting)
    assert len({t["codec"] for t in plan["tensors"]}) >= 2
    assert json.loads(out.read_text())["budget"] == "max-bits-per-weight"

    # stored bits per weight: payload and codec parameters of every tensor over the float weights
    weights = sum(int(np.prod(t["shape"])) for t in plan["tensors"])
    stored = sum(t["storedBytes"] + t["paramsBytes"] for t in plan["tensors"])
    assert expected["storedBitsPerWeight"] == pytest.approx(stored * 8 / weights)

    # the MAE budget still works positionally, and its plans now say which budget they had
    assert tenpak.plan(base_json, 0.01)["budget"] == "max-mae"


def test_size_budget_errors_are_typed(tmp_path: Path) -> None:
    base_json = FLEET / "base.json"
    with pytest.raises(tenpak.InvalidInputError, match="give a budget"):
        tenpak.plan(base_json)
    with pytest.raises(tenpak.InvalidInputError, match="not both"):
        tenpak.plan(base_json, 0.01, max_bits_per_weight=4.0)
    with pytest.raises(tenpak.InvalidInputError, match="max-bits-per-weight must be a finite number > 0"):
        tenpak.plan(base_json, max_bits_per_weight=0.0)
    with pytest.raises(tenpak.BudgetExceededError) as err:
        tenpak.plan(base_json, max_bits_per_weight=1.0, output=tmp_path / "never.json")
    assert err.value.exit_code == 7
    assert err.value.budget == 1.0
    assert isinstance(err.value.best, float) and err.value.best > 1.0
    assert f"takes {err.value.best:.4f} bits per weight" in str(err.value)
    assert not (tmp_path / "never.json").exists()


def test_plan_counts_the_entropy_stage_when_asked(tmp_path: Path) -> None:
    base_json = FLEET / "base.json"
    codecs = ["int8_sym_v1", "int4_sym_g32_v1"]
    off = tenpak.plan(base_json, max_bits_per_weight=7.5, codecs=codecs)
    assert off["entropy"] == "off"
    out = tmp_path / "auto.plan.json"
    auto = tenpak.plan(base_json, max_bits_per_weight=7.5, codecs=codecs, entropy="auto", output=out)
    assert auto["entropy"] == "auto" and json.loads(out.read_text())["entropy"] == "auto"
    assert "entropy stage included" in auto["reason"]
    assert 0 < auto["expected"]["storedBitsPerWeight"] <= 7.5

    # int8 codes of trained weights are smaller through the stage; the same codes, the same error
    def int8(plan: dict, name: str) -> dict:
        t = next(t for t in plan["tensors"] if t["name"] == name)
        return next(c for c in t["candidates"] if c["codec"] == "int8_sym_v1")

    embed = next(t["name"] for t in auto["tensors"] if t["name"].startswith("embed"))
    assert int8(auto, embed)["storedBytes"] < int8(off, embed)["storedBytes"]
    assert int8(auto, embed)["mse"] == int8(off, embed)["mse"]
    # so the same budget buys at most as much error
    assert auto["expected"]["sse"] <= off["expected"]["sse"]

    with pytest.raises(tenpak.InvalidInputError, match="entropy must be 'auto' or 'off'"):
        tenpak.plan(base_json, 0.01, entropy="zstd")
