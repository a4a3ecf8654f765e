"""Save and load PyTorch state_dicts, shaped like ``safetensors.torch``.

Tensors are handed to the engine by address (``data_ptr()``): a contiguous CPU tensor is read where
it lies; a non-contiguous one is made contiguous first, and a GPU tensor is copied to the CPU.
Loading allocates each tensor with ``torch.empty`` (or decodes straight into the parameters of a
module, :func:`load_into`) and the engine decodes into that memory. Every dtype keeps its type:
float32, float16 and bfloat16 come back as themselves.

Tensors that share storage (tied weights such as GPT-2's ``lm_head.weight`` and
``transformer.wte.weight``) are stored once and come back as one tensor under both names. Unlike
``safetensors.torch.save_file``, which refuses such dicts, this needs no ``save_model``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import NamedTuple

try:
    import torch
except ModuleNotFoundError as e:
    if e.name != "torch":
        raise
    raise ModuleNotFoundError(
        "tenpak.torch needs PyTorch, which is not installed here: pip install torch (or, installing tenpak "
        "from a package index, the extra: pip install 'tenpak[torch]'); tenpak.numpy works without it",
        name="torch",
    ) from None

from . import _engine
from ._engine import SaveOptions, SaveReport, TensorRef
from .errors import InvalidInputError, ShapeMismatchError, UnsupportedDeviceError

__all__ = ["save_file", "save", "load_file", "load", "load_into", "LoadResult", "target_device", "STAGING_BYTES"]


def _dtype_table() -> dict[torch.dtype, str]:
    table = {
        torch.float32: "F32",
        torch.float16: "F16",
        torch.bfloat16: "BF16",
        torch.float64: "F64",
        torch.int8: "I8",
        torch.uint8: "U8",
        torch.int16: "I16",
        torch.int32: "I32",
        torch.int64: "I64",
        torch.bool: "BOOL",
    }
    for attr, name in (
        ("uint16", "U16"),
        ("uint32", "U32"),
        ("uint64", "U64"),
        ("float8_e4m3fn", "F8_E4M3"),
        ("float8_e5m2", "F8_E5M2"),
    ):
        dt = getattr(torch, attr, None)
        if dt is not None:
            table[dt] = name
    return table


_TO_TENPAK = _dtype_table()
_FROM_TENPAK = {v: k for k, v in _TO_TENPAK.items()}


def _refs(tensors: Mapping[str, torch.Tensor]) -> tuple[list[TensorRef], dict[str, str], list[torch.Tensor]]:
    refs: list[TensorRef] = []
    keep: list[torch.Tensor] = []
    aliases: dict[str, str] = {}
    seen: dict[tuple[object, ...], str] = {}
    for name, value in _engine.tensor_items(tensors, "torch.Tensor (a state_dict)"):
        _engine.check_name(name)
        if not isinstance(value, torch.Tensor):
            raise InvalidInputError(f"tensor '{name}': expected a torch.Tensor, got {type(value).__name__}")
        if value.is_nested:
            raise InvalidInputError(
                f"tensor '{name}': nested tensors are not supported; expected a dense tensor "
                "(save each component of .unbind() under its own name)"
            )
        if value.layout != torch.strided:
            raise InvalidInputError(f"tensor '{name}': {value.layout} tensors are not supported; call .to_dense()")
        dtype = _TO_TENPAK.get(value.dtype)
        if dtype is None:
            raise InvalidInputError(
                f"tensor '{name}': dtype {value.dtype} is not supported; supported: "
                + ", ".join(sorted(str(d).removeprefix("torch.") for d in _TO_TENPAK))
            )
        t = value.detach()
        if t.device.type == "meta":
            raise InvalidInputError(f"tensor '{name}' is on the meta device and has no data")
        if t.numel():
            key = (t.device, t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), t.stride(), t.dtype)
            first = seen.setdefault(key, name)
            if first != name:
                aliases[name] = first
                continue
        if t.device.type != "cpu":
            t = t.cpu()
        if t.is_conj():
            t = t.resolve_conj()
        if t.is_neg():
            t = t.resolve_neg()
        t = t.contiguous()
        keep.append(t)
        owner = (t, t.untyped_storage())
        refs.append(TensorRef(name, dtype, tuple(t.shape), t.data_ptr(), t.numel() * t.element_size(), owner))
    return refs, aliases, keep


@_engine.document
def save_file(
    tensors: Mapping[str, torch.Tensor],
    path: str | os.PathLike[str],
    codec: str | None = None,
    metadata: Mapping[str, str] | None = None,
    sync: bool = False,
    *,
    keep_raw: str | Sequence[str] | None = None,
    min_elements: int | None = None,
    threads: int | None = None,
    progress: bool = False,
) -> SaveReport:
    """Writes ``tensors`` (a state_dict) to an artifact at ``path``, atomically.

    The folder of ``path`` must exist (as with ``safetensors``, nothing is created).

    Other threads: the save releases the GIL while the engine reads the tensors where they lie.
    Meanwhile other threads may read the tensors, add, delete or replace entries of ``tensors`` and
    drop their own references: the save works on the entries as they were when it started and
    holds every tensor and its storage until it returns. They must not write to those tensors in
    place (the artifact would hold a mix of old and new values), nor resize them or free their
    storage in place (``resize_``, ``untyped_storage().resize_(0)``): that frees the memory being
    read, which no reference can prevent.

    Args:
        tensors: name -> tensor, on any device, contiguous or not.
        codec: the codec for float tensors; None is ``tenpak.default_codec()``, the exact
            ``lossless_v1`` (as ``safetensors`` stores exactly; a lossy codec is a choice you name).
            The engine's codecs:

            {codecs}
        metadata: free-form string metadata kept in the artifact.
        sync: force the file (and its folder) to disk before returning, so it survives a crash;
            by default it is left to the kernel to write back, as ``safetensors`` does.
        keep_raw: regular expressions (``--keep-raw``); a tensor whose name matches one anywhere
            stays exact (``raw_v1``).
        min_elements: the small-tensor rule (``--min-elements``): None takes the codec's own
            threshold, 0 turns it off, N keeps 0-D and 1-D tensors and those under N elements exact.
        threads: tensors (or chunks of one) encoded at once (``--threads``); None is every processor.
        progress: draw a progress bar with ``tqdm`` when it is installed (quiet otherwise).

    Which tensors stay exact: integer and bool tensors always (``raw_v1``; codecs quantize floats
    only); under a codec listed above with a threshold (the group-wise ``*_g32/g64/g128_*`` ones),
    also 0-D and 1-D tensors and tensors under that many elements, because a group's scale costs
    about as much as the values it saves on a small tensor, and biases and norms are where
    quantization error shows most; and every name ``keep_raw`` matches. ``SaveReport.tensors`` gives
    each tensor's codec.

    Returns:
        Sizes and the reconstruction error of every tensor, measured in its own dtype.
    """
    options = SaveOptions.of(keep_raw, min_elements, threads, progress)
    refs, aliases, keep = _refs(tensors)
    report = _engine.save_to_file(refs, aliases, path, codec, metadata, sync, options)
    del keep
    return report


def save(
    tensors: Mapping[str, torch.Tensor],
    codec: str | None = None,
    metadata: Mapping[str, str] | None = None,
    *,
    keep_raw: str | Sequence[str] | None = None,
    min_elements: int | None = None,
    threads: int | None = None,
    progress: bool = False,
) -> bytes:
    """Like :func:`save_file`, but returns the artifact's bytes."""
    options = SaveOptions.of(keep_raw, min_elements, threads, progress)
    refs, aliases, keep = _refs(tensors)
    data, _ = _engine.save_to_bytes(refs, aliases, codec, metadata, options)
    del keep
    return data


