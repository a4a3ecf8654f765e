"""tenpak.hf on the runeval test models (GPT-2-style and Llama-style causal LMs trained here on real
text), transformers offline: a folder or a model object -> one artifact -> a ready
AutoModelForCausalLM whose logits equal the original's under the exact default codec and stay close
under a group-wise one; the folder comes back with its config and tokenizer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

import tenpak
import tenpak.hf

transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module", autouse=True)
def offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def logits(model: object, folder: Path, text: str) -> torch.Tensor:
    tok = transformers.AutoTokenizer.from_pretrained(folder)
    ids = tok(text[:2000], return_tensors="pt")["input_ids"][:, :128]
    with torch.no_grad():
        return model(ids).logits  # type: ignore[operator]


@pytest.mark.parametrize("which", ["tiny", "tiny_llama"])
def test_a_causal_lm_folder_round_trips_exactly_and_a_group_codec_stays_close(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    fixture: Path = request.getfixturevalue(which)
    folder = fixture / "model"
    text = (fixture / "eval.txt").read_text(encoding="utf-8")
    original = transformers.AutoModelForCausalLM.from_pretrained(folder).eval()
    want = logits(original, folder, text)

    exact = tmp_path / "exact.tenpak"
    report = tenpak.hf.save_pretrained(folder, exact)
    assert report["codec"] == "lossless_v1"
    back = tenpak.hf.from_pretrained(exact, transformers.AutoModelForCausalLM).eval()
    assert torch.equal(logits(back, folder, text), want)
    restored = tmp_path / "restored"
    tenpak.hf.decompress(exact, restored)
    assert (restored / "config.json").read_bytes() == (folder / "config.json").read_bytes()
    assert (restored / "tokenizer.json").read_bytes() == (folder / "tokenizer.json").read_bytes()

    # a model object, as a notebook holds it, with a group-wise codec: close, not equal
    g32 = tmp_path / "g32.tenpak"
    tok = transformers.AutoTokenizer.from_pretrained(folder)
    tenpak.hf.save_pretrained(original, g32, codec="int8_sym_g32_v1", tokenizer=tok)
    assert g32.stat().st_size < exact.stat().st_size
    near = tenpak.hf.from_pretrained(g32, transformers.AutoModelForCausalLM, torch_dtype=torch.float32).eval()
    got = logits(near, folder, text)
    assert not torch.equal(got, want)
    # next-token distributions: int8 with a scale per 32 weights moves them by little
    p, q = torch.log_softmax(want, -1), torch.log_softmax(got, -1)
    kl = torch.sum(p.exp() * (p - q), -1).mean().item()
    agree = (want.argmax(-1) == got.argmax(-1)).float().mean().item()
    print(f"{which}: KL(original || int8_sym_g32_v1) {kl:.2e} nats/token, top-1 agreement {agree:.4f}")
    assert kl < 1e-3 and agree > 0.97
