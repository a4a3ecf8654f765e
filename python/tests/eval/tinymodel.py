"""Builds the small GPT-2-style model the runeval tests (and the README's results) use.

No model can be downloaded here, so it is made: a byte-level BPE tokenizer trained with the
``tokenizers`` package and a 4-layer GPT-2 (``transformers.GPT2Config``, width 128, context 128)
trained for a few hundred AdamW steps on real English text that ships with every CPython: the
reference documentation topics of ``pydoc_data.topics`` (about 460 K characters of prose with code
examples). The topics are split by their sorted keys: every tenth (from the first) is held out as the
evaluation text, every tenth from the second as the fine-tuning text, the rest is for training, so
the three texts never share a topic. Everything is seeded: the same versions give the same model.

Run ``python tinymodel.py OUT_DIR`` to build it into ``OUT_DIR`` (``model/``, ``eval.txt``,
``finetune.txt``, ``train.txt``).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

VOCAB = 2048
CONTEXT = 128
LAYERS = 4
WIDTH = 128
HEADS = 4
STEPS = 600
BATCH = 8
LR = 3e-3
SEED = 1234


def split_texts() -> tuple[str, str, str]:
    """(train, eval, finetune) texts from disjoint pydoc_data topics."""
    from pydoc_data.topics import topics

    keys = sorted(topics)
    parts: tuple[list[str], list[str], list[str]] = ([], [], [])
    for i, k in enumerate(keys):
        parts[0 if i % 10 > 1 else 1 + i % 10].append(topics[k].strip())
    train, ev, ft = ("\n\n".join(p) for p in parts)
    return train, ev, ft


def train_tokenizer(train: str, model_dir: Path):
    """The byte-level BPE tokenizer trained on ``train``, saved into ``model_dir``; returns it."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(train.split("\n\n"), trainer=trainer)
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        model_max_length=CONTEXT,
    )
    hf_tok.save_pretrained(model_dir)
    return tok


def train_model(model, ids, steps: int, log, start: float, name: str = "tinymodel") -> None:
    """``steps`` AdamW steps of next-token loss on random windows of ``ids`` (warm-up, cosine decay)."""
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01, betas=(0.9, 0.98))
    gen = torch.Generator().manual_seed(SEED)
    warmup = max(1, steps // 20)
    model.train()
    for step in range(steps):
        lr = LR * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / steps))
        for g in opt.param_groups:
            g["lr"] = lr
        starts = torch.randint(0, ids.numel() - CONTEXT, (BATCH,), generator=gen).tolist()
        batch = torch.stack([ids[s : s + CONTEXT] for s in starts])
        loss = model(input_ids=batch, labels=batch).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            log(f"{name}: step {step + 1}/{steps} loss {loss.item():.3f} ({time.monotonic() - start:.0f} s)")
    model.eval()


def write_texts(out: Path) -> str:
    """Writes the three texts into ``out`` (created); returns the training text."""
    out.mkdir(parents=True, exist_ok=True)
    train, ev, ft = split_texts()
    for name, text in (("train.txt", train), ("eval.txt", ev), ("finetune.txt", ft)):
        (out / name).write_text(text, encoding="utf-8")
    return train


def build(out: Path, steps: int = STEPS, log=print) -> Path:
    """Trains the tokenizer and the model and writes them (and the three texts) into ``out``."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    start = time.monotonic()
    train = write_texts(out)
    model_dir = out / "model"
    tok = train_tokenizer(train, model_dir)

    torch.manual_seed(SEED)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: on a shared 2-core machine more threads only spin
    config = GPT2Config(
        vocab_size=tok.get_vocab_size(),
        n_positions=CONTEXT,
        n_embd=WIDTH,
        n_layer=LAYERS,
        n_head=HEADS,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=0,
        eos_token_id=0,
    )
    model = GPT2LMHeadModel(config)
    ids = torch.tensor(tok.encode(train).ids, dtype=torch.long)
    train_model(model, ids, steps, log, start)
    torch.set_num_threads(threads)
    model.save_pretrained(model_dir)
    log(
        f"tinymodel: {sum(p.numel() for p in model.parameters()):,} parameters, vocabulary "
        f"{tok.get_vocab_size()}, {ids.numel():,} training tokens, written to {model_dir} "
        f"in {time.monotonic() - start:.0f} s"
    )
    return model_dir


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python tinymodel.py OUT_DIR", file=sys.stderr)
        sys.exit(2)
    build(Path(sys.argv[1]))
