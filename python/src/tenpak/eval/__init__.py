"""The evaluation harness behind ``tenpak runeval``: what compression costs a causal language model.

It loads a model (a Hugging Face id or a local folder saved with ``save_pretrained``), measures its
perplexity on a text with the sliding-window recipe of :mod:`tenpak.eval.perplexity`, then for each
codec saves the state_dict through the engine (:func:`tenpak.torch.save_file`), loads it back into
the model (:func:`tenpak.torch.load_into`) and measures again. It then fine-tunes the last blocks of
the model on the compressed base for a few hundred steps, stores the fine-tune as a delta against
the base artifact, materializes it and measures the result. Weights move between PyTorch and the
engine by address through the JPype bridge; nothing goes through JSON.

Run it as ``tenpak runeval ...`` (the Java CLI finds a suitable Python) or ``python -m tenpak.eval
...``; :func:`tenpak.eval.pipeline.run` is the same from Python.
"""

from __future__ import annotations

from .errors import EvalError

__all__ = ["EvalError"]