STAGING_BYTES = 64 * 2**20
"""The default pinned memory a CUDA load stages through: two buffers of half this each."""

_ALIGN = 64


def target_device(device: str | torch.device) -> torch.device:
    """``device`` as a :class:`torch.device` that tenpak can load to: ``cpu``, or ``cuda`` (any
    index) where PyTorch sees that CUDA device. Anything else raises
    :class:`~tenpak.UnsupportedDeviceError` naming the problem."""
    try:
        d = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise UnsupportedDeviceError(f"device={device!r} is not a device: {e}") from None
    if d.type == "cpu":
        return d
    if d.type != "cuda":
        raise UnsupportedDeviceError(
            f"device={device!r}: tenpak loads to 'cpu' or 'cuda' only; load to 'cpu' and move the tensors "
            "with .to() for other devices"
        )
    if not torch.cuda.is_available():
        raise UnsupportedDeviceError(
            f"device={device!r}, but CUDA is not available: torch.cuda.is_available() is False (torch "
            f"{torch.__version__}, CUDA build {torch.version.cuda or 'none'}: a CPU-only build of PyTorch, "
            "or no GPU or driver visible); load to 'cpu'"
        )
    if d.index is not None and d.index >= torch.cuda.device_count():
        raise UnsupportedDeviceError(
            f"device={device!r}, but this process sees {torch.cuda.device_count()} CUDA device(s)"
        )
    return d


