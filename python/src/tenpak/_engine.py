"""The one place that talks to the Java engine: tensors go in and come out as raw addresses.

``tenpak.numpy`` and ``tenpak.torch`` turn their arrays into :class:`TensorRef` (name, dtype, shape,
address, byte size of contiguous little-endian memory they keep alive) and allocate their own
arrays for loading; everything here is per tensor, never per element. The Java side
(``dev.tenpak.internal.bridge.PythonBridge``) wraps each address as a ``MemorySegment`` and reads or writes
the bytes where they are: no JSON, no intermediate copy in Python.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar

import jpype
import numpy as np

from . import _jvm
from .errors import JAVA_TO_PYTHON, CorruptArtifactError, InvalidInputError, TenpakError

ALIASES_KEY = "tenpak.aliases"
"""Artifact metadata key holding ``{"alias name": "stored name"}`` (JSON) for tensors that shared
storage when saved: each is stored once and restored under every name."""

DEFAULT_CODEC = "int8_sym_v1"
RAW_CODEC = "raw_v1"
"""Payloads of this codec are the tensor's own bytes, so they can be mapped instead of decoded."""

T = TypeVar("T")


@dataclass(frozen=True)
class TensorRef:
    """A tensor's contiguous little-endian bytes at ``address``, kept alive by the caller."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    address: int
    nbytes: int


@dataclass(frozen=True)
class TensorReport:
    """What compression did to one tensor; errors are measured in the tensor's own dtype."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    codec: str
    original_bytes: int
    stored_bytes: int
    mse: float
    mae: float
    max_abs_error: float


@dataclass(frozen=True)
class SaveReport:
    """The result of a save: sizes, the element-weighted error over all tensors, and each tensor's.

    ``ratio`` is ``tensor_bytes / artifact_bytes``: compression against the raw tensor data.
    """

    codec: str
    tensor_bytes: int
    artifact_bytes: int
    ratio: float
    mse: float
    mae: float
    max_abs_error: float
    seconds: float
    tensors: tuple[TensorReport, ...]


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of an artifact, as :func:`tenpak.inspect` shows it."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    codec: str
    stored_bytes: int
    original_bytes: int
    crc32c: str
    checksum_ok: bool


@dataclass(frozen=True)
class ArtifactInfo:
    """What :func:`tenpak.inspect` reports about an artifact, with every payload checksum verified.

    ``aliases`` maps names restored from shared storage to the stored tensor they share.
    """

    path: str
    bytes: int
    version: int
    codec: str
    metadata: dict[str, str]
    tensors: tuple[TensorInfo, ...]
    checksums_ok: bool
    aliases: dict[str, str]


class _Java:
    """JClass handles, resolved once after the JVM has started."""

    def __init__(self) -> None:
        self.bridge = jpype.JClass("dev.tenpak.internal.bridge.PythonBridge")
        self.tenpak = jpype.JClass("dev.tenpak.Tenpak")
        self.path = jpype.JClass("java.nio.file.Path")
        self.string_array = jpype.JArray(jpype.JString)
        self.int_array = jpype.JArray(jpype.JInt)
        self.long_array = jpype.JArray(jpype.JLong)
        self.byte_array = jpype.JArray(jpype.JByte)
        self.throwable = jpype.JClass("java.lang.Throwable")


_java: _Java | None = None


def java() -> _Java:
    """The engine's classes, starting the JVM on first use."""
    global _java
    if _java is None:
        _jvm.runtime()
        _java = _Java()
    return _java


def translate(ex: Any) -> TenpakError:
    """The Python error for a Java throwable: the nearest known class in its superclass chain, with
    the engine's message and the fields a caller may branch on (offset, tensor, codec, index)."""
    cls = ex.getClass()
    py_cls: type[TenpakError] | None = None
    while cls is not None:
        py_cls = JAVA_TO_PYTHON.get(str(cls.getName()))
        if py_cls is not None:
            break
        cls = cls.getSuperclass()
    msg = ex.getMessage()
    text = str(msg) if msg is not None else str(ex.getClass().getSimpleName())
    if py_cls is None:
        # not a TenpakException: a bug or a JVM-level failure (OutOfMemoryError); say which
        err: TenpakError = TenpakError(f"engine failure: {ex.getClass().getName()}: {text}")
    else:
        err = py_cls(text)
    err.java_class = str(ex.getClass().getName())
    for attr, getter in (("offset", "offset"), ("tensor", "tensor"), ("codec", "codec"), ("index", "index")):
        if hasattr(ex, getter) and hasattr(type(err), attr):
            value = getattr(ex, getter)()
            setattr(err, attr, None if value is None else (str(value) if attr in ("tensor", "codec") else int(value)))
    return err


@contextlib.contextmanager
def java_errors() -> Iterator[None]:
    """Turns Java exceptions raised inside the block into :class:`TenpakError` subclasses, with the
    Java exception (and its stack trace) dropped from the chain."""
    try:
        yield
    except jpype.JException as ex:
        raise translate(ex) from None


