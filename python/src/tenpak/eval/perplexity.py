"""Sliding-window perplexity of a causal language model, the recipe of the Hugging Face docs.

The text is tokenized once into ``N`` tokens. Windows of ``L`` tokens (``L`` = the model's context
length, capped at 1024) start every ``S`` tokens (``S`` = 512, or ``L / 2`` when the context is
shorter than 1024, so consecutive windows always overlap): window ``k`` covers tokens
``[k*S, min(k*S + L, N))``. Only the tokens a window adds beyond the previous window's end are
scored; the labels of the overlap are set to -100 (ignored), so every token is scored once and,
after the first window, with at least ``L - S`` tokens of context. The first ``samples`` windows
are used (fewer when the text ends first). For window tokens ``t_0..t_{m-1}``, token ``t_i``
(``i >= 1``, not masked) costs ``-log p(t_i | t_0..t_{i-1})``; the perplexity is
``exp(sum of costs / number of scored tokens)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

MAX_WINDOW = 1024
DEFAULT_STRIDE = 512


@dataclass(frozen=True)
class Window:
    """Tokens ``[begin, end)``; the last ``scored`` of them carry labels."""

    begin: int
    end: int
    scored: int


@dataclass(frozen=True)
class Perplexity:
    """The result: ``exp(nll / tokens)`` over ``windows`` windows of up to ``window`` tokens."""

    perplexity: float
    nll: float
    tokens: int
    windows: int
    window: int
    stride: int


def context_length(config: object) -> int:
    """The model's context length from its config (``n_positions``, ``max_position_embeddings``, ...)."""
    for attr in ("n_positions", "max_position_embeddings", "n_ctx", "seq_length", "max_seq_len"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return MAX_WINDOW


def window_and_stride(config: object) -> tuple[int, int]:
    """``L = min(context, 1024)`` and ``S = min(512, L // 2)`` (at least 1)."""
    window = min(context_length(config), MAX_WINDOW)
    return window, max(1, min(DEFAULT_STRIDE, window // 2))


def windows(n_tokens: int, window: int, stride: int, samples: int) -> Iterator[Window]:
    """The first ``samples`` windows over ``n_tokens`` tokens; each scores the tokens past the previous end."""
    if window < 2 or stride < 1 or stride > window:
        raise ValueError(f"need window >= 2 and 1 <= stride <= window, got window {window}, stride {stride}")
    prev_end = 0
    count = 0
    for begin in range(0, n_tokens, stride):
        if count == samples:
            return
        end = min(begin + window, n_tokens)
        if end - begin < 2:
            return
        yield Window(begin, end, end - prev_end)
        count += 1
        prev_end = end
        if end == n_tokens:
            return


@torch.no_grad()
def perplexity(
    model: torch.nn.Module,
    ids: torch.Tensor,
    window: int,
    stride: int,
    samples: int,
    device: torch.device | str = "cpu",
    batch_size: int = 4,
    on_window: Callable[[int, int], None] | None = None,
) -> Perplexity:
    """Measures the perplexity of ``model`` on the token ids ``ids`` (1-D) as the module docstring says.

    Windows of equal length are evaluated ``batch_size`` at a time; the sum of costs is accumulated
    in float64. ``on_window(done, total)`` is called after each batch.
    """
    if ids.dim() != 1:
        raise ValueError(f"ids must be 1-D, got shape {list(ids.shape)}")
    plan = list(windows(int(ids.numel()), window, stride, samples))
    if not plan:
        raise ValueError(f"the text has {ids.numel()} tokens; perplexity needs at least 2")
    was_training = model.training
    model.eval()
    nll = 0.0
    tokens = 0
    done = 0
    try:
        i = 0
        while i < len(plan):
            length = plan[i].end - plan[i].begin
            group = [plan[i]]
            while (
                len(group) < batch_size
                and i + len(group) < len(plan)
                and plan[i + len(group)].end - plan[i + len(group)].begin == length
            ):
                group.append(plan[i + len(group)])
            batch = torch.stack([ids[w.begin : w.end] for w in group]).to(device)
            labels = batch.clone()
            for row, w in enumerate(group):
                labels[row, : length - w.scored] = -100
            logits = model(input_ids=batch).logits.float()
            # position j predicts token j + 1
            target = labels[:, 1:]
            cost = torch.nn.functional.cross_entropy(
                logits[:, :-1].reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100, reduction="sum"
            )
            nll += float(cost.double())
            tokens += int((target != -100).sum())
            i += len(group)
            done += len(group)
            if on_window is not None:
                on_window(done, len(plan))
    finally:
        model.train(was_training)
    return Perplexity(math.exp(nll / tokens), nll, tokens, len(plan), window, stride)
