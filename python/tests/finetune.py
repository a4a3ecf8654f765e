"""A real full fine-tune of all-MiniLM-L6-v2: every parameter trained, both checkpoints saved in bf16.

The base is the shipped sentence-transformers/all-MiniLM-L6-v2 ``model.safetensors``. The fine-tune
trains every parameter with AdamW (lr 2e-5, weight decay 0.01) for ``steps`` steps on a contrastive
objective over real English text that ships with every CPython (``pydoc_data.topics``): the first and
second half of each topic are a positive pair, the rest of the batch are negatives (in-batch
softmax over mean-pooled embeddings, as sentence-transformers trains this model), plus the pooler
output's agreement so that the pooler's weights are trained too. Seeded: the same versions give the
same weights.

Run ``python finetune.py MINILM_DIR OUT_DIR [STEPS]`` to write ``base.safetensors`` and
``finetune.safetensors`` (both bf16) into ``OUT_DIR``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

STEPS = 60
BATCH = 8
MAX_TOKENS = 64
LR = 2e-5
SEED = 2026


def pairs() -> list[tuple[str, str]]:
    """(first half, second half) of every pydoc topic long enough to cut in two."""
    from pydoc_data.topics import topics

    out = []
    for key in sorted(topics):
        words = topics[key].split()
        if len(words) >= 40:
            half = len(words) // 2
            out.append((" ".join(words[:half][:48]), " ".join(words[half:][:48])))
    return out


def build(minilm: Path, out: Path, steps: int = STEPS, log=print) -> tuple[Path, Path]:
    """Writes ``base.safetensors`` and ``finetune.safetensors`` (bf16) into ``out``; returns both paths."""
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer, BertConfig, BertModel

    start = time.monotonic()
    torch.manual_seed(SEED)
    out.mkdir(parents=True, exist_ok=True)
    weights = load_file(str(minilm / "model.safetensors"))
    model = BertModel(BertConfig.from_pretrained(minilm))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if [m for m in missing + unexpected if "position_ids" not in m]:
        raise RuntimeError(f"{minilm}: unexpected MiniLM layout (missing {missing}, unexpected {unexpected})")
    tokenizer = AutoTokenizer.from_pretrained(minilm)
    data = pairs()
    generator = torch.Generator().manual_seed(SEED)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)

    def embed(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        result = model(**batch)
        mask = batch["attention_mask"].unsqueeze(-1).float()
        mean = (result.last_hidden_state * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(mean, dim=-1), torch.nn.functional.normalize(result.pooler_output, dim=-1)

    for step in range(steps):
        pick = torch.randint(len(data), (BATCH,), generator=generator).tolist()
        a, ap = embed([data[i][0] for i in pick])
        b, bp = embed([data[i][1] for i in pick])
        labels = torch.arange(BATCH)
        loss = torch.nn.functional.cross_entropy(a @ b.T * 20, labels)
        loss = loss + 0.1 * torch.nn.functional.cross_entropy(ap @ bp.T * 20, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 20 == 0 or step == steps - 1:
            log(f"step {step}: loss {loss.item():.4f}")

    base = out / "base.safetensors"
    tuned = out / "finetune.safetensors"

    def bf16(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: (v.to(torch.bfloat16) if v.is_floating_point() else v).contiguous() for k, v in tensors.items()}

    save_file(bf16(weights), str(base))
    state = model.state_dict()
    trained = bf16({k: state[k].detach() if k in state else v for k, v in weights.items()})
    save_file(trained, str(tuned))
    log(f"fine-tuned {sum(v.numel() for v in trained.values()):,} parameters in {time.monotonic() - start:.1f} s")
    return base, tuned


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: finetune.py MINILM_DIR OUT_DIR [STEPS]")
    build(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) == 4 else STEPS)
