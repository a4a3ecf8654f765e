"""One door to the engine, one source per fact: the error map, exit codes, the default codec and the
reserved metadata keys all come from the engine's bridge, and only ``_engine.py`` names Java."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import tenpak
import tenpak.numpy as tnp
from tenpak import _engine, errors
from tenpak.eval import errors as eval_errors

SRC = Path(tenpak.__file__).resolve().parent


def test_every_engine_error_class_maps_to_a_python_class_with_the_same_parent() -> None:
    classes = _engine.error_classes()
    assert len(classes) >= 15 and classes[0] == ("TenpakException", None, 3)
    unmapped = [name for name, _, _ in classes if errors.for_java_name(name) is None]
    assert unmapped == [], f"add a Python class to tenpak/errors.py for each of {unmapped}"
    for name, parent, _ in classes:
        py = errors.for_java_name(name)
        assert py is not None
        if parent is None:
            assert py is tenpak.TenpakError
        else:
            assert errors.for_java_name(parent) in py.__bases__, f"{py.__name__} should extend {parent}'s class"
        assert py.__name__ in tenpak.__all__ and py.__name__ in errors.__all__
        assert getattr(tenpak, py.__name__) is py


def test_the_map_follows_the_name_rule() -> None:
    assert errors.for_java_name("TenpakIOException") is tenpak.TenpakIOError
    assert errors.for_java_name("ValueOutOfRangeException") is tenpak.ValueOutOfRangeError
    assert errors.for_java_name("IOException") is None  # not one of ours
    assert errors.for_java_name("TenpakError") is None


def test_a_raised_error_carries_the_engines_exit_code_and_fields(tmp_path: Path) -> None:
    codes = _engine.exit_codes()
    with pytest.raises(tenpak.UnknownCodecError) as e:
        tnp.save_file({"a": np.ones(2, dtype=np.float32)}, tmp_path / "x.tenpak", codec="int3_magic_v9")
    assert e.value.exit_code == codes["EXIT_UNSUPPORTED"] == _engine.exit_code(e.value)
    assert e.value.codec == "int3_magic_v9"
    path = tmp_path / "ok.tenpak"
    tnp.save_file({"a": np.ones(4096, dtype=np.float32)}, path, codec="raw_v1")
    data = bytearray(path.read_bytes())
    with _engine.open_file(path) as artifact:
        offset = artifact.tensors[0].offset
    data[offset + 100] ^= 0xFF  # inside the payload: a checksum mismatch
    with pytest.raises(tenpak.ChecksumMismatchError) as c:
        tnp.load(bytes(data))
    assert c.value.exit_code == codes["EXIT_CORRUPT"] and c.value.tensor == "a" and c.value.offset is not None


def test_errors_raised_in_python_get_the_exit_code_of_their_engine_class() -> None:
    codes = _engine.exit_codes()
    assert _engine.exit_code(tenpak.CorruptArtifactError("x")) == codes["EXIT_CORRUPT"]
    assert _engine.exit_code(tenpak.InvalidInputError("x")) == codes["EXIT_INVALID_INPUT"]
    assert _engine.exit_code(tenpak.TenpakIOError("x")) == codes["EXIT_IO"]


def test_the_harness_exit_codes_are_the_engines() -> None:
    ours = {k: v for k, v in vars(eval_errors).items() if k.startswith("EXIT_")}
    assert ours, "tenpak.eval.errors defines no EXIT_ constants"
    engine = _engine.exit_codes()
    for name, value in ours.items():
        assert engine.get(name) == value, f"{name}: harness {value}, engine {engine.get(name)}"


def test_the_default_codec_is_the_engines(tmp_path: Path) -> None:
    default = tenpak.default_codec()
    assert default in tenpak.codecs()
    path = tmp_path / "d.tenpak"
    report = tnp.save_file({"w": np.linspace(-1, 1, 256, dtype=np.float32)}, path)
    assert report.codec == default and tenpak.inspect(path).codec == default
    assert tnp.load(tnp.save({"w": np.zeros(8, dtype=np.float32)}))["w"].shape == (8,)


def test_the_aliases_key_is_an_engine_reserved_key(tmp_path: Path) -> None:
    key = _engine.aliases_key()
    assert key in _engine.reserved_keys()
    a = np.arange(6, dtype=np.float32)
    path = tmp_path / "shared.tenpak"
    tnp.save_file({"a": a, "b": a}, path, codec="raw_v1")
    info = tenpak.inspect(path)
    assert key in info.metadata and info.aliases == {"b": "a"}
    with pytest.raises(tenpak.InvalidInputError, match="reserved"):
        tnp.save_file({"a": a}, tmp_path / "x.tenpak", metadata={key: "{}"})


# What naming a Java class looks like in Python source: a JClass, a java package reached through
# jpype, a Java class name in a string, or a reach into the engine module's private helpers.
_JAVA_NAMES = re.compile(
    r"JClass\(|jpype\.java\b|[\"']dev\.tenpak\.|[\"']java\.(lang|nio|util)\.|_engine\._[a-z]"
    r"|_engine\.java\(\)"
)


def test_only_the_engine_module_names_java_classes() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "_engine.py" and path.parent == SRC:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _JAVA_NAMES.search(line):
                offenders.append(f"{path.relative_to(SRC)}:{n}: {line.strip()}")
    assert offenders == [], "\n".join(offenders)


def test_the_engine_module_names_only_the_bridge() -> None:
    text = (SRC / "_engine.py").read_text(encoding="utf-8")
    named = set(re.findall(r"[\"'](dev\.tenpak\.[A-Za-z0-9_.]+|java\.[A-Za-z0-9_.]+)[\"']", text))
    assert named <= {_engine.BRIDGE_CLASS, "dev.tenpak.error"}, named
    assert "JClass(BRIDGE_CLASS)" in text and text.count("JClass(") == text.count("JClass(BRIDGE_CLASS)")
