"""Python exceptions for the engine's typed errors.

Every Java ``dev.tenpak.error.TenpakException`` surfaces as the :class:`TenpakError` subclass of the same
name (``CorruptArtifactException`` -> :class:`CorruptArtifactError`), carrying the engine's one-line
message. The Java stack trace is never attached: the message already names the file, the tensor and
what was expected.
"""

from __future__ import annotations


class TenpakError(Exception):
    """Base of every error tenpak raises.

    Attributes:
        java_class: the Java exception class the error came from, or ``None`` for errors raised on the
            Python side.
    """

    java_class: str | None = None


class TenpakJVMError(TenpakError):
    """No usable Java runtime or engine jar; the message says how to fix it."""


class InvalidInputError(TenpakError, ValueError):
    """Input tenpak cannot accept: a bad tensor, a duplicate name, a bad option value, a missing file."""


class ShapeMismatchError(InvalidInputError):
    """A tensor whose data and shape disagree, or two shapes that should match and do not."""


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
    """An artifact written by a newer tenpak, in a format version this one cannot read."""


class TenpakIOError(TenpakError, OSError):
    """An operating-system I/O failure (disk full, permission denied) on the named file."""


# Java class name -> Python class; subclasses first is not needed: the Java superclass chain is
# walked until a known name is found.
JAVA_TO_PYTHON: dict[str, type[TenpakError]] = {
    "dev.tenpak.error.TenpakException": TenpakError,
    "dev.tenpak.error.InvalidInputException": InvalidInputError,
    "dev.tenpak.error.ShapeMismatchException": ShapeMismatchError,
    "dev.tenpak.error.NonFiniteValueException": NonFiniteValueError,
    "dev.tenpak.error.CorruptArtifactException": CorruptArtifactError,
    "dev.tenpak.error.ChecksumMismatchException": ChecksumMismatchError,
    "dev.tenpak.error.UnknownCodecException": UnknownCodecError,
    "dev.tenpak.error.UnsupportedVersionException": UnsupportedVersionError,
    "dev.tenpak.error.TenpakIOException": TenpakIOError,
}

__all__ = [
    "TenpakError",
    "TenpakJVMError",
    "InvalidInputError",
    "ShapeMismatchError",
    "NonFiniteValueError",
    "CorruptArtifactError",
    "ChecksumMismatchError",
    "UnknownCodecError",
    "UnsupportedVersionError",
    "TenpakIOError",
]
