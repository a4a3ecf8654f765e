"""Serve what you measured: tenpak artifacts as compressed-tensors folders, and the check that they match.

:func:`export` writes an artifact compressed from a Hugging Face folder as a compressed-tensors
(``pack-quantized``) folder that ``transformers`` (with the ``compressed-tensors`` package) and vLLM
load quantized. The stored int4/int8 codes of symmetric group codecs are re-laid out, never
quantized again; Linear layers whose codec the format cannot express stay dense and are listed in
the config's ``ignore`` (the report says why).

:func:`export_check` loads the folder with ``transformers`` and compares every weight it
decompresses with tenpak's own decode of the artifact: ``"bit-equal"`` or the first difference.
"""

from __future__ import annotations

import os
from typing import Any

from . import _engine

__all__ = ["export", "export_check"]


def export(artifact: str | os.PathLike[str], folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Writes ``artifact`` as the compressed-tensors folder ``folder`` (built beside it, swapped in whole).

    Returns the report: ``quantized`` (module -> codec), ``dense`` (module -> why it stayed dense),
    ``weightBytes``. Raises :class:`tenpak.InvalidInputError` when the artifact carries no
    ``config.json`` or no tensor can be exported.
    """
    return _engine.export_compressed_tensors(artifact, folder)


def _model_class(folder: str) -> Any:
    import transformers

    config = transformers.AutoConfig.from_pretrained(folder)
    for name in getattr(config, "architectures", None) or []:
        cls = getattr(transformers, name, None)
        if cls is not None:
            return cls
    return transformers.AutoModel


def _bits(t: Any) -> Any:
    """``t`` flattened, floats as the integers of their bits (so -0.0 and NaN payloads count)."""
    import torch

    flat = t.reshape(-1)
    if t.is_floating_point():
        return flat.view({2: torch.int16, 4: torch.int32, 8: torch.int64, 1: torch.int8}[t.element_size()])
    return flat


def export_check(folder: str | os.PathLike[str], artifact: str | os.PathLike[str]) -> str:
    """``"bit-equal"`` when every tensor ``transformers`` loads from ``folder`` (decompressed) equals
    tenpak's decode of the same tensor in ``artifact``; otherwise a line naming the first difference.

    Needs ``torch``, ``transformers`` and ``compressed-tensors``.
    """
    import torch
    from transformers import CompressedTensorsConfig

    from . import torch as tt

    folder = os.fspath(folder)
    model = _model_class(folder).from_pretrained(
        folder, quantization_config=CompressedTensorsConfig(dequantize=True), dtype="auto"
    )
    loaded = model.state_dict()
    prefix = getattr(model, "base_model_prefix", "") or ""
    reference = tt.load_file(artifact)
    compared = 0
    for name in sorted(reference):
        want = reference[name]
        got = loaded.get(name)
        if got is None and prefix:
            if name.startswith(prefix + "."):
                got = loaded.get(name[len(prefix) + 1 :])
            else:
                got = loaded.get(f"{prefix}.{name}")
        if got is None:
            if name.endswith(".weight"):
                return f"{name}: in the artifact but not in the model loaded from {folder}"
            continue  # a buffer the model does not register (position_ids and the like)
        got = got.detach().cpu()
        if got.dtype != want.dtype or tuple(got.shape) != tuple(want.shape):
            return f"{name}: loaded as {got.dtype} {tuple(got.shape)}, tenpak decodes {want.dtype} {tuple(want.shape)}"
        a, b = _bits(got), _bits(want)
        if not torch.equal(a, b):
            diff = (a != b).nonzero()
            i = int(diff[0])
            index = [int(x) for x in torch.unravel_index(torch.tensor(i), got.shape)]
            return (
                f"{name}{index}: loaded {got.reshape(-1)[i].item()!r}, tenpak decodes "
                f"{want.reshape(-1)[i].item()!r} ({len(diff)} elements differ)"
            )
        compared += 1
    if compared == 0:
        return f"no tensor of {os.fspath(artifact)} is in the model loaded from {folder}"
    return "bit-equal"


def main(argv: list[str] | None = None) -> int:
    """``python -m tenpak.export --check FOLDER ARTIFACT`` (what ``tenpak decompress --check`` runs):
    prints :func:`export_check`'s line; exit status 0 when bit-equal, 1 otherwise."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m tenpak.export", description=main.__doc__)
    p.add_argument("--check", nargs=2, metavar=("FOLDER", "ARTIFACT"), required=True)
    args = p.parse_args(argv)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the line is the answer; transformers' load report is noise here
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        line = export_check(*args.check)
    print(line)
    return 0 if line == "bit-equal" else 1


if __name__ == "__main__":
    raise SystemExit(main())
