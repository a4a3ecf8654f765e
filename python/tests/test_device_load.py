"""Loading to a device: the staging loop that the CUDA path runs (pinned buffers, asynchronous copies)
runs here unpinned to the CPU on the real all-MiniLM-L6-v2 under every registered codec and must give
what the plain CPU load gives, bit for bit; devices other than cpu and cuda, and cuda without CUDA,
are refused with UnsupportedDeviceError. The GPU test runs only where torch sees a CUDA device."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file as st_load

import tenpak
import tenpak.hf
import tenpak.torch as tt
from tenpak import _engine

CUDA = torch.cuda.is_available()


@pytest.fixture(scope="module")
def state_dict(minilm_dir: Path) -> dict[str, torch.Tensor]:
    return st_load(str(minilm_dir / "model.safetensors"))


@pytest.fixture(scope="module")
def saved(state_dict: dict[str, torch.Tensor], tmp_path_factory: pytest.TempPathFactory):
    cache: dict[str, Path] = {}

    def get(codec: str) -> Path:
        if codec not in cache:
            path = tmp_path_factory.mktemp("dev") / f"minilm-{codec}.tenpak"
            tt.save_file(state_dict, path, codec=codec)
            cache[codec] = path
        return cache[codec]

    return get


def assert_same(got: dict[str, torch.Tensor], want: dict[str, torch.Tensor]) -> None:
    assert list(got) == list(want)
    for name, w in want.items():
        g = got[name]
        assert g.dtype == w.dtype and g.shape == w.shape, name
        assert torch.equal(g.cpu(), w), name


# 1 MiB: two 512 KiB buffers, so the 46 MB embedding and the 2.4 MB MLP matrices take the
# decode-whole-then-pieces path and the biases share buffers; 8 MiB: the matrices share buffers too
@pytest.mark.parametrize("staging_bytes", [1 << 20, 8 << 20])
def test_staging_loop_gives_the_cpu_load(saved, codec: str, staging_bytes: int) -> None:
    path = saved(codec)
    want = tt.load_file(path, mmap=False)
    with _engine.open_file(path) as artifact:
        got = tt._load_staged(artifact, torch.device("cpu"), pin=False, staging_bytes=staging_bytes)
    assert_same(got, want)


def test_staging_loop_keeps_tied_weights_one_tensor(tmp_path: Path) -> None:
    shared = torch.arange(4096, dtype=torch.float32).reshape(64, 64)
    sd = {"wte": shared, "lm_head": shared, "empty": torch.empty(0, 3), "scalar": torch.tensor(2.5)}
    path = tmp_path / "tied.tenpak"
    tt.save_file(sd, path)
    with _engine.open_file(path) as artifact:
        got = tt._load_staged(artifact, torch.device("cpu"), pin=False, staging_bytes=4096)
    assert got["wte"] is got["lm_head"]
    assert torch.equal(got["wte"], shared) and got["empty"].shape == (0, 3) and got["scalar"].item() == 2.5


@pytest.mark.parametrize("device", ["meta", "mps", "xpu", torch.device("meta"), "no-such-device"])
def test_devices_other_than_cpu_and_cuda_are_refused(saved, device) -> None:
    with pytest.raises(tenpak.UnsupportedDeviceError, match="device="):
        tt.load_file(saved("raw_v1"), device=device)
    with pytest.raises(tenpak.UnsupportedDeviceError):
        tenpak.safe_open(saved("raw_v1"), framework="pt", device=device)


@pytest.mark.skipif(CUDA, reason="checks the refusal where there is no CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda", 1)])
def test_cuda_without_cuda_says_so(saved, device) -> None:
    with pytest.raises(tenpak.UnsupportedDeviceError, match=r"CUDA is not available: torch.cuda.is_available\(\)"):
        tt.load_file(saved("lossless_v1"), device=device)
    with pytest.raises(tenpak.UnsupportedDeviceError, match="CUDA is not available"):
        tt.load(Path(saved("lossless_v1")).read_bytes(), device=device)


@pytest.mark.skipif(CUDA, reason="checks the refusal where there is no CUDA")
@pytest.mark.parametrize("device_map", ["cuda", 0, {"": "cuda:0"}, torch.device("cuda")])
def test_hf_device_map_cuda_without_cuda_says_so(minilm_dir: Path, tmp_path: Path, device_map) -> None:
    artifact = tmp_path / "minilm.tenpak"
    tenpak.hf.save_pretrained(minilm_dir, artifact, codec="raw_v1")
    with pytest.raises(tenpak.UnsupportedDeviceError, match="CUDA is not available"):
        tenpak.hf.from_pretrained(artifact, device_map=device_map)


def test_hf_device_map_cpu_still_loads(minilm_dir: Path, tmp_path: Path) -> None:
    artifact = tmp_path / "minilm.tenpak"
    tenpak.hf.save_pretrained(minilm_dir, artifact, codec="raw_v1")
    model = tenpak.hf.from_pretrained(artifact, device_map="cpu")
    assert next(model.parameters()).device.type == "cpu"
    with pytest.raises(tenpak.UnsupportedDeviceError, match="'cpu' or 'cuda' only"):
        tenpak.hf.from_pretrained(artifact, device_map="mps")


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
@pytest.mark.parametrize("gpu_codec", ["raw_v1", "lossless_v1", "int8_sym_g32_v1"])
@pytest.mark.parametrize("staging_bytes", [1 << 20, tt.STAGING_BYTES])
def test_cuda_load_gives_the_cpu_load(saved, gpu_codec: str, staging_bytes: int) -> None:
    path = saved(gpu_codec)
    want = tt.load_file(path, mmap=False)
    got = tt.load_file(path, device="cuda", staging_bytes=staging_bytes)
    assert all(t.device.type == "cuda" for t in got.values())
    assert_same(got, want)
