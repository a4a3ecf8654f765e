"""Safe defaults and the command line's options in Python."""

from __future__ import annotations

import os
import pydoc
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import tenpak
import tenpak.numpy as tnp
import tenpak.torch as tt
from tenpak import _engine

# ---- item 4: defaults and checks -----------------------------------------------------------------


def test_the_python_default_is_lossless_and_not_the_cli_default(tmp_path: Path) -> None:
    assert tenpak.default_codec() == "lossless_v1"
    assert tenpak.default_codec() in _engine.lossless_codecs()
    assert _engine.cli_default_codec() != tenpak.default_codec()  # the CLI/spec keep theirs
    w = torch.randn(256, 128, generator=torch.Generator().manual_seed(7))
    report = tt.save_file({"w": w}, tmp_path / "d.tenpak")
    assert report.codec == "lossless_v1" and report.max_abs_error == 0.0
    assert torch.equal(tt.load_file(tmp_path / "d.tenpak")["w"], w)
    assert torch.equal(tt.load(tt.save({"w": w}))["w"], w)
    a = np.linspace(-1, 1, 1000, dtype=np.float32).reshape(10, 100)
    assert np.array_equal(tnp.load(tnp.save({"a": a}))["a"], a)


@pytest.mark.parametrize("module", ["torch", "numpy"])
def test_save_file_into_a_missing_folder_raises(tmp_path: Path, module: str) -> None:
    target = tmp_path / "no" / "such" / "folder" / "m.tenpak"
    with pytest.raises(tenpak.TenpakIOError, match="does not exist") as e:
        if module == "torch":
            tt.save_file({"w": torch.ones(3)}, target)
        else:
            tnp.save_file({"w": np.ones(3, dtype=np.float32)}, target)
    assert isinstance(e.value, OSError)
    assert not (tmp_path / "no").exists()


def test_importing_tenpak_torch_without_torch_names_the_install() -> None:
    code = "import sys; sys.modules['torch'] = None\nimport tenpak.torch\n"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(tenpak.__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: tenpak.torch needs PyTorch")
    assert "pip install torch" in last and "tenpak[torch]" in last


# ---- item 5: the CLI's options ---------------------------------------------------------------------


def _sd() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(11)
    return {
        "layer.weight": torch.randn(64, 128, generator=g),  # 8192 elements
        "layer.bias": torch.randn(64, generator=g),
        "small.weight": torch.randn(32, 32, generator=g),  # 1024 elements
        "emb.weight": torch.randn(128, 64, generator=g),
    }


def _codecs(report: tenpak.SaveReport) -> dict[str, str]:
    return {t.name: t.codec for t in report.tensors}


def test_keep_raw_min_elements_and_threads(tmp_path: Path) -> None:
    sd = _sd()
    path = tmp_path / "a.tenpak"
    base = _codecs(tt.save_file(sd, path, codec="int8_sym_g32_v1"))
    assert base == {
        "layer.weight": "int8_sym_g32_v1",
        "layer.bias": "raw_v1",  # 1-D
        "small.weight": "raw_v1",  # under the codec's 4096
        "emb.weight": "int8_sym_g32_v1",
    }
    kept = _codecs(tt.save_file(sd, path, codec="int8_sym_g32_v1", keep_raw=[r"^emb\."]))
    assert kept["emb.weight"] == "raw_v1" and kept["layer.weight"] == "int8_sym_g32_v1"
    assert _codecs(tt.save_file(sd, path, codec="int8_sym_g32_v1", keep_raw="emb"))["emb.weight"] == "raw_v1"
    off = _codecs(tt.save_file(sd, path, codec="int8_sym_g32_v1", min_elements=0))
    assert off["small.weight"] == "int8_sym_g32_v1" and off["layer.bias"] == "int8_sym_g32_v1"
    high = _codecs(tt.save_file(sd, path, codec="int8_sym_g32_v1", min_elements=10_000))
    assert set(high.values()) == {"raw_v1"}
    one = tt.save(sd, codec="int8_sym_g32_v1", threads=1)
    many = tt.save(sd, codec="int8_sym_g32_v1", threads=4)
    assert one == many  # threads never change the bytes
    arrays = {k: v.numpy() for k, v in sd.items()}
    assert _codecs(tnp.save_file(arrays, path, codec="int8_sym_g32_v1", keep_raw=["layer"]))["layer.weight"] == "raw_v1"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"threads": 0}, "threads must be"),
        ({"min_elements": -3}, "min_elements must be"),
        ({"keep_raw": [3]}, "keep_raw takes"),
        ({"keep_raw": ["("]}, "not a valid regular expression"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(tenpak.InvalidInputError, match=match):
        tt.save_file({"w": torch.ones(4)}, tmp_path / "x.tenpak", **kwargs)  # type: ignore[arg-type]


def test_sync_and_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sd = _sd()
    path = tmp_path / "s.tenpak"
    tt.save_file(sd, path, codec="int8_sym_v1", sync=True, progress=True)
    err = capsys.readouterr().err
    assert "s.tenpak" in err and "100%" in err  # tqdm drew the bar on stderr
    assert torch.allclose(tt.load_file(path)["layer.weight"], sd["layer.weight"], atol=0.05)
    tt.save_file(sd, path, progress=False)
    assert capsys.readouterr().err == ""


def test_progress_is_quiet_without_tqdm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    tt.save_file(_sd(), tmp_path / "q.tenpak", progress=True)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("fn", [tt.save_file, tnp.save_file])
def test_help_lists_the_registrys_codecs_and_what_stays_exact(fn: object) -> None:
    text = pydoc.render_doc(fn, renderer=pydoc.plaintext)
    for name in tenpak.codecs():
        assert f"``{name}``" in text
    assert "lossless_v1`` (exact, the default)" in text
    if fn is tt.save_file:
        assert "biases and norms" in text and "integer and bool tensors always" in text
