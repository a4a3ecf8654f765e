"""runeval's exported column on the Llama-style test model (tinyllama.py): each measured group codec
written as a compressed-tensors folder, loaded quantized by transformers and measured on the same
windows gives the perplexity measured through tenpak, to the last digit (the weights are the same,
bit for bit). A codec without a compressed-tensors layout gets no number, and a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("compressed_tensors")

from tenpak.eval.pipeline import Options, run  # noqa: E402
from tenpak.eval.progress import Progress  # noqa: E402
from tenpak.eval.report import markdown  # noqa: E402

CODECS = ["int4_sym_g32_v1", "int8_sym_g32_v1", "kq4_v1"]


def test_exported_perplexity_equals_the_measured_one(tiny_llama: Path) -> None:
    opts = Options(
        model=str(tiny_llama / "model"),
        text=str(tiny_llama / "eval.txt"),
        finetune_text=str(tiny_llama / "finetune.txt"),
        samples=12,
        codecs=CODECS,
        device="cpu",
        finetune_steps=2,
        finetune_seq_len=64,
        delta_kinds=[],
        fleet=2,
    )
    r = run(opts, Progress(enabled=False))
    rows = {c.codec: c for c in r.codecs}
    for codec in CODECS:
        c = rows[codec]
        print(f"{codec}: perplexity {c.perplexity:.6f}, exported {c.exported_perplexity}, {c.export}")
    for codec in ["int4_sym_g32_v1", "int8_sym_g32_v1"]:
        c = rows[codec]
        assert c.export["check"] == "bit-equal"
        assert c.export["quantized"] == 15 and c.export["dense"] == {}
        assert c.exported_perplexity == c.perplexity
    assert rows["int4_sym_g32_v1"].perplexity != rows["raw_v1"].perplexity
    assert rows["kq4_v1"].exported_perplexity is None
    assert "kq4_v1 has no compressed-tensors layout" in rows["kq4_v1"].export["reason"]
    assert rows["raw_v1"].export is None

    table = markdown(r)
    assert "| Exported (compressed-tensors) perplexity |" in table
    c = rows["int4_sym_g32_v1"]
    assert f"| {c.perplexity:.3f} ✓ |" in table
    assert [line for line in table.splitlines() if line.startswith("| tenpak kq4_v1 |")][0].endswith("| — |")
