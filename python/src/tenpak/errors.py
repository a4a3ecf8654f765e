"""Python exceptions for the engine's typed errors.

Every Java ``dev.tenpak.error.TenpakException`` surfaces as the :class:`TenpakError` subclass of the same
name (``CorruptArtifactException`` -> :class:`CorruptArtifactError`), carrying the engine's one-line
message and the exit code the command line gives it. The Java stack trace is never attached: the
message already names the file, the tensor and what was expected.

The map is not a table: the engine lists its error classes (name, parent, exit code) and each is
looked up here by name (:func:`for_java_name`). The tests walk that list and fail when a Java class
has no Python class here, or one with another parent.
"""

from __future__ import annotations

from typing import get_type_hints


class TenpakError(Exception):
    """Base of every error tenpak raises.

    Attributes:
        java_class: the Java exception class the error came from, or ``None`` for errors raised on the
            Python side.
        exit_code: the exit code the ``tenpak`` command gives this error, or ``None`` for errors
            raised on the Python side.
    """

    java_class: str | None = None
    exit_code: int | None = None


class TenpakJVMError(TenpakError):
    """No usable Java runtime or engine jar; the message says how to fix it."""


class InvalidInputError(TenpakError, ValueError):
    """Input tenpak cannot accept: a bad tensor, a duplicate name, a bad option value, a missing file."""


class ShapeMismatchError(InvalidInputError):
    """A tensor whose data and shape disagree, or two shapes that should match and do not."""


class ArtifactKindError(InvalidInputError):
    """A delta artifact where a full one is needed, or a full artifact where a delta is needed."""


class BaseMismatchError(InvalidInputError):
    """A delta applied to a base artifact other than the one it was made against.

    Attributes:
        expected: the base content hash the delta records.
        actual: the content hash of the base that was given.
    """

    expected: str | None = None
    actual: str | None = None


class MalformedInputError(InvalidInputError):
    """An input file that breaks its format's rules (a safetensors header past the end of the file,
    overlapping offsets, a Hugging Face index naming a missing shard).

    Attributes:
        file: the malformed file.
        tensor: the tensor concerned, or ``None`` for the file structure itself.
    """

    file: str | None = None
    tensor: str | None = None


class PlanMismatchError(InvalidInputError):
    """A compression plan applied to an input it was not made for."""


class ValueOutOfRangeError(InvalidInputError):
    """A finite value too large for a codec's parameter format (group-wise codecs store f16 scales).

    Attributes:
        tensor: the tensor's name.
        index: the flat index of the element.
    """

    tensor: str | None = None
    index: int | None = None


class NonFiniteValueError(InvalidInputError):
    """A lossy codec met NaN or an infinity; store such tensors with ``raw_v1``.

    Attributes:
        tensor: the tensor's name.
        index: the flat index of the first non-finite element.
    """

    tensor: str | None = None
    index: int | None = None


class CorruptArtifactError(TenpakError):
    """An artifact that fails validation: bad magic, truncation, bad offsets, a bad checksum.

    Attributes:
        offset: byte offset in the artifact where the problem was found.
        tensor: the tensor concerned, or ``None`` for the file structure itself.
    """

    offset: int | None = None
    tensor: str | None = None


class ChecksumMismatchError(CorruptArtifactError):
    """A payload whose CRC32C differs from the one the index records."""


class UnknownCodecError(TenpakError, ValueError):
    """A codec name no registered codec has; the message lists the valid names.

    Attributes:
        codec: the unknown name.
    """

    codec: str | None = None


class UnsupportedVersionError(TenpakError):
    """An artifact written by a newer tenpak, in a format version this one cannot read.

    Attributes:
        version: the artifact's format version.
    """

    version: int | None = None


class MissingDependencyError(TenpakError):
    """A program or package the engine needs is not installed; the message names the command that installs it."""


class BudgetExceededError(TenpakError):
    """A plan's budget cannot be met: no candidate codec meets the error budget and the caller asked
    for that to fail, or even the smallest codec of every tensor is over the size budget.

    Attributes:
        budget: the mean absolute error (or, for a size budget, the bits per weight) asked for.
        best: the lowest mean absolute error any candidate reached (or the smallest achievable bits
            per weight).
    """

    budget: float | None = None
    best: float | None = None


class UnsupportedDeviceError(InvalidInputError):
    """A device tensors cannot be loaded to: one other than ``cpu`` and ``cuda``, or ``cuda`` where
    this PyTorch sees no CUDA device (the message says which, and what ``torch.cuda`` reports)."""


class TenpakIOError(TenpakError, OSError):
    """An operating-system I/O failure (disk full, permission denied) on the named file."""


def for_java_name(name: str) -> type[TenpakError] | None:
    """The class for an engine error class's simple name (``FooException`` -> ``FooError``), or None."""
    if not name.endswith("Exception"):
        return None
    cls = globals().get(name[: -len("Exception")] + "Error")
    return cls if isinstance(cls, type) and issubclass(cls, TenpakError) else None


def fields(cls: type[TenpakError]) -> list[str]:
    """The attributes ``cls`` declares that the engine's exception carries too (``offset``,
    ``tensor``, ...): each is copied from the Java method of the same name."""
    return [k for k in get_type_hints(cls) if k not in ("java_class", "exit_code")]


__all__ = [
    "TenpakError",
    "TenpakJVMError",
    "InvalidInputError",
    "ShapeMismatchError",
    "ArtifactKindError",
    "BaseMismatchError",
    "MalformedInputError",
    "PlanMismatchError",
    "ValueOutOfRangeError",
    "NonFiniteValueError",
    "CorruptArtifactError",
    "ChecksumMismatchError",
    "UnknownCodecError",
    "UnsupportedVersionError",
    "TenpakIOError",
    "UnsupportedDeviceError",
    "MissingDependencyError",
    "BudgetExceededError",
]
