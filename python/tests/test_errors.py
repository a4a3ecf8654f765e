"""Java TenpakExceptions surface as Python TenpakError subclasses with the engine's message only."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import numpy as np
import pytest
import torch

import tenpak
import tenpak.numpy as tnp
import tenpak.torch as tt
from tenpak import _engine


def assert_clean(err: tenpak.TenpakError) -> None:
    """No Java stack trace anywhere in what the user sees."""
    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    assert "\tat " not in text and "java.lang" not in text and "dev.tenpak" not in str(err)
    assert err.__cause__ is None and err.__suppress_context__


def saved(tmp_path: Path, codec: str = "raw_v1") -> Path:
    path = tmp_path / "ok.tenpak"
    tt.save_file({"a": torch.arange(64, dtype=torch.float32), "b": torch.ones(3, 3)}, path, codec=codec)
    return path


def test_unknown_codec(tmp_path: Path) -> None:
    with pytest.raises(tenpak.UnknownCodecError) as e:
        tt.save_file({"a": torch.ones(2)}, tmp_path / "x.tenpak", codec="int3_magic_v9")
    assert "unknown codec 'int3_magic_v9'" in str(e.value) and "raw_v1" in str(e.value)
    assert e.value.codec == "int3_magic_v9" and e.value.java_class == "dev.tenpak.error.UnknownCodecException"
    assert isinstance(e.value, ValueError)
    assert_clean(e.value)
    assert not (tmp_path / "x.tenpak").exists()


def test_shape_mismatch_from_the_engine() -> None:
    bad = _engine.TensorRef("w", "F32", (3, 4), address=0, nbytes=40)  # 12 floats need 48 bytes
    with pytest.raises(tenpak.ShapeMismatchError) as e:
        _engine.save_to_bytes([bad], {}, "raw_v1", None)
    assert "tensor 'w'" in str(e.value) and "48" in str(e.value) and "40" in str(e.value)
    assert isinstance(e.value, tenpak.InvalidInputError)
    assert_clean(e.value)


def test_shape_mismatch_when_loading_into_a_module(tmp_path: Path) -> None:
    path = tmp_path / "lin.tenpak"
    tt.save_file(torch.nn.Linear(4, 3).state_dict(), path)
    with pytest.raises(tenpak.ShapeMismatchError, match=r"tensor 'weight': artifact has shape \[3, 4\]"):
        tt.load_into(torch.nn.Linear(5, 3), path, strict=False)


def test_load_into_strict_reports_missing_and_unexpected_keys(tmp_path: Path) -> None:
    path = tmp_path / "lin.tenpak"
    tt.save_file({"weight": torch.zeros(3, 4), "extra": torch.zeros(1)}, path)
    module = torch.nn.Linear(4, 3)
    with pytest.raises(tenpak.InvalidInputError, match=r"missing keys: \['bias'\]; unexpected keys: \['extra'\]"):
        tt.load_into(module, path)
    result = tt.load_into(module, path, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert torch.equal(module.weight, torch.zeros(3, 4))


def test_flipped_payload_byte_is_a_checksum_error_naming_the_tensor(tmp_path: Path) -> None:
    path = saved(tmp_path)
    data = bytearray(path.read_bytes())
    data[64 + 10] ^= 0x40  # inside tensor a's payload, which starts at the first 64-byte boundary
    path.write_bytes(bytes(data))
    with pytest.raises(tenpak.ChecksumMismatchError) as e:
        tt.load_file(path)
    assert isinstance(e.value, tenpak.CorruptArtifactError)
    assert "tensor 'a'" in str(e.value) and "checksum" in str(e.value) and str(path) in str(e.value)
    assert e.value.tensor == "a" and e.value.offset == 64
    assert_clean(e.value)
    info = tenpak.inspect(path)  # inspect reports instead of raising
    assert not info.checksums_ok and [t.checksum_ok for t in info.tensors] == [False, True]


@pytest.mark.parametrize("cut", [1, 20, 40])
def test_truncated_file_is_corrupt(tmp_path: Path, cut: int) -> None:
    path = saved(tmp_path)
    path.write_bytes(path.read_bytes()[:-cut])
    with pytest.raises(tenpak.CorruptArtifactError) as e:
        tnp.load_file(path)
    assert "corrupt artifact" in str(e.value) and e.value.offset is not None
    assert_clean(e.value)


def test_not_an_artifact(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(b'{"__metadata__": {}}' + bytes(200))
    with pytest.raises(tenpak.CorruptArtifactError, match="bad magic"):
        tt.load_file(path)
    with pytest.raises(tenpak.CorruptArtifactError):
        tt.load(b"not an artifact at all")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(tenpak.InvalidInputError, match="no such file"):
        tt.load_file(tmp_path / "absent.tenpak")


def test_non_finite_values_refused_by_lossy_codecs_and_no_file_left(tmp_path: Path) -> None:
    t = torch.zeros(100)
    t[42] = float("nan")
    with pytest.raises(tenpak.NonFiniteValueError) as e:
        tt.save_file({"w": t}, tmp_path / "nan.tenpak", codec="int8_sym_v1")
    assert e.value.tensor == "w" and e.value.index == 42 and "raw_v1" in str(e.value)
    assert os.listdir(tmp_path) == []  # atomic write: no artifact, no temporary file
    tt.save_file({"w": t}, tmp_path / "nan.tenpak", codec="raw_v1")
    back = tt.load_file(tmp_path / "nan.tenpak")["w"]
    assert torch.equal(back.view(torch.int32), t.view(torch.int32))  # the NaN's bits too


def test_python_side_input_errors() -> None:
    with pytest.raises(tenpak.InvalidInputError, match="complex64 is not supported"):
        tt.save({"c": torch.zeros(2, dtype=torch.complex64)})
    with pytest.raises(tenpak.InvalidInputError, match="complex128 is not supported"):
        tnp.save({"c": np.zeros(2, dtype=np.complex128)})
    with pytest.raises(tenpak.InvalidInputError, match="names must be str"):
        tt.save({1: torch.zeros(2)})  # type: ignore[dict-item]
    with pytest.raises(tenpak.InvalidInputError, match="reserved"):
        tt.save({"a": torch.zeros(2)}, metadata={"tenpak.aliases": "{}"})
    with pytest.raises(tenpak.InvalidInputError, match="str to str"):
        tt.save({"a": torch.zeros(2)}, metadata={"n": 3})  # type: ignore[dict-item]
    with pytest.raises(tenpak.InvalidInputError, match="uint16"):
        tnp.bf16(np.zeros(3, dtype=np.float32))


def test_bad_alias_metadata_is_corrupt(tmp_path: Path) -> None:
    # an artifact whose alias record points at a tensor it does not hold (written with the engine
    # directly, since the public API reserves the key)
    a = np.ones(4, dtype=np.float32)
    ref = _engine.TensorRef("a", "F32", (4,), int(a.ctypes.data), a.nbytes)
    _engine.save_to_file([ref], {"b": "missing"}, tmp_path / "bad.tenpak", "raw_v1", None)
    with pytest.raises(tenpak.CorruptArtifactError, match="tenpak.aliases"):
        tnp.load_file(tmp_path / "bad.tenpak")
