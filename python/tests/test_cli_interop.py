"""Files written from Python are read by the CLI (bin/tenpak), and the other way round; the JSON
entry points agree with the CLI byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import tenpak
import tenpak.numpy as tnp
import tenpak.torch as tt


def run_cli(cli: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.setdefault("TENPAK_JAVA_HOME", str(tenpak.java_runtime().home))
    return subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True, env=env, timeout=120)


def bundle_values(path: Path) -> dict[str, np.ndarray]:
    doc = json.loads(path.read_text())
    return {
        t["name"]: np.asarray(t["data"], dtype=np.float64).astype(np.float32).reshape(t["shape"])
        for t in doc["tensors"]
    }


def test_cli_reads_what_python_wrote(cli: Path, codec: str, tmp_path: Path) -> None:
    g = torch.Generator().manual_seed(7)
    sd = {
        "w": torch.randn(12, 20, generator=g) * 0.05,
        "h": torch.randn(5, generator=g).half(),
        "b": torch.randn(3, 4, generator=g).bfloat16(),
        "s": torch.tensor(0.5),
    }
    path = tmp_path / "py.tenpak"
    tt.save_file(sd, path, codec=codec, metadata={"written_by": "python"})

    r = run_cli(cli, "inspect", "--input", path, "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["codec"] == codec and summary["checksumsOk"] is True
    assert summary["metadata"] == {"written_by": "python"}
    assert [(t["name"], t["dtype"], t["shape"]) for t in summary["tensors"]] == [
        ("w", "F32", [12, 20]),
        ("h", "F16", [5]),
        ("b", "BF16", [3, 4]),
        ("s", "F32", []),
    ]

    out = tmp_path / "py.json"
    r = run_cli(cli, "decompress", "--input", path, "--output", out)
    assert r.returncode == 0, r.stderr
    from_cli = bundle_values(out)
    from_python = tt.load_file(path)
    for name, t in from_python.items():
        np.testing.assert_array_equal(from_cli[name], t.float().numpy().reshape(from_cli[name].shape))


def test_python_reads_what_the_cli_wrote(cli: Path, codec: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    tensors = [
        {"name": "enc.weight", "shape": [6, 7], "data": (rng.standard_normal(42) * 0.1).tolist()},
        {"name": "enc.bias", "shape": [7], "data": rng.standard_normal(7).tolist()},
        {"name": "scale", "shape": [], "data": [2.5]},
    ]
    bundle = tmp_path / "in.json"
    bundle.write_text(json.dumps({"tensors": tensors}))
    path = tmp_path / "cli.tenpak"
    r = run_cli(cli, "compress", "--input", bundle, "--output", path, "--codec", codec)
    assert r.returncode == 0, r.stderr

    back = tnp.load_file(path)
    want = bundle_values(bundle)
    assert list(back) == list(want)
    for name, arr in back.items():
        assert arr.dtype == np.float32 and arr.shape == want[name].shape
        if codec == "raw_v1":
            np.testing.assert_array_equal(arr, want[name])
        else:
            assert np.abs(arr - want[name]).max() <= np.abs(want[name]).max() * 0.5

    # the in-memory (C ABI) entry points give the very same artifact and bundle
    artifact = tenpak.compress_json_bundle(bundle.read_bytes(), codec)
    assert artifact == path.read_bytes()
    restored = json.loads(tenpak.decompress_artifact_to_json(artifact))
    assert [t["name"] for t in restored["tensors"]] == list(want)
    for t in restored["tensors"]:
        np.testing.assert_array_equal(np.asarray(t["data"], dtype=np.float32), back[t["name"]].reshape(-1))


def test_cli_reports_python_written_corruption_with_exit_code(cli: Path, tmp_path: Path) -> None:
    path = tmp_path / "c.tenpak"
    tt.save_file({"w": torch.ones(100)}, path, codec="raw_v1")
    data = bytearray(path.read_bytes())
    data[70] ^= 1
    path.write_bytes(bytes(data))
    r = run_cli(cli, "decompress", "--input", path, "--output", tmp_path / "c.json")
    assert r.returncode == 4, (r.returncode, r.stderr)
    assert "tensor 'w'" in r.stderr and "checksum" in r.stderr


def test_json_route_errors_are_typed() -> None:
    with pytest.raises(tenpak.InvalidInputError):
        tenpak.compress_json_bundle(b'{"tensors": [{"name": "x", "shape": [3], "data": [1, 2]}]}')
    with pytest.raises(tenpak.CorruptArtifactError):
        tenpak.decompress_artifact_to_json(b"\x89TPK nope")
    with pytest.raises(tenpak.UnknownCodecError):
        tenpak.compress_json_bundle(b'{"tensors": []}', "zip_v1")
