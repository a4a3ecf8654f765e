"""Writes src/main/models/tiny/: a tiny Hugging Face folder (config.json, tokenizer_config.json, a
float32 model.safetensors shaped like one BERT block: an embedding, two 64x64 Linear layers, a bias, from
a fixed NumPy generator, and the model.safetensors.index.json through which the compress goal takes the
whole folder as one model). Not a trained model; it only has to be what the exporter expects.

    /path/to/.venv/bin/python make_fixture.py
"""

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

out = Path(__file__).parent / "src" / "main" / "models" / "tiny"
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(17)


def gaussian(*shape):
    return (rng.standard_normal(shape) * 0.02).astype(np.float32)


tensors = {
    "embeddings.word_embeddings.weight": gaussian(32, 64),
    "layer.0.query.weight": gaussian(64, 64),
    "layer.0.query.bias": gaussian(64),
    "layer.0.out.weight": gaussian(64, 64),
}
save_file(tensors, str(out / "model.safetensors"))
index = {
    "metadata": {"total_size": sum(t.nbytes for t in tensors.values())},
    "weight_map": {name: "model.safetensors" for name in tensors},
}
(out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")
(out / "config.json").write_text(
    json.dumps({"model_type": "bert", "architectures": ["BertModel"]}, indent=2) + "\n"
)
(out / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}) + "\n")
