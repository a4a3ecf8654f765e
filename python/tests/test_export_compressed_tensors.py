"""MiniLM compressed with int4/int8 group codecs, exported as compressed-tensors, loads with
transformers, decompresses to tenpak's own decode bit for bit and embeds exactly as the model that
``tenpak.torch.load_into`` fills."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("compressed_tensors")

import tenpak  # noqa: E402
import tenpak.export as tex  # noqa: E402
import tenpak.torch as tt  # noqa: E402

CODECS = ["int4_sym_g32_v1", "int8_sym_g32_v1"]


def run_cli(cli: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def artifacts(cli: Path, minilm_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("i17")
    arts = {}
    for codec in CODECS:
        art = out / f"{codec}.tenpak"
        r = run_cli(cli, "compress", "-q", "-i", minilm_dir, "-o", art, "--codec", codec)
        assert r.returncode == 0, r.stderr
        arts[codec] = art
    return arts


def embed(model: torch.nn.Module, tokenizer: object) -> torch.Tensor:
    batch = tokenizer(
        ["tenpak serves what you measured", "a second, longer sentence to pad"], padding=True, return_tensors="pt"
    )
    with torch.no_grad():
        return model(**batch).last_hidden_state


@pytest.mark.parametrize("group_codec", CODECS)
def test_exported_minilm_loads_and_equals_tenpaks_decode(
    group_codec: str, artifacts: dict[str, Path], cli: Path, minilm_dir: Path, tmp_path: Path
) -> None:
    art = artifacts[group_codec]
    folder = tmp_path / "ct"
    r = run_cli(cli, "decompress", "-q", "-i", art, "-o", folder, "--format", "compressed-tensors")
    assert r.returncode == 0, r.stderr
    assert "37 Linear layers quantized" in r.stdout and "0 left dense" in r.stdout
    q = json.loads((folder / "config.json").read_text())["quantization_config"]
    assert q["quant_method"] == "compressed-tensors" and q["quantization_status"] == "compressed"
    assert q["config_groups"]["group_0"]["format"] == "pack-quantized"

    # every Linear's decompressed weight (and every other tensor) is tenpak's decode, bit for bit
    assert tex.export_check(folder, art) == "bit-equal"

    # the default load path (weights kept packed, decompressed in forward) embeds exactly as load_into
    tok = transformers.AutoTokenizer.from_pretrained(minilm_dir)
    exported = transformers.AutoModel.from_pretrained(folder).eval()
    reference = transformers.AutoModel.from_pretrained(minilm_dir).eval()
    tt.load_into(reference, art, strict=False)
    a, b = embed(exported, tok), embed(reference, tok)
    assert torch.equal(a, b)
    assert not torch.equal(b, embed(transformers.AutoModel.from_pretrained(minilm_dir).eval(), tok))

    # smaller than the original safetensors
    size = sum(p.stat().st_size for p in folder.glob("*.safetensors"))
    assert size < (minilm_dir / "model.safetensors").stat().st_size


def test_python_export_reports_and_check_finds_a_difference(artifacts: dict[str, Path], tmp_path: Path) -> None:
    art = artifacts["int4_sym_g32_v1"]
    report = tex.export(art, tmp_path / "ct")
    assert len(report["quantized"]) == 37 and report["dense"] == {}
    # a folder of another codec's codes is not this artifact's decode: the check names the difference
    tex.export(artifacts["int8_sym_g32_v1"], tmp_path / "other")
    line = tex.export_check(tmp_path / "other", art)
    assert line != "bit-equal" and "tenpak decodes" in line


def test_asymmetric_is_refused_naming_the_codec(cli: Path, minilm_dir: Path, tmp_path: Path) -> None:
    art = tmp_path / "asym.tenpak"
    assert run_cli(cli, "compress", "-q", "-i", minilm_dir, "-o", art, "--codec", "int4_asym_g32_v1").returncode == 0
    with pytest.raises(tenpak.InvalidInputError, match="int4_asym_g32_v1 is asymmetric"):
        tex.export(art, tmp_path / "ct")
    assert not (tmp_path / "ct").exists()


def test_a_corrupted_artifact_leaves_no_folder(artifacts: dict[str, Path], cli: Path, tmp_path: Path) -> None:
    art = artifacts["int4_sym_g32_v1"]
    with tenpak._engine.open_file(art) as a:
        offsets = [t.offset for t in a.tensors if t.name.endswith("output.dense.weight")]
    data = bytearray(art.read_bytes())
    data[offsets[-1] + 11] ^= 0xFF
    bad = tmp_path / "bad.tenpak"
    bad.write_bytes(bytes(data))
    r = run_cli(cli, "decompress", "-q", "-i", bad, "-o", tmp_path / "ct", "--format", "compressed-tensors")
    assert r.returncode != 0 and "checksum" in (r.stderr + r.stdout).lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tenpak"]