def call(fn: Callable[..., T], *args: Any) -> T:
    with java_errors():
        return fn(*args)


# ---- save ----------------------------------------------------------------------------------------

def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    out: dict[str, str] = {}
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise InvalidInputError(f"metadata must map str to str; got {type(k).__name__} -> {type(v).__name__} "
                                    f"for key {k!r}")
        if k == ALIASES_KEY:
            raise InvalidInputError(f"metadata key '{ALIASES_KEY}' is reserved: tenpak records shared tensors there")
        out[k] = v
    return out


def _source(refs: Sequence[TensorRef], metadata: Mapping[str, str], description: str) -> Any:
    j = java()
    dims = [d for r in refs for d in r.shape]
    return call(j.bridge.source,
                j.string_array([r.name for r in refs]),
                j.string_array([r.dtype for r in refs]),
                j.int_array([len(r.shape) for r in refs]),
                j.long_array(dims),
                j.long_array([r.address for r in refs]),
                j.long_array([r.nbytes for r in refs]),
                j.string_array(list(metadata.keys())),
                j.string_array(list(metadata.values())),
                description)


def _with_aliases(metadata: dict[str, str], aliases: Mapping[str, str]) -> dict[str, str]:
    if aliases:
        metadata = dict(metadata)
        metadata[ALIASES_KEY] = json.dumps(dict(aliases), sort_keys=True, separators=(",", ":"))
    return metadata


def _report(r: Any) -> SaveReport:
    err = r.error()
    tensors = tuple(
        TensorReport(name=str(t.name()), dtype=str(t.dtype()), shape=tuple(int(d) for d in t.shape()),
                     codec=str(t.codec()), original_bytes=int(t.originalBytes()), stored_bytes=int(t.storedBytes()),
                     mse=float(t.error().mse()), mae=float(t.error().mae()),
                     max_abs_error=float(t.error().maxAbsError()))
        for t in r.tensors())
    return SaveReport(codec=str(r.codec()), tensor_bytes=int(r.tensorBytes()), artifact_bytes=int(r.artifactBytes()),
                      ratio=float(r.ratio()), mse=float(err.mse()), mae=float(err.mae()),
                      max_abs_error=float(err.maxAbsError()), seconds=float(r.seconds()), tensors=tensors)


def save_to_file(refs: Sequence[TensorRef], aliases: Mapping[str, str], path: str | os.PathLike[str],
                 codec: str, metadata: Mapping[str, str] | None, sync: bool = False) -> SaveReport:
    meta = _with_aliases(check_metadata(metadata), aliases)
    j = java()
    target = os.fspath(path)
    src = _source(refs, meta, "<python tensors>")
    total = sum(r.nbytes for r in refs)
    return _report(call(j.bridge.compressToFile, src, total, target, codec, bool(sync)))


def _new_bytes(n: int) -> tuple[bytes, int]:
    """A new, not yet shared ``bytes`` object of ``n`` bytes and the address of its buffer.

    CPython's ``PyBytes_FromStringAndSize(NULL, n)`` leaves the contents for the caller to fill
    before the object is used anywhere (its documented contract), which lets the engine copy the
    artifact straight into the result instead of into a bytearray that is then copied again.
    """
    if sys.implementation.name == "cpython":
        new = ctypes.pythonapi.PyBytes_FromStringAndSize
        new.restype = ctypes.py_object
        new.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
        as_string = ctypes.pythonapi.PyBytes_AsString
        as_string.restype = ctypes.c_void_p
        as_string.argtypes = [ctypes.py_object]
        b = new(None, n)
        return b, int(as_string(b))
    raise NotImplementedError


def save_to_bytes(refs: Sequence[TensorRef], aliases: Mapping[str, str], codec: str,
                  metadata: Mapping[str, str] | None) -> tuple[bytes, SaveReport]:
    meta = _with_aliases(check_metadata(metadata), aliases)
    j = java()
    src = _source(refs, meta, "<python tensors>")
    total = sum(r.nbytes for r in refs)
    mem = call(j.bridge.compressToMemory, src, total, codec)
    try:
        size = int(mem.size())
        try:
            out, address = _new_bytes(size)
            call(mem.copyTo, address)
        except NotImplementedError:
            buf = bytearray(size)
            call(mem.copyTo, np.frombuffer(buf, dtype=np.uint8).ctypes.data)
            out = bytes(buf)
        return out, _report(mem.report())
    finally:
        mem.close()


