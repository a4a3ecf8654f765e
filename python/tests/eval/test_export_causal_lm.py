"""A causal LM exported as compressed-tensors: the Llama-style test model (tinyllama.py) compressed
with the int4 and int8 group codecs (and the 16-level int4 grid), written by ``tenpak.export``,
loaded quantized by ``AutoModelForCausalLM.from_pretrained(folder)``; its weights decompress to
tenpak's decode bit for bit and its logits equal those of the model ``tenpak.torch.load_into`` fills
from the same artifact. The GPT-2 of tinymodel.py cannot be exported (its projections are Conv1D)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("compressed_tensors")

import tenpak  # noqa: E402
import tenpak.export as tex  # noqa: E402
import tenpak.hf  # noqa: E402
import tenpak.torch as tt  # noqa: E402

CODECS = ["int4_sym_g32_v1", "int8_sym_g32_v1", "int4_sym16_g32_v1"]
LINEAR = 2 * 7 + 1  # q, k, v, o, gate, up, down per layer, and the output head


@pytest.fixture(scope="module")
def exported(tiny_llama: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path, dict]]:
    """codec -> (artifact, compressed-tensors folder, export report)."""
    out = tmp_path_factory.mktemp("export-llama")
    made = {}
    for codec in CODECS:
        art = out / f"{codec}.tenpak"
        tenpak.hf.save_pretrained(tiny_llama / "model", art, codec=codec)
        made[codec] = (art, out / codec, tex.export(art, out / codec))
    return made


@pytest.fixture(scope="module")
def ids(tiny_llama: Path) -> torch.Tensor:
    tok = transformers.AutoTokenizer.from_pretrained(tiny_llama / "model")
    text = (tiny_llama / "eval.txt").read_text(encoding="utf-8")[:4000]
    return tok(text, return_tensors="pt", verbose=False).input_ids[:, :128].reshape(2, 64)


def logits(model: torch.nn.Module, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=ids).logits


@pytest.mark.parametrize("group_codec", CODECS)
def test_exported_causal_lm_loads_quantized_and_equals_tenpaks_decode(
    group_codec: str, exported: dict, tiny_llama: Path, ids: torch.Tensor
) -> None:
    art, folder, report = exported[group_codec]
    assert len(report["quantized"]) == LINEAR and report["dense"] == {}
    q = json.loads((folder / "config.json").read_text())["quantization_config"]
    assert q["ignore"] == [] and q["config_groups"]["group_0"]["targets"] == ["Linear"]
    assert q["config_groups"]["group_0"]["weights"]["num_bits"] == (8 if group_codec.startswith("int8") else 4)

    # every Linear's decompressed weight (and every other tensor) is tenpak's decode, bit for bit
    assert tex.export_check(folder, art) == "bit-equal"

    # the default load keeps the weights packed (decompressed on the first forward) ...
    exported_model = transformers.AutoModelForCausalLM.from_pretrained(folder).eval()
    q_proj = exported_model.model.layers[0].self_attn.q_proj
    assert isinstance(q_proj, torch.nn.Linear) and hasattr(q_proj, "weight_packed")
    assert q_proj.weight_packed.dtype == torch.int32
    # ... and computes the logits of the model load_into fills from the same artifact, exactly
    reference = transformers.AutoModelForCausalLM.from_pretrained(tiny_llama / "model").eval()
    fp = logits(reference, ids)
    tt.load_into(reference, art)
    want = logits(reference, ids)
    assert torch.equal(logits(exported_model, ids), want)
    assert not torch.equal(want, fp)

    # the folder's size: each Linear weight at `bits` per element plus an f32 scale per 32 (one bit
    # per element); the embedding, norms and headers as in the FP folder
    size = sum(p.stat().st_size for p in folder.glob("*.safetensors"))
    fp_size = (tiny_llama / "model" / "model.safetensors").stat().st_size
    linear = 4 * sum(m.weight.numel() for m in reference.modules() if isinstance(m, torch.nn.Linear))
    bits = q["config_groups"]["group_0"]["weights"]["num_bits"]
    want_size = fp_size - linear + linear * (bits + 1) // 32
    print(f"{group_codec}: exported weights {size:,} bytes (FP {fp_size:,}), artifact {art.stat().st_size:,}")
    assert abs(size - want_size) < 16 << 10


def test_gpt2_is_refused_its_projections_are_conv1d(tiny: Path, tmp_path: Path) -> None:
    art = tmp_path / "gpt2.tenpak"
    tenpak.hf.save_pretrained(tiny / "model", art, codec="int4_sym_g32_v1")
    with pytest.raises(tenpak.InvalidInputError, match="no tensor can be exported.*Conv1D"):
        tex.export(art, tmp_path / "ct")
    assert not (tmp_path / "ct").exists()


def test_cli_check_says_bit_equal_or_names_the_first_difference(exported: dict, tmp_path: Path) -> None:
    import os
    import subprocess

    cli = Path(__file__).resolve().parents[3] / "bin" / "tenpak"
    env = dict(os.environ, TENPAK_PYTHON=sys.executable, PYTHONPATH=str(Path(tenpak.__file__).parents[1]))
    art = exported["int4_sym_g32_v1"][0]
    folder = tmp_path / "ct"
    cmd = [str(cli), "decompress", "-q", "-i", str(art), "-o", str(folder), "--format", "compressed-tensors"]
    r = subprocess.run([*cmd, "--check"], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "15 Linear layers quantized" in r.stdout and r.stdout.rstrip().endswith("bit-equal")
    # another artifact's folder against this artifact: exit 1 and the first difference
    other = exported["int8_sym_g32_v1"][1]
    r = subprocess.run(
        [sys.executable, "-m", "tenpak.export", "--check", str(other), str(art)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 1 and "tenpak decodes" in r.stdout, r.stdout + r.stderr
    r = subprocess.run(cmd[:-2] + ["--format", "hf", "--check"], capture_output=True, text=True, env=env)
    assert r.returncode != 0 and "--check" in r.stderr
