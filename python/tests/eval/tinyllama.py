"""A small Llama-style causal LM, for what the GPT-2 of tinymodel.py cannot show: export.

GPT-2's projections are transformers' ``Conv1D`` (weights stored ``[in, out]``), and its output head
shares the embedding; compressed-tensors quantizes ``nn.Linear`` layers only, so an exported GPT-2
keeps every weight dense. This model has the layout of today's causal LMs (``LlamaForCausalLM``:
``nn.Linear`` q/k/v/o and gate/up/down projections with grouped-query attention, RMSNorm, rotary
positions, an output head of its own), with every input width a multiple of 128 so every group codec
covers every Linear layer. Same tokenizer, texts and training recipe as tinymodel.py (fewer steps):
2 layers, width 128, MLP 384, context 128, trained on the pydoc topics; seeded, so the same versions
give the same model.

Run ``python tinyllama.py OUT_DIR`` to build it into ``OUT_DIR`` (``model/`` and the three texts).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import tinymodel

LAYERS = 2
WIDTH = 128
MLP = 384
HEADS = 4
KV_HEADS = 2
STEPS = 200


def build(out: Path, steps: int = STEPS, log=print) -> Path:
    """Trains the tokenizer and the model and writes them (and the three texts) into ``out``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    start = time.monotonic()
    train = tinymodel.write_texts(out)
    model_dir = out / "model"
    tok = tinymodel.train_tokenizer(train, model_dir)

    torch.manual_seed(tinymodel.SEED)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: on a shared 2-core machine more threads only spin
    config = LlamaConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=WIDTH,
        intermediate_size=MLP,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=KV_HEADS,
        max_position_embeddings=tinymodel.CONTEXT,
        tie_word_embeddings=False,
        bos_token_id=0,
        eos_token_id=0,
    )
    model = LlamaForCausalLM(config)
    ids = torch.tensor(tok.encode(train).ids, dtype=torch.long)
    tinymodel.train_model(model, ids, steps, log, start, name="tinyllama")
    torch.set_num_threads(threads)
    model.save_pretrained(model_dir)
    log(
        f"tinyllama: {sum(p.numel() for p in model.parameters()):,} parameters, {ids.numel():,} training "
        f"tokens, written to {model_dir} in {time.monotonic() - start:.0f} s"
    )
    return model_dir


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python tinyllama.py OUT_DIR", file=sys.stderr)
        sys.exit(2)
    build(Path(sys.argv[1]))