# ---- load ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredTensor:
    """A tensor as the artifact index records it."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    codec: str
    offset: int


class Artifact:
    """An open artifact (a mapped file or bytes the caller holds): its tensors, its aliases, and
    decoding straight into memory the caller allocated. Use as a context manager."""

    def __init__(self, reader: Any, keepalive: Any = None, path: str | None = None) -> None:
        self.path = path
        """The file this artifact was opened from; None for bytes."""
        self._reader = reader
        self._keepalive = keepalive
        j = java()
        listing = call(j.bridge.list, reader)
        names = [str(s) for s in listing.names()]
        dtypes = [str(s) for s in listing.dtypes()]
        codecs = [str(s) for s in listing.codecs()]
        ranks = [int(r) for r in listing.ranks()]
        dims = [int(d) for d in listing.dims()]
        offsets = [int(o) for o in listing.offsets()]
        tensors: list[StoredTensor] = []
        at = 0
        for name, dtype, codec, rank, offset in zip(names, dtypes, codecs, ranks, offsets):
            tensors.append(StoredTensor(name, dtype, tuple(dims[at:at + rank]), codec, offset))
            at += rank
        self.tensors: tuple[StoredTensor, ...] = tuple(tensors)
        self.metadata: dict[str, str] = {str(k): str(v) for k, v in dict(reader.metadata()).items()}
        self.aliases: dict[str, str] = parse_aliases(self.metadata, {t.name for t in tensors}, str(reader.source()))

    def decode_into(self, targets: Sequence[tuple[str, int, int]]) -> None:
        """Decodes each ``(name, address, nbytes)``: ``nbytes`` must be the tensor's original size."""
        if not targets:
            return
        j = java()
        call(j.bridge.decodeInto, self._reader,
             j.string_array([t[0] for t in targets]),
             j.long_array([t[1] for t in targets]),
             j.long_array([t[2] for t in targets]))

    def verify_at(self, targets: Sequence[tuple[str, int]]) -> None:
        """Checks that the bytes at each ``(name, address)`` (a ``raw_v1`` payload mapped from the
        file rather than decoded) match the tensor's recorded checksum."""
        if targets:
            j = java()
            call(j.bridge.verifyAt, self._reader, j.string_array([t[0] for t in targets]),
                 j.long_array([t[1] for t in targets]))

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
            self._keepalive = None

    def __enter__(self) -> Artifact:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_aliases(metadata: Mapping[str, str], stored: set[str], source: str) -> dict[str, str]:
    raw = metadata.get(ALIASES_KEY)
    if raw is None:
        return {}
    try:
        aliases = json.loads(raw)
    except ValueError:
        aliases = None
    if not isinstance(aliases, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
        raise CorruptArtifactError(f"{source}: metadata '{ALIASES_KEY}' is not a JSON object of names")
    for alias, target in aliases.items():
        if target not in stored or alias in stored:
            raise CorruptArtifactError(f"{source}: metadata '{ALIASES_KEY}' maps '{alias}' to '{target}', but the "
                                       "artifact must hold the second and not the first")
    return aliases


def open_file(path: str | os.PathLike[str]) -> Artifact:
    j = java()
    reader = call(j.tenpak.open, j.path.of(os.fspath(path)))
    try:
        return Artifact(reader, path=os.fspath(path))
    except BaseException:
        reader.close()
        raise


def open_bytes(data: bytes | bytearray | memoryview) -> Artifact:
    view = np.frombuffer(data, dtype=np.uint8)
    j = java()
    reader = call(j.bridge.openMemory, view.ctypes.data if view.size else 0, view.size, "<bytes>")
    try:
        return Artifact(reader, keepalive=(data, view))
    except BaseException:
        reader.close()
        raise


# ---- everything else -----------------------------------------------------------------------------

def codecs() -> list[str]:
    return [str(s) for s in call(java().bridge.codecNames)]


def lossless_codecs() -> list[str]:
    return [str(s) for s in call(java().bridge.losslessCodecNames)]


def kernels() -> str:
    return str(call(java().bridge.kernels))


def inspect(path: str | os.PathLike[str]) -> ArtifactInfo:
    j = java()
    s = call(j.tenpak.inspect, j.path.of(os.fspath(path)))
    tensors = tuple(
        TensorInfo(name=str(e.name()), shape=tuple(int(d) for d in e.shape()), dtype=str(e.dtype()),
                   codec=str(e.codec()), stored_bytes=int(e.storedBytes()), original_bytes=int(e.originalBytes()),
                   crc32c=str(e.crc32c()), checksum_ok=bool(e.checksumOk()))
        for e in s.tensors())
    metadata = {str(k): str(v) for k, v in dict(s.metadata()).items()}
    aliases = parse_aliases(metadata, {t.name for t in tensors}, str(s.path()))
    return ArtifactInfo(path=str(s.path()), bytes=int(s.bytes()), version=int(s.version()), codec=str(s.codec()),
                        metadata=metadata, tensors=tensors, checksums_ok=bool(s.checksumsOk()), aliases=aliases)


def compress_json_bundle(json_bytes: bytes, codec: str | None = None) -> bytes:
    j = java()
    out = call(j.tenpak.compressJsonBundle, j.byte_array(bytes(json_bytes)), codec)
    return bytes(out)


def decompress_artifact_to_json(artifact: bytes) -> bytes:
    j = java()
    out = call(j.tenpak.decompressArtifactToJson, j.byte_array(bytes(artifact)))
    return bytes(out)
