"""The delta engine through the JPype bridge: a state_dict goes to ``Tenpak.delta`` by address."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

import jpype
import torch

from .. import _engine
from ..torch import _refs


@dataclass(frozen=True)
class DeltaResult:
    """Sizes of the delta and of the variant compressed on its own, and what the delta holds."""

    delta_bytes: int
    full_variant_bytes: int
    changed: int
    added: int
    removed: int
    unchanged: int
    modes: dict[str, int]


def delta(base: str | os.PathLike[str], variant: Mapping[str, torch.Tensor], output: str | os.PathLike[str],
          codec: str, epsilon: float = 0.0) -> DeltaResult:
    """Writes a delta of ``variant`` (a state_dict, read where it lies) against the artifact ``base``.

    ``epsilon`` is the delta's threshold on the mean absolute difference from the decoded base;
    0 stores exactly the tensors that differ from it.
    """
    refs, aliases, keep = _refs(variant)
    meta = _engine._with_aliases({}, aliases)
    j = _engine.java()
    src = _engine._source(refs, meta, "<fine-tuned state_dict>")
    options_cls = jpype.JClass("dev.tenpak.options.DeltaOptions")
    fmt = jpype.JClass("dev.tenpak.options.InputFormat")
    options = _engine.call(options_cls, float(epsilon), codec, fmt.AUTO)
    r = _engine.call(j.tenpak.delta, j.path.of(os.fspath(base)), src, j.path.of(os.fspath(output)), options)
    del keep
    modes: dict[str, int] = {}
    for e in r.tensors():
        mode = e.mode()
        if mode is not None:
            modes[str(mode)] = modes.get(str(mode), 0) + 1
    return DeltaResult(int(r.deltaBytes()), int(r.fullVariantBytes()), int(r.changed()), int(r.added()),
                       int(r.removed()), int(r.unchanged()), modes)


def materialize(base: str | os.PathLike[str], delta_path: str | os.PathLike[str],
                output: str | os.PathLike[str], residual_codec: str | None = None) -> int:
    """Rebuilds the fine-tune's full artifact from base + delta; returns its size in bytes."""
    j = _engine.java()
    r = _engine.call(j.tenpak.materialize, j.path.of(os.fspath(base)), j.path.of(os.fspath(delta_path)),
                     j.path.of(os.fspath(output)), residual_codec)
    return int(r.outputBytes())
