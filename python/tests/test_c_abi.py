"""The C ABI (libtenpak, tenpak-c/) through ctypes: the example examples/ctypes/tenpak_ctypes.py run
in a fresh process (libtenpak starts its own JVM there), and loaded into this test session, whose
JVM JPype already started (libtenpak must find and reuse it). scripts/test.sh builds the library
first (scripts/test-c.sh); here it is built when missing, and the tests skip only if that fails."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import jpype
import pytest

import tenpak

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "ctypes" / "tenpak_ctypes.py"
LIB = REPO / "tenpak-c" / "target" / ("libtenpak.dylib" if sys.platform == "darwin" else "libtenpak.so")
SIMPLE = REPO / "examples" / "simple_bundle.json"


@pytest.fixture(scope="module")
def example():
    if not LIB.is_file():
        build = subprocess.run(["make", "-s", "-C", str(REPO / "tenpak-c")], capture_output=True, text=True)
        if build.returncode != 0 or not LIB.is_file():
            pytest.skip(f"libtenpak is not built and make failed: {build.stderr.strip()[-300:]}")
    spec = importlib.util.spec_from_file_location("tenpak_ctypes", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lib(example):
    return example.Tenpak(LIB)


def test_example_runs_in_a_fresh_process(example, tmp_path):
    env = dict(os.environ, TENPAK_LIB=str(LIB))
    r = subprocess.run(
        [sys.executable, str(EXAMPLE), str(SIMPLE), "int8_sym_v1"], capture_output=True, text=True, env=env, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert "2 tensors back, max abs error" in r.stdout
    assert "an unknown codec is status 5" in r.stdout


def test_artifacts_equal_the_cli_and_the_python_bridge(lib, cli, tmp_path, codec):
    """In this process libtenpak reuses JPype's JVM (JNI_GetCreatedJavaVMs) rather than starting one."""
    bundle = SIMPLE.read_bytes()
    artifact = lib.compress_json_bundle(bundle, codec)
    out = tmp_path / "cli.tenpak"
    subprocess.run(
        [str(cli), "compress", "-q", "--input", str(SIMPLE), "--output", str(out), "--codec", codec],
        check=True,
        capture_output=True,
    )
    assert artifact == out.read_bytes()
    assert artifact == tenpak.compress_json_bundle(bundle, codec=codec)
    assert lib.decompress_artifact_to_json(artifact) == tenpak.decompress_artifact_to_json(artifact)


def test_state_dict_round_trip_through_json(example, lib):
    import numpy as np

    rng = np.random.default_rng(16)
    state = {"layer.weight": rng.normal(0, 0.02, (8, 16)).astype(np.float32), "layer.bias": [0.5, -0.5]}
    artifact = lib.compress_json_bundle(example.state_dict_to_bundle(state), "raw_v1")
    back = example.bundle_to_state_dict(lib.decompress_artifact_to_json(artifact))
    shape, data = back["layer.weight"]
    assert shape == [8, 16]
    assert np.array_equal(np.asarray(data, dtype=np.float32).reshape(shape), state["layer.weight"])
    assert back["layer.bias"] == ([2], [0.5, -0.5])


@pytest.mark.parametrize(
    "bad, status, phrase",
    [
        (b'{"tensors": [', 3, "malformed JSON"),
        (None, 5, "unknown codec 'nope_v9'"),
    ],
)
def test_errors_carry_the_cli_exit_code_and_message(example, lib, bad, status, phrase):
    with pytest.raises(example.TenpakError) as e:
        lib.compress_json_bundle(bad or SIMPLE.read_bytes(), None if bad else "nope_v9")
    assert e.value.status == status
    assert phrase in e.value.message


