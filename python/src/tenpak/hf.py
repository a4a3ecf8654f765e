"""Hugging Face models in and out of one tenpak artifact.

An artifact made from a Hugging Face folder carries the folder's config, tokenizer and generation
files beside the weights, so it is the whole model in one file::

    import tenpak.hf
    from transformers import AutoModel

    model = AutoModel.from_pretrained("./all-MiniLM-L6-v2")
    tenpak.hf.save_pretrained(model, "minilm.tenpak")                  # exact (lossless_v1)
    tenpak.hf.save_pretrained("./all-MiniLM-L6-v2", "minilm-g32.tenpak", codec="int8_sym_g32_v1")

    model = tenpak.hf.from_pretrained("minilm.tenpak")                 # a ready transformers model
    tenpak.hf.decompress("minilm.tenpak", "./restored")               # or the folder back

Loading decodes the artifact into a temporary Hugging Face folder, lets ``transformers`` load it as
it loads any folder (so every ``from_pretrained`` option works: ``torch_dtype``, ``device_map``,
...), then removes the folder. ``device_map="cuda"`` without CUDA is refused up front with
:class:`~tenpak.UnsupportedDeviceError`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from . import _engine
from .errors import InvalidInputError


def _transformers() -> Any:
    try:
        import transformers
    except ModuleNotFoundError as e:  # pragma: no cover - the test venv has transformers
        raise ModuleNotFoundError(
            "tenpak.hf needs the transformers package: pip install transformers (or tenpak[hf])"
        ) from e
    return transformers


def save_pretrained(
    model_or_folder: Any,
    path: str | os.PathLike[str],
    *,
    codec: str | None = None,
    tokenizer: Any = None,
    entropy: str = "off",
) -> dict[str, Any]:
    """Compresses a Hugging Face model into one artifact at ``path`` and returns the report.

    Args:
        model_or_folder: a folder saved by ``save_pretrained`` (its config, tokenizer and generation
            files travel in the artifact), or a model object with ``save_pretrained`` (its config
            travels; pass ``tokenizer`` to carry that too).
        path: the artifact to write; its folder must exist.
        codec: the codec for float tensors; None is ``tenpak.default_codec()``, the exact
            ``lossless_v1``. Group-wise codecs keep small, 0-D and 1-D tensors exact.
        tokenizer: with a model object, a tokenizer whose files are carried too.
        entropy: ``"auto"`` stores each lossy tensor's codes through the entropy stage when that
            makes them smaller (artifact format v2, which older tenpak releases refuse to read);
            ``"off"`` (the default) never does.
    """
    if isinstance(model_or_folder, (str, os.PathLike)):
        folder = Path(model_or_folder)
        if not folder.is_dir():
            raise InvalidInputError(f"{folder}: not a folder; pass a folder saved with save_pretrained, or a model")
        return _engine.compress_path(folder, path, codec, entropy)
    if not hasattr(model_or_folder, "save_pretrained"):
        raise InvalidInputError(
            f"expected a Hugging Face model (with save_pretrained) or a folder, got {type(model_or_folder).__name__}"
        )
    with tempfile.TemporaryDirectory(prefix="tenpak-hf-") as tmp:
        model_or_folder.save_pretrained(tmp, safe_serialization=True)
        if tokenizer is not None:
            tokenizer.save_pretrained(tmp)
        return _engine.compress_path(tmp, path, codec, entropy)


def decompress(artifact: str | os.PathLike[str], folder: str | os.PathLike[str]) -> None:
    """Writes the artifact back as a Hugging Face folder (weights in their dtype, carried files)."""
    _engine.decompress_path(artifact, folder, "hf")


_STRATEGIES = ("auto", "balanced", "balanced_low_0", "sequential", "disk")


def _check_device_map(device_map: Any) -> Any:
    """Refuses, with the same error as ``tenpak.torch.load_file(device=...)``, a ``device_map`` that
    names a device tenpak does not load to, or CUDA where there is none. Returns the one
    ``torch.device`` a single-device map names (which tenpak then handles itself), else None."""
    if device_map is None:
        return None
    from .torch import target_device

    def one(value: Any) -> Any:
        return target_device(f"cuda:{value}" if isinstance(value, int) and not isinstance(value, bool) else value)

    if isinstance(device_map, dict):
        for value in device_map.values():
            if not (isinstance(value, str) and value in _STRATEGIES):
                one(value)
        return None
    if isinstance(device_map, str) and device_map in _STRATEGIES:
        return None
    return one(device_map)


def from_pretrained(artifact: str | os.PathLike[str], auto_class: Any = None, **kwargs: Any) -> Any:
    """Loads the artifact as a ready ``transformers`` model.

    Args:
        artifact: an artifact made from a Hugging Face folder or model (it must carry config.json).
        auto_class: the class to load with, e.g. ``transformers.AutoModelForCausalLM``; default
            ``transformers.AutoModel``.
        **kwargs: passed to ``from_pretrained`` (``torch_dtype``, ``device_map``, ...).
            ``device_map="cuda"`` (or ``"cuda:N"``, a ``torch.device``, a GPU index, or a dict of
            those) is checked first as :func:`tenpak.torch.load_file` checks ``device``: where
            ``torch.cuda.is_available()`` is False, or for a device other than cpu and cuda, it
            raises :class:`~tenpak.UnsupportedDeviceError` before anything is decoded. A single
            device is handled here, without ``accelerate``: the model loads on the CPU and moves
            there with ``model.to(device)``. A dict, ``"auto"`` and the other strategy names go to
            ``transformers`` (which needs ``accelerate`` for them); ``"disk"`` entries unchecked.
    """
    transformers = _transformers()
    cls = auto_class if auto_class is not None else transformers.AutoModel
    device = _check_device_map(kwargs.get("device_map"))
    if device is not None:
        del kwargs["device_map"]
    with tempfile.TemporaryDirectory(prefix="tenpak-hf-") as tmp:
        folder = Path(tmp) / "model"
        decompress(artifact, folder)
        if not (folder / "config.json").is_file():
            raise InvalidInputError(
                f"{artifact}: carries no config.json; compress the Hugging Face folder "
                "(or use tenpak.hf.save_pretrained)"
            )
        model = cls.from_pretrained(folder, **kwargs)
    return model if device is None or device.type == "cpu" else model.to(device)


__all__ = ["save_pretrained", "from_pretrained", "decompress"]
