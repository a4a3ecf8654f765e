"""The delta engine for the harness: a state_dict goes to the engine's delta by address."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

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


def delta(
    base: str | os.PathLike[str],
    variant: Mapping[str, torch.Tensor],
    output: str | os.PathLike[str],
    codec: str | None,
    epsilon: float = 0.0,
    exact: bool = False,
) -> DeltaResult:
    """Writes a delta of ``variant`` (a state_dict, read where it lies) against the artifact ``base``.

    ``epsilon`` is the delta's threshold on the mean absolute difference from the decoded base;
    0 stores exactly the tensors that differ from it. ``exact`` stores every changed tensor as the XOR
    of its bits with the base's, losslessly (then ``epsilon`` must be 0). ``codec`` None is the
    engine's default for the kind of delta.
    """
    refs, aliases, keep = _refs(variant)
    r = _engine.delta_of_tensors(base, refs, aliases, output, epsilon, codec, "<fine-tuned state_dict>", exact)
    del keep
    modes: dict[str, int] = {}
    for e in r["tensors"]:
        mode = e.get("mode")
        if mode is not None:
            modes[mode] = modes.get(mode, 0) + 1
    return DeltaResult(
        int(r["deltaBytes"]),
        int(r["fullVariantBytes"]),
        int(r["changed"]),
        int(r["added"]),
        int(r["removed"]),
        int(r["unchanged"]),
        modes,
    )


def materialize(
    base: str | os.PathLike[str],
    delta_path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    residual_codec: str | None = None,
) -> int:
    """Rebuilds the fine-tune's full artifact from base + delta; returns its size in bytes."""
    return int(_engine.materialize(base, delta_path, output, residual_codec)["outputBytes"])
