"""End to end: ``bin/tenpak runeval`` (Java CLI -> Python check -> ``python -m tenpak.eval`` -> engine
through the JPype bridge) on the small GPT-2-style model trained from real English text
(tinymodel.py), evaluated on held-out text. The numbers are measured, not fixed: the assertions
are the quality relations the issue asks for."""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pytest

from tenpak.eval.report import BEGIN, END

REPO = Path(__file__).resolve().parents[3]
CODECS = ["int8_sym_v1", "int4_sym_v1", "int4_sym_g32_v1"]


@pytest.fixture(scope="module")
def run(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, str]:
    readme = tmp_path_factory.mktemp("readme") / "README.md"
    readme.write_text(f"# Title\n\n## Results\n\n{BEGIN}\nold results\n{END}\n\n## After\n", encoding="utf-8")
    env = dict(os.environ)
    env["TENPAK_PYTHON"] = str(REPO / ".venv" / "bin" / "python")
    cmd = [
        str(REPO / "bin" / "tenpak"),
        "runeval",
        "--model",
        str(tiny / "model"),
        "--text",
        str(tiny / "eval.txt"),
        "--samples",
        "48",
        "--codecs",
        ",".join(CODECS),
        "--device",
        "cpu",
        "--json",
        "--write-readme",
        "--readme",
        str(readme),
        "--finetune-text",
        str(tiny / "finetune.txt"),
        "--finetune-steps",
        "60",
        "--finetune-lr",
        "5e-4",
        "--finetune-seq-len",
        "128",
        "--threads",
        "1",
        "--fleet",
        "10",
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert p.returncode == 0, f"runeval failed ({p.returncode}):\n{p.stderr[-4000:]}"
    return json.loads(p.stdout), p.stderr, readme.read_text(encoding="utf-8")


def test_fp_perplexity_is_finite_and_far_below_the_vocabulary(run: tuple[dict, str, str], tiny: Path) -> None:
    r, _, _ = run
    vocab = json.loads((tiny / "model" / "config.json").read_text())["vocab_size"]
    fp = r["codecs"][0]
    assert fp["codec"] == "raw_v1"
    print(f"FP perplexity {fp['perplexity']:.3f}, vocabulary {vocab}")
    assert math.isfinite(fp["perplexity"])
    assert 1.0 < fp["perplexity"] < vocab / 4
    assert r["windows"] == 48 and r["window"] == 128 and r["stride"] == 64


def test_int8_costs_under_two_percent_and_int4_per_tensor_costs_more_than_groupwise(run: tuple[dict, str, str]) -> None:
    r, _, _ = run
    rows = {c["codec"]: c for c in r["codecs"]}
    fp = rows["raw_v1"]["perplexity"]
    for c in CODECS:
        print(
            f"{c}: perplexity {rows[c]['perplexity']:.3f} ({rows[c]['delta_perplexity']:+.3f}), "
            f"{rows[c]['bytes']} bytes, {rows[c]['compression']:.2f}x"
        )
    assert abs(rows["int8_sym_v1"]["perplexity"] - fp) <= 0.02 * fp
    assert rows["int4_sym_v1"]["delta_perplexity"] > rows["int4_sym_g32_v1"]["delta_perplexity"]
    assert rows["int4_sym_v1"]["bytes"] < rows["int8_sym_v1"]["bytes"] < rows["raw_v1"]["bytes"]


def test_delta_is_smaller_than_the_fine_tunes_full_artifact(run: tuple[dict, str, str]) -> None:
    r, _, _ = run
    s, f = r["storage"], r["finetune"]
    print(
        f"delta {s['delta_bytes']} bytes, fine-tune artifact {s['ft_codec_bytes']}, base {s['base_codec_bytes']}; "
        f"loss {f['first_loss']:.3f} -> {f['last_loss']:.3f}; perplexity FP fine-tune {f['perplexity_fp']:.3f}, "
        f"materialized {f['perplexity_materialized']:.3f}"
    )
    assert 0 < s["delta_bytes"] < s["ft_codec_bytes"]
    print(
        f"fine-tune's held-out text: base {f['domain_perplexity_base']:.3f}, fine-tune "
        f"{f['domain_perplexity_fp']:.3f}, materialized {f['domain_perplexity_materialized']:.3f}"
    )
    assert f["domain_perplexity_fp"] < f["domain_perplexity_base"], "the fine-tune learned its text"
    assert f["delta_changed"] > 0 and f["delta_unchanged"] > 0
    assert math.isfinite(f["perplexity_materialized"])
    # base + delta rebuilds the fine-tune up to the codec's error on what changed
    assert abs(f["perplexity_materialized"] - f["perplexity_fp"]) <= 0.05 * f["perplexity_fp"]
    assert f["domain_perplexity_materialized"] < f["domain_perplexity_base"]


def test_an_exact_delta_keeps_the_fine_tune_and_lower_bit_deltas_trade_size_for_perplexity(
    run: tuple[dict, str, str],
) -> None:
    r, _, readme = run
    s, f = r["storage"], r["finetune"]
    kinds = {k["kind"]: k for k in f["delta_kinds"]}
    assert list(kinds) == ["exact", "int8_sym_g32_v1", "kq4_v1", "kq3_v1", "kq2_v1", "ecq2_v1", "ecq1_v1"]
    for k in kinds.values():
        print(
            f"{k['kind']}: {k['bytes']:,} bytes ({100 * k['fraction_of_fp']:.1f}% of the FP fine-tune), "
            f"perplexity {k['perplexity']:.4f}, held-out {k['domain_perplexity']:.4f}"
        )
    exact = kinds["exact"]
    # bit for bit the FP fine-tune: the same perplexities, to the last digit
    assert exact["perplexity"] == f["perplexity_fp"]
    assert exact["domain_perplexity"] == f["domain_perplexity_fp"]
    assert exact["modes"].get("ulp", 0) > 0
    assert exact["bytes"] < s["ft_fp_bytes"]
    sizes = [kinds[k]["bytes"] for k in ["exact", "int8_sym_g32_v1", "kq4_v1", "kq3_v1", "kq2_v1"]]
    assert sizes[1:] == sorted(sizes[1:], reverse=True), "fewer bits per residual, smaller delta"
    assert kinds["kq2_v1"]["bytes"] < exact["bytes"]
    # the entropy-coded residuals: about 2 and 1.3 bits per changed weight
    assert kinds["ecq1_v1"]["bytes"] < kinds["ecq2_v1"]["bytes"] < kinds["int8_sym_g32_v1"]["bytes"]
    assert "| `exact` |" in readme and "| `kq2_v1` |" in readme


def test_progress_on_stderr_and_readme_section_replaced(run: tuple[dict, str, str]) -> None:
    _, err, readme = run
    assert "FP baseline: perplexity" in err and "fine-tune: step" in err
    assert "old results" not in readme
    assert readme.startswith("# Title\n\n## Results\n\n" + BEGIN + "\n")
    assert readme.rstrip().endswith(END + "\n\n## After")
    assert "### Codec vs. quality" in readme and "### Base + delta fine-tune storage" in readme
    assert "| tenpak int4_sym_g32_v1 | `int4_sym_g32_v1` |" in readme
    assert "A fleet of N = 10 fine-tunes" in readme


def test_gpt2_gets_no_exported_perplexity_its_projections_are_conv1d(run: tuple[dict, str, str]) -> None:
    r, _, readme = run
    for c in r["codecs"][1:]:
        assert c["exported_perplexity"] is None
        assert "Conv1D" in c["export"]["reason"] or "no compressed-tensors layout" in c["export"]["reason"], c
    g32 = next(c for c in r["codecs"] if c["codec"] == "int4_sym_g32_v1")
    assert "Conv1D" in g32["export"]["reason"]
    assert "| Exported (compressed-tensors) perplexity |" in readme
