"""What the Python API cannot take is refused with a typed tenpak error that
says what was expected, never an AttributeError, UnicodeEncodeError or RuntimeError from deeper down,
and a delta artifact is never loaded as a model."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import tenpak
import tenpak.numpy as tnp
import tenpak.torch as tt
from tenpak import _engine

# ---- item 10: a delta is differences against a base, not weights ----------------------------------


@pytest.fixture
def base_and_delta(tmp_path: Path) -> tuple[Path, Path, dict[str, torch.Tensor]]:
    """A full artifact of a Linear(4, 4)'s state_dict and a delta of a variant against it."""
    torch.manual_seed(20261206)
    base_sd = torch.nn.Linear(4, 4).state_dict()
    base = tmp_path / "base.tenpak"
    tt.save_file(base_sd, base, codec="raw_v1")
    variant = {k: v + 1.0 for k, v in base_sd.items()}  # every weight differs: the delta holds them all
    tensors = [{"name": k, "shape": list(v.shape), "data": v.flatten().tolist()} for k, v in variant.items()]
    bundle = {"tensors": tensors}
    (tmp_path / "variant.json").write_text(json.dumps(bundle))
    delta = tmp_path / "variant.delta.tenpak"
    report = tenpak.delta(base, tmp_path / "variant.json", delta, 0.0, codec="raw_v1")
    assert report["tensors"]
    return base, delta, base_sd


def _is_delta_refusal(err: tenpak.TenpakError, where: str) -> None:
    assert isinstance(err, tenpak.ArtifactKindError) and isinstance(err, tenpak.InvalidInputError)
    assert err.java_class == "dev.tenpak.error.ArtifactKindException"
    assert err.exit_code == _engine.exit_codes()["EXIT_INVALID_INPUT"]
    assert where in str(err) and "is a delta artifact" in str(err) and "materialize" in str(err)


def test_load_file_refuses_a_delta_artifact(base_and_delta: tuple[Path, Path, dict[str, torch.Tensor]]) -> None:
    _, delta, _ = base_and_delta
    for load in (tt.load_file, tnp.load_file):
        for mmap in (True, False):
            with pytest.raises(tenpak.ArtifactKindError) as e:
                load(delta, mmap=mmap)  # type: ignore[operator]
            _is_delta_refusal(e.value, os.fspath(delta))
    data = delta.read_bytes()
    for load_bytes in (tt.load, tnp.load):
        with pytest.raises(tenpak.ArtifactKindError) as e:
            load_bytes(data)  # type: ignore[operator]
        _is_delta_refusal(e.value, "<bytes>")


def test_load_into_refuses_a_delta_and_leaves_the_weights_alone(
    base_and_delta: tuple[Path, Path, dict[str, torch.Tensor]],
) -> None:
    base, delta, base_sd = base_and_delta
    module = torch.nn.Linear(4, 4)
    module.load_state_dict(base_sd)
    for strict in (True, False):
        with pytest.raises(tenpak.ArtifactKindError) as e:
            tt.load_into(module, delta, strict=strict)
        _is_delta_refusal(e.value, os.fspath(delta))
    for k, v in module.state_dict().items():
        assert torch.equal(v, base_sd[k]), k
    # the base itself, and what materialize makes of the delta, load as models
    assert tt.load_into(module, base) == ([], [])
    tenpak.materialize(base, delta, base.parent / "variant.tenpak")
    back = tt.load_file(base.parent / "variant.tenpak")
    for k, v in base_sd.items():
        assert torch.allclose(back[k], v + 1.0), k


# ---- item 17: the wrong kind of argument -----------------------------------------------------------


@pytest.mark.parametrize("tensors", [None, [], [("w", 1)], "w", 3])
def test_save_of_something_other_than_a_mapping_says_what_was_expected(tmp_path: Path, tensors: object) -> None:
    out = tmp_path / "x.tenpak"
    with pytest.raises(tenpak.InvalidInputError, match=r"expected a mapping of tensor name -> torch\.Tensor") as e:
        tt.save_file(tensors, out)  # type: ignore[arg-type]
    assert type(tensors).__name__ in str(e.value)
    with pytest.raises(tenpak.InvalidInputError, match=r"expected a mapping of tensor name -> torch\.Tensor"):
        tt.save(tensors)  # type: ignore[arg-type]
    with pytest.raises(tenpak.InvalidInputError, match="expected a mapping of tensor name -> numpy array"):
        tnp.save_file(tensors, out)  # type: ignore[arg-type]
    with pytest.raises(tenpak.InvalidInputError, match="expected a mapping of tensor name -> numpy array"):
        tnp.save(tensors)  # type: ignore[arg-type]
    assert not out.exists()


@pytest.mark.parametrize("name", ["w\ud800", "\udfff", "layer.\ud83d.weight"])
def test_a_name_with_a_lone_surrogate_is_an_input_error(tmp_path: Path, name: str) -> None:
    out = tmp_path / "x.tenpak"
    with pytest.raises(tenpak.InvalidInputError, match="lone surrogate") as e:
        tt.save_file({"ok": torch.ones(2), name: torch.ones(2)}, out)
    assert repr(name) in str(e.value) and "UTF-8" in str(e.value)
    with pytest.raises(tenpak.InvalidInputError, match="lone surrogate"):
        tnp.save_file({name: np.ones(2, dtype=np.float32)}, out)
    with pytest.raises(tenpak.InvalidInputError, match="metadata keys .*lone surrogate"):
        tt.save_file({"ok": torch.ones(2)}, out, metadata={name: "v"})
    with pytest.raises(tenpak.InvalidInputError, match="metadata values .*lone surrogate"):
        tnp.save_file({"ok": np.ones(2, dtype=np.float32)}, out, metadata={"k": name})
    assert not out.exists()
    # a name outside the BMP written properly (a surrogate pair in UTF-16 terms) is fine
    tt.save_file({"layer.\U0001f600.weight": torch.ones(2)}, out)
    assert list(tt.load_file(out)) == ["layer.\U0001f600.weight"]


@pytest.mark.parametrize("layout", [torch.strided, torch.jagged])
def test_a_nested_tensor_is_an_input_error(tmp_path: Path, layout: torch.layout) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the strided nested layout warns that it is a prototype
        nested = torch.nested.nested_tensor([torch.ones(2), torch.ones(3)], layout=layout)
    with pytest.raises(tenpak.InvalidInputError, match="tensor 'n': nested tensors are not supported") as e:
        tt.save_file({"n": nested}, tmp_path / "x.tenpak")
    assert "unbind" in str(e.value)
    assert not (tmp_path / "x.tenpak").exists()


def test_metadata_of_the_wrong_kind_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(tenpak.InvalidInputError, match="metadata must be a mapping of str to str, got list"):
        tt.save_file({"a": torch.ones(2)}, tmp_path / "x.tenpak", metadata=[("k", "v")])  # type: ignore[arg-type]
