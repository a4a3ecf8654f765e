"""A short, real fine-tune: AdamW on next-token prediction over a text, last blocks only.

Only the last ``blocks`` transformer blocks (and the final norm) are trained; embeddings and the
other blocks stay frozen, as in partial fine-tuning. The model starts from the weights it holds
(the harness loads the compressed base into it first), so frozen tensors stay bit-identical to the
decoded base and the delta stores only what training changed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

_BLOCK = re.compile(r"^(.*?\.(?:h|layers|blocks|layer|decoder\.layers))\.(\d+)\.")
_FINAL_NORM = re.compile(r"(^|\.)(ln_f|norm|final_layer_norm|final_layernorm)\.")


@dataclass(frozen=True)
class FinetuneResult:
    """What the fine-tune did: steps, trained tensors and parameters, and the loss before and after."""

    steps: int
    blocks: list[int]
    trained_tensors: list[str]
    trained_parameters: int
    total_parameters: int
    first_loss: float
    last_loss: float
    seconds: float


def block_indices(names: list[str]) -> list[int]:
    """The transformer block numbers found in parameter names (``transformer.h.3.attn...`` -> 3)."""
    return sorted({int(m.group(2)) for n in names if (m := _BLOCK.match(n))})


def trainable(model: torch.nn.Module, blocks: int) -> tuple[list[int], list[str]]:
    """The last ``blocks`` block numbers and the parameter names to train (those blocks + final norm).

    A model whose names show no numbered blocks trains every parameter.
    """
    names = [n for n, _ in model.named_parameters()]
    indices = block_indices(names)
    if not indices:
        return [], names
    chosen = indices[-max(1, min(blocks, len(indices))) :]
    keep = []
    for n in names:
        m = _BLOCK.match(n)
        if (m and int(m.group(2)) in chosen) or (not m and _FINAL_NORM.search(n)):
            keep.append(n)
    return chosen, keep


def finetune(
    model: torch.nn.Module,
    ids: torch.Tensor,
    *,
    steps: int,
    blocks: int,
    lr: float,
    seq_len: int,
    batch_size: int,
    device: torch.device | str,
    seed: int = 0,
    on_step: Callable[[int, int, float], None] | None = None,
) -> FinetuneResult:
    """Trains ``model`` in place on random ``seq_len``-token slices of ``ids`` (1-D) for ``steps`` steps."""
    if ids.numel() < seq_len + 1:
        raise ValueError(f"the fine-tuning text has {ids.numel()} tokens; need more than {seq_len}")
    chosen, names = trainable(model, blocks)
    wanted = set(names)
    params = []
    for n, p in model.named_parameters():
        p.requires_grad_(n in wanted)
        if n in wanted:
            params.append(p)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    model.train()
    start = time.monotonic()
    losses: list[float] = []
    try:
        for step in range(1, steps + 1):
            starts = torch.randint(0, int(ids.numel()) - seq_len, (batch_size,), generator=gen)
            batch = torch.stack([ids[s : s + seq_len] for s in starts.tolist()]).to(device)
            loss = model(input_ids=batch, labels=batch).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            if on_step is not None:
                on_step(step, steps, losses[-1])
    finally:
        model.eval()
        for p in model.parameters():
            p.requires_grad_(True)
    window = max(1, min(10, len(losses) // 5))
    return FinetuneResult(
        steps=steps,
        blocks=chosen,
        trained_tensors=names,
        trained_parameters=sum(p.numel() for p in params),
        total_parameters=sum(p.numel() for p in {id(p): p for p in model.parameters()}.values()),
        first_loss=sum(losses[:window]) / window,
        last_loss=sum(losses[-window:]) / window,
        seconds=time.monotonic() - start,
    )