class _Staging:
    """A fixed pool of CPU staging buffers, each ``buffer_bytes`` long, used in turn. ``pin`` makes
    them page-locked, so that a copy out of them to a CUDA device is asynchronous (``copy_(...,
    non_blocking=True)``); a CUDA event recorded after each such copy is waited on before the buffer
    is written again, so a buffer is never overwritten while the device still reads it."""

    def __init__(self, device: torch.device, pin: bool, buffer_bytes: int, count: int = 2) -> None:
        self.device = device
        self.pin = pin
        self.cuda = device.type == "cuda"
        self.buffers = [torch.empty(buffer_bytes, dtype=torch.uint8, pin_memory=pin) for _ in range(count)]
        self.events: list[torch.cuda.Event | None] = [None] * count
        self.next = 0

    def take(self) -> torch.Tensor:
        """The next buffer, once the device has finished reading it."""
        k = self.next
        event = self.events[k]
        if event is not None:
            event.synchronize()
            self.events[k] = None
        return self.buffers[k]

    def copy_out(self, pairs: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> None:
        """Copies each ``(dst, src)`` (``src`` a slice of the buffer :meth:`take` gave) and passes to
        the next buffer."""
        for dst, src in pairs:
            dst.copy_(src, non_blocking=self.pin)
        if self.cuda:
            event = torch.cuda.Event()
            event.record(torch.cuda.current_stream(self.device))
            self.events[self.next] = event
        self.next = (self.next + 1) % len(self.buffers)

    def finish(self) -> None:
        """Returns once every copy has landed on the device."""
        for k, event in enumerate(self.events):
            if event is not None:
                event.synchronize()
                self.events[k] = None
        if self.cuda:
            torch.cuda.current_stream(self.device).synchronize()


def _bytes_of(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(-1).view(torch.uint8)


def _load_staged(
    artifact: _engine.Artifact, device: torch.device, pin: bool, staging_bytes: int
) -> dict[str, torch.Tensor]:
    """Decodes every tensor on the CPU into staging buffers and copies it from there to ``device``.

    Tensors that fit go into a buffer together (one engine call decodes them all, in parallel) and
    are copied out of it; a tensor larger than a buffer is decoded whole into ordinary memory and
    goes to the device through the buffers in buffer-sized pieces. With ``pin`` the buffers are
    pinned and the copies asynchronous (the CUDA path); without it this is the same loop to the
    CPU, which is how it is tested where there is no GPU. Aliases (tied weights) come last, as one
    tensor under each name."""
    buffer_bytes = max(staging_bytes // 2, _ALIGN)
    staging = _Staging(device, pin, buffer_bytes)
    out: dict[str, torch.Tensor] = {}
    batch: list[tuple[str, int, int]] = []
    dests: list[torch.Tensor] = []
    used = 0
    buf = staging.take()

    def flush() -> None:
        nonlocal batch, dests, used, buf
        if batch:
            artifact.decode_into(batch)
            staging.copy_out(
                [
                    (_bytes_of(d), buf[at - buf.data_ptr() : at - buf.data_ptr() + n])
                    for d, (_, at, n) in zip(dests, batch, strict=True)
                ]
            )
            buf = staging.take()
        batch, dests, used = [], [], 0

    for st in artifact.tensors:
        dst = torch.empty(st.shape, dtype=_FROM_TENPAK[st.dtype], device=device)
        out[st.name] = dst
        nbytes = dst.numel() * dst.element_size()
        if nbytes == 0:
            continue
        if nbytes <= buffer_bytes:
            if used + nbytes > buffer_bytes:
                flush()
            batch.append((st.name, buf.data_ptr() + used, nbytes))
            dests.append(dst)
            used += -(-nbytes // _ALIGN) * _ALIGN
            continue
        flush()
        whole = torch.empty(st.shape, dtype=dst.dtype)
        artifact.decode_into([(st.name, whole.data_ptr(), nbytes)])
        src, target = _bytes_of(whole), _bytes_of(dst)
        for at in range(0, nbytes, buffer_bytes):
            n = min(buffer_bytes, nbytes - at)
            buf[:n].copy_(src[at : at + n])
            staging.copy_out([(target[at : at + n], buf[:n])])
            buf = staging.take()
    flush()
    staging.finish()
    for alias, name in artifact.aliases.items():
        out[alias] = out[name]
    return out


def _load(
    artifact: _engine.Artifact, device: str | torch.device, mmap: bool, staging_bytes: int = STAGING_BYTES
) -> dict[str, torch.Tensor]:
    target = target_device(device)
    if target.type == "cuda":
        return _load_staged(artifact, target, pin=True, staging_bytes=staging_bytes)
    out = {}
    targets: list[tuple[str, int, int]] = []
    mapped: list[tuple[str, int]] = []
    storage: torch.UntypedStorage | None = None
    for st in artifact.tensors:
        dtype = _FROM_TENPAK[st.dtype]
        if mmap and artifact.path is not None and st.codec == _engine.RAW_CODEC and math.prod(st.shape) > 0:
            # stored as is: a view of a private (copy-on-write) mapping of the file, like safetensors
            if storage is None:
                storage = torch.UntypedStorage.from_file(
                    artifact.path, shared=False, nbytes=os.path.getsize(artifact.path)
                )
            t = torch.empty(0, dtype=dtype).set_(storage, st.offset // dtype.itemsize, st.shape)
            mapped.append((st.name, t.data_ptr()))
        else:
            t = torch.empty(st.shape, dtype=dtype)
            targets.append((st.name, t.data_ptr(), t.numel() * t.element_size()))
        out[st.name] = t
    artifact.verify_at(mapped)
    artifact.decode_into(targets)
    for alias, name in artifact.aliases.items():
        out[alias] = out[name]
    return out


def load_file(
    path: str | os.PathLike[str],
    device: str | torch.device = "cpu",
    mmap: bool = True,
    staging_bytes: int = STAGING_BYTES,
) -> dict[str, torch.Tensor]:
    """Reads every tensor of the artifact at ``path``.

    Args:
        device: ``"cpu"`` (the default) or ``"cuda"``/``"cuda:N"``. For CUDA each tensor is decoded
            on the CPU into one of two pinned (page-locked) staging buffers and copied to the device
            asynchronously while the engine decodes the next ones into the other buffer; a buffer is
            reused only after its copy has finished, and the call returns once every copy has
            landed. Only the staging buffers are pinned, never the whole model; a tensor larger than
            a buffer is decoded into ordinary memory first and goes through the buffers in pieces.
            ``"cuda"`` where ``torch.cuda.is_available()`` is False, and any other device type,
            raise :class:`~tenpak.UnsupportedDeviceError`.
        mmap: ``raw_v1`` tensors become views of a private, copy-on-write mapping of the file (as
            ``safetensors`` does) instead of copies: writing to them never changes the file, but
            the file must not be truncated while they live. Their checksums are verified over the
            mapping either way. ``False`` copies them into memory.

    Returns:
        name -> tensor on ``device``, in the artifact's order (aliases last); tensors that shared
        storage when saved are one tensor under each name. ``mmap`` applies to the CPU only.
    """
    target_device(device)  # refused before the file is opened
    with _engine.open_file(path) as artifact:
        return _load(artifact, device, mmap, staging_bytes)


def load(
    data: bytes | bytearray | memoryview, device: str | torch.device = "cpu", staging_bytes: int = STAGING_BYTES
) -> dict[str, torch.Tensor]:
    """Like :func:`load_file`, for an artifact held in memory (always decoded into new tensors)."""
    target_device(device)
    with _engine.open_bytes(data) as artifact:
        return _load(artifact, device, mmap=False, staging_bytes=staging_bytes)


class LoadResult(NamedTuple):
    """Keys of the module the artifact did not hold, and keys of the artifact the module lacks."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def load_into(module: torch.nn.Module, path: str | os.PathLike[str], strict: bool = True) -> LoadResult:
    """Loads an artifact into an existing module's parameters and buffers, in place.

    A contiguous CPU parameter of the stored dtype is decoded into directly, with no intermediate
    tensor; others (GPU, another dtype) are decoded into a CPU tensor and copied over.

    Args:
        strict: like ``Module.load_state_dict``: raise when keys are missing or unexpected.

    Raises:
        InvalidInputError: with ``strict``, when the artifact's names and the module's differ.
        ShapeMismatchError: when a tensor's shape differs from the module's, strict or not.
    """
    targets = module.state_dict()
    with _engine.open_file(path) as artifact:
        stored = {t.name: t for t in artifact.tensors}
        names_of: dict[str, list[str]] = {name: [name] for name in stored}
        for alias, target in artifact.aliases.items():
            names_of[target].append(alias)
        all_names = [n for names in names_of.values() for n in names]
        missing = [k for k in targets if k not in stored and k not in artifact.aliases]
        unexpected = [k for k in all_names if k not in targets]
        if strict and (missing or unexpected):
            raise InvalidInputError(
                f"{os.fspath(path)}: artifact and module {type(module).__name__} disagree; "
                f"missing keys: {missing}; unexpected keys: {unexpected}"
            )
        decode: list[tuple[str, int, int]] = []
        copies: list[tuple[torch.Tensor, list[torch.Tensor]]] = []
        for name, st in stored.items():
            dests = [targets[n] for n in names_of[name] if n in targets]
            for n in names_of[name]:
                if n in targets and tuple(targets[n].shape) != st.shape:
                    raise ShapeMismatchError(
                        f"tensor '{n}': artifact has shape {list(st.shape)}, module "
                        f"{type(module).__name__} has {list(targets[n].shape)}"
                    )
            if not dests:
                continue
            dtype = _FROM_TENPAK[st.dtype]
            direct = next((d for d in dests if d.device.type == "cpu" and d.dtype == dtype and d.is_contiguous()), None)
            buf = direct if direct is not None else torch.empty(st.shape, dtype=dtype)
            decode.append((name, buf.data_ptr(), buf.numel() * buf.element_size()))
            copies.append((buf, [d for d in dests if d is not buf]))
        artifact.decode_into(decode)
        with torch.no_grad():
            for buf, dests in copies:
                for d in dests:
                    if d.data_ptr() != buf.data_ptr() or d.device != buf.device:
                        d.copy_(buf)
    return LoadResult(missing, unexpected)
