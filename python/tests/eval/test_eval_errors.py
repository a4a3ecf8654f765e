"""Error paths of the harness: each is one line on stderr and a non-zero exit code, before any slow work."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenpak.eval.__main__ import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--quiet", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_model_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("Some English text for the test.", encoding="utf-8")
    missing = tmp_path / "no" / "such-model"
    code, out, err = _run(capsys, "--model", str(missing), "--text", str(text))
    assert code == 3
    assert out == ""
    assert err == (
        f"tenpak runeval: error: --model {missing}: no such folder; pass an existing folder saved with "
        "save_pretrained or a Hugging Face model id such as gpt2\n"
    )


def test_folder_without_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("Some English text.", encoding="utf-8")
    code, _, err = _run(capsys, "--model", str(tmp_path), "--text", str(text))
    assert code == 3
    assert "no config.json in this folder" in err and err.count("\n") == 1


@pytest.mark.parametrize("kind", ["missing", "folder", "empty"])
def test_unreadable_text_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str) -> None:
    path = tmp_path / "held_out.txt"
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_text("  \n", encoding="utf-8")
    code, out, err = _run(capsys, "--model", str(tmp_path), "--text", str(path))
    assert code == 3
    assert out == ""
    expected = {
        "missing": "no such file",
        "folder": "is a folder, expected a UTF-8 text file",
        "empty": "is empty; pass a file with some English text",
    }[kind]
    assert err == f"tenpak runeval: error: text file {path}: {expected}\n"


def test_wikitext_unavailable_says_what_to_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # offline (or without the datasets package) WikiText-2 cannot be had: the message says to pass --text
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    code, out, err = _run(capsys, "--model", str(tmp_path), "--dataset", "wikitext-2")
    assert code == 8
    assert out == ""
    assert err.startswith("tenpak runeval: error: ") and "pass --text FILE" in err and err.count("\n") == 1


def test_unknown_codec_lists_the_known(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "--model", str(tmp_path), "--text", str(tmp_path), "--codecs", "int3_magic")
    assert code == 5
    assert err.startswith("tenpak runeval: error: unknown codec int3_magic; this engine has: raw_v1, int8_sym_v1")
