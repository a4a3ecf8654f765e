"""Round trips through the engine for every codec, float dtype and awkward shape, from torch and numpy."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

import tenpak
import tenpak.numpy as tnp
import tenpak.torch as tt

SEED = 20261127
SHAPES = [(), (0, 3), (1,), (7,), (33, 65), (4, 1, 130)]
TORCH_FLOATS = [torch.float32, torch.float16, torch.bfloat16]


def weights(shape: tuple[int, ...], dtype: torch.dtype, seed: int) -> torch.Tensor:
    """Gaussian std 0.02 like real weights, plus a few large values so the scale is not trivial."""
    g = torch.Generator().manual_seed(seed)
    t = torch.randn(shape, generator=g, dtype=torch.float32) * 0.02
    if t.numel() > 4:
        t.view(-1)[:: max(1, t.numel() // 3)] *= 40
    return t.to(dtype)


def quant_bound(codec: str, x: torch.Tensor) -> float:
    """Per-element error bound for the max-scaled symmetric integer codecs (int8_sym_v1,
    int4_sym_g32_v1, ...): half a step of the per-tensor scale (group scales are never larger), plus
    rounding the result back to a 16-bit dtype. Codecs that may clip (scale search) get only the
    range check; every codec still has to match the error the engine measured exactly."""
    m = re.fullmatch(r"int(\d+)_sym_(?:g\d+_)?v\d+", codec)
    amax = float(x.double().abs().max()) if x.numel() else 0.0
    if m is None:
        return amax  # a codec this test does not know: decoded values must at least stay in range
    qmax = 2 ** (int(m.group(1)) - 1) - 1
    rounding = 2.0**-8 if x.dtype in (torch.float16, torch.bfloat16) else 2.0**-20
    return amax * (0.5 / qmax + rounding) + 1e-12


@pytest.mark.parametrize("dtype", TORCH_FLOATS, ids=lambda d: str(d).removeprefix("torch."))
def test_torch_round_trip_every_codec_dtype_and_shape(codec: str, dtype: torch.dtype, tmp_path: Path) -> None:
    print(f"seed {SEED}")
    sd = {f"t{i}": weights(shape, dtype, SEED + i) for i, shape in enumerate(SHAPES)}
    sd["ids"] = torch.arange(-5, 7, dtype=torch.int64)
    sd["mask"] = torch.tensor([True, False, True])
    path = tmp_path / "m.tenpak"
    report = tt.save_file(sd, path, codec=codec)
    back = tt.load_file(path)

    assert list(back) == list(sd)
    by_name = {r.name: r for r in report.tensors}
    lossless = codec in tenpak._engine.lossless_codecs()
    for name, want in sd.items():
        got = back[name]
        assert got.dtype == want.dtype and got.shape == want.shape, name
        if lossless or not want.is_floating_point():
            assert torch.equal(got, want), name
            assert by_name[name].max_abs_error == 0
            continue
        err = float((got.double() - want.double()).abs().max()) if want.numel() else 0.0
        # what we load is exactly what the engine measured when it compressed
        assert err == by_name[name].max_abs_error, name
        assert err <= quant_bound(codec, want), (name, err)

    assert tenpak.inspect(path).codec == codec
    # the in-memory route writes the same bytes, and writing is deterministic
    data = tt.save(sd, codec=codec)
    assert data == path.read_bytes() == tt.save(sd, codec=codec)
    again = tt.load(data)
    assert all(torch.equal(again[k], back[k]) for k in sd)


def test_numpy_round_trip_every_codec(codec: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(SEED)
    arrays: dict[str, np.ndarray | tnp.BF16Words] = {
        "f32": (rng.standard_normal((17, 40)) * 0.02).astype(np.float32),
        "f16": (rng.standard_normal((3, 5, 7)) * 0.5).astype(np.float16),
        "scalar": np.array(3.25, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "i32": np.arange(10, dtype=np.int32),
        "u8": np.arange(256, dtype=np.uint8),
        "f64": rng.standard_normal(9),
    }
    bf16_words = (
        torch.randn(8, 9, generator=torch.Generator().manual_seed(SEED))
        .to(torch.bfloat16)
        .view(torch.int16)
        .numpy()
        .view(np.uint16)
    )
    arrays["bf16"] = tnp.bf16(bf16_words)
    path = tmp_path / "a.tenpak"
    tnp.save_file(arrays, path, codec=codec)
    back = tnp.load_file(path)

    info = {t.name: t for t in tenpak.inspect(path).tensors}
    assert info["bf16"].dtype == "BF16" and info["f64"].dtype == "F64" and info["u8"].dtype == "U8"
    assert back["bf16"].dtype == np.uint16
    for name in ("i32", "u8", "f64"):
        assert back[name].dtype == arrays[name].dtype  # type: ignore[union-attr]
        np.testing.assert_array_equal(back[name], arrays[name])  # type: ignore[arg-type]
    for name in ("f32", "f16", "scalar", "empty"):
        want = arrays[name]
        assert isinstance(want, np.ndarray)
        assert back[name].dtype == want.dtype and back[name].shape == want.shape
        if codec == "raw_v1":
            np.testing.assert_array_equal(back[name], want)
    if codec == "raw_v1":
        np.testing.assert_array_equal(back["bf16"], bf16_words)
    # bf16="float32" widens the very same words exactly
    wide = tnp.load_file(path, bf16="float32")["bf16"]
    assert wide.dtype == np.float32
    np.testing.assert_array_equal(wide.view(np.uint32) >> 16, back["bf16"].astype(np.uint32))
    assert tnp.save(arrays, codec=codec) == path.read_bytes()
    assert set(tnp.load(path.read_bytes())) == set(arrays)


def test_torch_and_numpy_read_each_others_files(tmp_path: Path) -> None:
    t = torch.randn(6, 10, generator=torch.Generator().manual_seed(SEED))
    sd = {"w": t, "h": t.to(torch.float16), "b": t.to(torch.bfloat16)}
    tt.save_file(sd, tmp_path / "t.tenpak", codec="raw_v1")
    arrays = tnp.load_file(tmp_path / "t.tenpak")
    np.testing.assert_array_equal(arrays["w"], t.numpy())
    np.testing.assert_array_equal(arrays["h"], sd["h"].numpy())
    np.testing.assert_array_equal(arrays["b"], sd["b"].view(torch.int16).numpy().view(np.uint16))

    tnp.save_file(
        {"w": arrays["w"], "h": arrays["h"], "b": tnp.bf16(arrays["b"])}, tmp_path / "n.tenpak", codec="raw_v1"
    )
    assert (tmp_path / "n.tenpak").read_bytes() == (tmp_path / "t.tenpak").read_bytes()
    back = tt.load_file(tmp_path / "n.tenpak")
    assert back["b"].dtype == torch.bfloat16 and torch.equal(back["b"], sd["b"])


def test_metadata_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.tenpak"
    tt.save_file({"w": torch.ones(2, 2)}, path, metadata={"format": "pt", "source": "unit test"})
    assert tenpak.inspect(path).metadata == {"format": "pt", "source": "unit test"}


def test_empty_dict_round_trips(tmp_path: Path) -> None:
    tt.save_file({}, tmp_path / "e.tenpak")
    assert tt.load_file(tmp_path / "e.tenpak") == {}
    assert tnp.load(tnp.save({})) == {}


def test_load_to_device_keeps_values() -> None:
    sd = {"w": torch.randn(3, 3)}
    back = tt.load(tt.save(sd, codec="raw_v1"), device="cpu")
    assert back["w"].device.type == "cpu" and torch.equal(back["w"], sd["w"])


def test_raw_tensors_load_as_private_file_mappings(tmp_path: Path) -> None:
    path = tmp_path / "m.tenpak"
    sd = {"w": torch.randn(64, 32), "b": torch.randn(8).to(torch.bfloat16), "q": torch.randn(4, 4)}
    tt.save_file(sd, path, codec="raw_v1")
    before = path.read_bytes()
    mapped = tt.load_file(path)
    copied = tt.load_file(path, mmap=False)
    for k in sd:
        assert torch.equal(mapped[k], sd[k]) and torch.equal(copied[k], sd[k])
    assert mapped["w"].untyped_storage().nbytes() == len(before)  # a view of the whole file
    assert copied["w"].untyped_storage().nbytes() == sd["w"].numel() * 4
    mapped["w"] += 1  # copy-on-write: the file does not change
    assert path.read_bytes() == before
    arrays = tnp.load_file(path)
    assert isinstance(arrays["w"].base, np.memmap) or isinstance(arrays["w"].base, np.ndarray)
    np.testing.assert_array_equal(arrays["w"], sd["w"].numpy())
    arrays["w"][0, 0] = 99.0
    assert path.read_bytes() == before
    # lossy tensors are decoded into new memory either way
    tt.save_file(sd, path, codec="int8_sym_v1")
    assert tt.load_file(path)["w"].untyped_storage().nbytes() == 64 * 32 * 4


def test_mapped_raw_tensor_with_a_bad_checksum_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.tenpak"
    tt.save_file({"w": torch.zeros(1000), "v": torch.ones(10)}, path, codec="raw_v1")
    data = bytearray(path.read_bytes())
    data[64 + 123] = 1
    path.write_bytes(bytes(data))
    for load in (lambda: tt.load_file(path), lambda: tnp.load_file(path), lambda: tt.load_file(path, mmap=False)):
        with pytest.raises(tenpak.ChecksumMismatchError, match="tensor 'w'"):
            load()


def test_sync_writes_the_same_bytes(tmp_path: Path) -> None:
    g = torch.Generator().manual_seed(3)
    sd = {"w": torch.randn(64, 96, generator=g).to(torch.bfloat16), "ids": torch.arange(5)}
    tt.save_file(sd, tmp_path / "plain.tenpak", codec="int8_sym_g32_v1")
    tt.save_file(sd, tmp_path / "synced.tenpak", codec="int8_sym_g32_v1", sync=True)
    assert (tmp_path / "synced.tenpak").read_bytes() == (tmp_path / "plain.tenpak").read_bytes()
    arrays = {"a": np.linspace(-1, 1, 4096, dtype=np.float32).reshape(64, 64)}
    tnp.save_file(arrays, tmp_path / "np.tenpak", sync=True)
    assert tnp.load_file(tmp_path / "np.tenpak")["a"].shape == (64, 64)
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
