"""The sliding-window recipe: windows cover every token once, and the result is the loss transformers computes."""

from __future__ import annotations

import math
import random

import pytest
import torch

from tenpak.eval.perplexity import perplexity, window_and_stride, windows


@pytest.mark.parametrize(
    "n,window,stride", [(2, 2, 1), (7, 4, 2), (1000, 128, 64), (1025, 1024, 512), (5000, 1024, 512), (129, 128, 64)]
)
def test_windows_score_every_token_once(n: int, window: int, stride: int) -> None:
    ws = list(windows(n, window, stride, samples=10**9))
    scored = []
    for w in ws:
        assert 0 <= w.begin < w.end <= n and w.end - w.begin <= window
        assert 1 <= w.scored <= w.end - w.begin
        scored.extend(range(w.end - w.scored, w.end))
    assert scored == list(range(n)), "each token is a label exactly once (token 0 then has no context)"
    assert ws[-1].end == n


def test_samples_limit_the_windows() -> None:
    assert len(list(windows(100_000, 1024, 512, samples=128))) == 128


def test_window_and_stride_follow_the_context() -> None:
    class C:
        n_positions = 2048

    class Small:
        max_position_embeddings = 128

    assert window_and_stride(C()) == (1024, 512)
    assert window_and_stride(Small()) == (128, 64)


def test_matches_transformers_loss_on_one_window_and_masks_overlaps() -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    seed = random.randrange(1 << 30)
    print(f"seed {seed}")
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=16, n_embd=16, n_layer=1, n_head=2)).eval()
    ids = torch.randint(0, 50, (40,))
    # one window: exactly the model's own mean loss over the window
    r = perplexity(model, ids[:16], window=16, stride=8, samples=1)
    with torch.no_grad():
        loss = model(input_ids=ids[None, :16], labels=ids[None, :16]).loss
    assert r.tokens == 15
    assert r.perplexity == pytest.approx(math.exp(float(loss)), rel=1e-5)
    # several windows, batched or not, give the same sum
    a = perplexity(model, ids, window=16, stride=8, samples=100, batch_size=1)
    b = perplexity(model, ids, window=16, stride=8, samples=100, batch_size=3)
    assert a.tokens == b.tokens == 39
    assert a.nll == pytest.approx(b.nll, rel=1e-5)
    # and equal the hand-computed sum over windows with overlapping labels masked
    total = 0.0
    with torch.no_grad():
        for w in windows(40, 16, 8, 100):
            x = ids[w.begin : w.end]
            logits = model(input_ids=x[None]).logits[0]
            logp = torch.log_softmax(logits.double(), -1)
            for i in range(w.end - w.begin - w.scored, w.end - w.begin):
                if i >= 1:
                    total -= float(logp[i - 1, x[i]])
    assert a.nll == pytest.approx(total, rel=1e-5)
