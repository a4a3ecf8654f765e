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