def test_a_truncated_artifact_is_corrupt(example, lib):
    artifact = lib.compress_json_bundle(SIMPLE.read_bytes())
    with pytest.raises(example.TenpakError) as e:
        lib.decompress_artifact_to_json(artifact[: len(artifact) // 2])
    assert e.value.status == 4 and "corrupt artifact" in e.value.message


def test_threads_attached_by_the_library_are_detached_when_they_exit(lib):
    """Python threads that call libtenpak are attached to the JVM on their first call and detached
    by the library's thread-exit destructor: none of them stays in the JVM's thread list."""
    bundle = SIMPLE.read_bytes()
    expected = lib.compress_json_bundle(bundle)
    results: list[bool] = []
    called = threading.Barrier(9)
    release = threading.Event()

    def call() -> None:
        results.append(all(lib.compress_json_bundle(bundle) == expected for _ in range(5)))
        called.wait()
        release.wait()

    def attached() -> int:
        return sum(str(t.getName()) == "tenpak-native" for t in jpype.java.lang.Thread.getAllStackTraces().keySet())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    called.wait()
    assert attached() == 8, "each calling thread is attached while it lives"
    release.set()
    for t in threads:
        t.join()
    assert results == [True] * 8
    # join() returns once Python is done with a thread; the C library's thread-exit destructor runs
    # a moment later, as the operating-system thread ends, so wait for it (bounded).
    deadline = time.monotonic() + 30
    while attached() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert attached() == 0, "and detached when it exits"


_INIT_CHILD = r"""
import ctypes, sys
class Options(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("java_home", ctypes.c_char_p), ("engine_jar", ctypes.c_char_p),
                ("jvm_args", ctypes.POINTER(ctypes.c_char_p)), ("jvm_args_count", ctypes.c_size_t)]
lib = ctypes.CDLL(sys.argv[1])
lib.tenpak_last_error.restype = ctypes.c_char_p
bad = Options(ctypes.sizeof(Options), sys.argv[2].encode(), None, None, 0)
print(lib.tenpak_init(ctypes.byref(bad), None), lib.tenpak_last_error().decode())
print(lib.tenpak_init(None, None), lib.tenpak_last_error())
"""


def test_init_reports_a_bad_java_home_and_a_later_search_still_works(example, tmp_path):
    """A fresh process: tenpak_init naming a folder that is no Java home is status 8 (missing
    dependency) with the folder named; nothing was started, so tenpak_init(NULL) then succeeds."""
    r = subprocess.run(
        [sys.executable, "-c", _INIT_CHILD, str(LIB), str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    assert first.startswith(f"8 tenpak_options.java_home={tmp_path}: no 'release' file"), first
    assert second == "0 None"


def test_too_old_a_java_is_named(example, tmp_path):
    (tmp_path / "release").write_text('JAVA_VERSION="17.0.12"\n')  # what a Java 17 home says of itself
    env = dict(os.environ, TENPAK_JAVA_HOME=str(tmp_path), TENPAK_LIB=str(LIB))
    r = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1
    assert f"tenpak error 8: TENPAK_JAVA_HOME={tmp_path}: Java 17.0.12; tenpak needs Java 25 or newer" in r.stderr


_FOREIGN_JVM_CHILD = r"""
import sys, jpype
jpype.startJVM(sys.argv[2])   # another library's JVM, its class path without the tenpak jar
sys.path.insert(0, sys.argv[3])
import tenpak_ctypes
artifact = tenpak_ctypes.Tenpak(sys.argv[1]).compress_json_bundle(open(sys.argv[4], "rb").read())
print(len(artifact), "tenpak-cli" in str(jpype.java.lang.System.getProperty("java.class.path")))
"""


def test_a_jvm_started_without_the_jar_gets_it_loaded(example, lib, tmp_path):
    """libtenpak reuses a JVM someone else started without the engine on its class path: it loads
    the jar it finds (here tenpak-cli/target/) into that JVM with a class loader of its own."""
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            _FOREIGN_JVM_CHILD,
            str(LIB),
            str(tenpak.start_jvm().jvm_library),
            str(EXAMPLE.parent),
            str(SIMPLE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(len(lib.compress_json_bundle(SIMPLE.read_bytes()))), "False"]
