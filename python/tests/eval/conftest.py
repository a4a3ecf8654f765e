"""Fixtures of the runeval tests: the small GPT-2-style model and the small Llama-style one, each
trained once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tinyllama  # noqa: E402
import tinymodel  # noqa: E402

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with ``model/`` (tokenizer + GPT-2, see tinymodel.py), ``eval.txt`` and ``finetune.txt``.

    ``TENPAK_EVAL_FIXTURE`` names a folder to build it in once and reuse (handy while developing);
    otherwise it is built in the session's temporary folder.
    """
    env = os.environ.get("TENPAK_EVAL_FIXTURE")
    folder = Path(env) if env else tmp_path_factory.mktemp("tinymodel")
    if not (folder / "model" / "model.safetensors").is_file():
        tinymodel.build(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same layout for the Llama-style model of tinyllama.py (``TENPAK_EVAL_LLAMA_FIXTURE`` to reuse one)."""
    env = os.environ.get("TENPAK_EVAL_LLAMA_FIXTURE")
    folder = Path(env) if env else tmp_path_factory.mktemp("tinyllama")
    if not (folder / "model" / "model.safetensors").is_file():
        tinyllama.build(folder)
    return folder
