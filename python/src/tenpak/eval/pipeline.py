"""The runeval pipeline: baseline, each codec, then fine-tune + delta + materialize."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

import tenpak
from tenpak import hf
from tenpak import torch as tt

from . import _bridge
from .errors import EXIT_UNSUPPORTED, EvalError
from .finetune import finetune
from .perplexity import perplexity, window_and_stride
from .progress import Progress
from .sources import WIKITEXT2, Text, load_model, python_docs, read_text, resolve_model, wikitext2

FP_CODEC = "raw_v1"
# The deltas of the size-against-perplexity table: exact (XOR, lossless), then lossy ones whose changed
# tensors go in full or as residuals quantized with the codec named, from 8 down to about 2.6 bits.
DELTA_KINDS = ["exact", "int8_sym_g32_v1", "kq4_v1", "kq3_v1", "kq2_v1", "ecq2_v1", "ecq1_v1"]


@dataclass
class Options:
    """Everything ``tenpak runeval`` can be told; see ``python -m tenpak.eval --help``."""

    model: str = "gpt2"
    samples: int = 128
    codecs: list[str] | None = None
    dataset: str = WIKITEXT2
    text: str | None = None
    finetune_text: str | None = None
    device: str = "auto"
    base_codec: str | None = None
    finetune_steps: int = 200
    finetune_blocks: int | None = None
    finetune_lr: float = 1e-4
    finetune_seq_len: int = 256
    finetune_batch: int = 4
    fleet: int = 100
    delta_kinds: list[str] | None = None
    batch_size: int = 4
    seed: int = 0
    workdir: str | None = None
    keep: bool = False
    model_name: str | None = None
    text_name: str | None = None
    export: bool = True


@dataclass
class CodecRow:
    """One row of the codec table. ``bytes`` is the artifact's size on disk."""

    variant: str
    codec: str
    bytes: int
    compression: float
    perplexity: float
    delta_perplexity: float | None
    mae: float
    seconds_save: float
    exported_perplexity: float | None = None
    export: dict[str, Any] | None = None


@dataclass
class Result:
    """All measurements of one run, as ``--json`` prints them."""

    model: str
    parameters: int
    dataset: str
    eval_tokens: int
    windows: int
    window: int
    stride: int
    samples: int
    device: str
    machine: str
    torch_version: str
    tenpak_version: str
    date: str
    codecs: list[CodecRow] = field(default_factory=list)
    finetune: dict[str, Any] = field(default_factory=dict)
    storage: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def default_codecs() -> list[str]:
    """int8_sym_v1, int4_sym_v1 and every group-wise codec the engine registers (all lossy codecs)."""
    return [c for c in tenpak.codecs() if c != FP_CODEC]


def default_base_codec(available: list[str]) -> str:
    """The delta's base codec: group-wise int4 when the engine has it, else the engine's default."""
    return "int4_sym_g32_v1" if "int4_sym_g32_v1" in available else tenpak.default_codec()


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise EvalError("--device cuda: this PyTorch sees no CUDA device; use --device cpu or auto")
    if name not in ("cpu", "cuda"):
        raise EvalError(f"--device {name}: expected auto, cpu or cuda")
    return torch.device(name)


def machine(device: torch.device) -> str:
    """One line naming the hardware the numbers came from."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    text = f"{cpu}, {cores} cores, torch threads: {torch.get_num_threads()}"
    if device.type == "cuda":
        text = f"{torch.cuda.get_device_name(device)}; host {text}"
    return text


def _tokens(tokenizer: Any, text: Text) -> torch.Tensor:
    # long texts are windowed, not truncated
    ids = tokenizer(text.text, return_tensors="pt", verbose=False).input_ids[0]
    return ids.to(torch.long)


def run(opts: Options, progress: Progress | None = None) -> Result:
    """Runs the whole pipeline and returns its measurements (the caller prints them)."""
    progress = progress or Progress()
    started = time.monotonic()
    if opts.samples < 1:
        raise EvalError(f"--samples {opts.samples}: must be at least 1")
    device = pick_device(opts.device)
    available = tenpak.codecs()
    codecs = opts.codecs if opts.codecs else default_codecs()
    unknown = [c for c in codecs + ([opts.base_codec] if opts.base_codec else []) if c not in available]
    if unknown:
        raise EvalError(
            f"unknown codec {', '.join(unknown)}; this engine has: {', '.join(available)}", exit_code=EXIT_UNSUPPORTED
        )
    base_codec = opts.base_codec or default_base_codec(available)

    # Read what the user named before the slow parts, so a typo fails at once.
    eval_text = read_text(opts.text) if opts.text else None
    ft_text = read_text(opts.finetune_text, "fine-tuning text file") if opts.finetune_text else None
    folder, model_name = resolve_model(opts.model)
    if eval_text is None:
        if opts.dataset != WIKITEXT2:
            raise EvalError(f"--dataset {opts.dataset}: only {WIKITEXT2} is known; or pass --text FILE")
        progress.stage("loading WikiText-2 (test split)")
        eval_text = wikitext2("test")
    if ft_text is None:
        ft_text = python_docs()

    progress.stage(f"loading {model_name} from {folder}")
    model, tokenizer = load_model(folder)
    model.to(device)
    params = sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
    window, stride = window_and_stride(model.config)
    ids = _tokens(tokenizer, eval_text)
    ft_ids = _tokens(tokenizer, ft_text)
    progress.stage(
        f"{params:,} parameters on {device}; eval text {eval_text.name}: {ids.numel():,} tokens; "
        f"window {window}, stride {stride}, up to {opts.samples} windows"
    )

    if opts.model_name:
        model_name = opts.model_name
    if opts.text_name:
        eval_text = Text(eval_text.text, opts.text_name)
    result = Result(
        model=model_name,
        parameters=params,
        dataset=eval_text.name,
        eval_tokens=int(ids.numel()),
        windows=0,
        window=window,
        stride=stride,
        samples=opts.samples,
        device=str(device),
        machine=machine(device),
        torch_version=torch.__version__,
        tenpak_version=tenpak.engine_version(),
        date=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )

    def measure(label: str, tokens: torch.Tensor | None = None, of: Any = None) -> float:
        r = perplexity(
            model if of is None else of,
            ids if tokens is None else tokens,
            window,
            stride,
            opts.samples,
            device,
            opts.batch_size,
            on_window=lambda d, t: progress.count(f"{label}: window", d, t),
        )
        if tokens is None:
            result.windows = r.windows
        return r.perplexity

    tmp = None if opts.keep else tempfile.TemporaryDirectory(prefix="tenpak-runeval-", dir=opts.workdir)
    work = Path(tmp.name if tmp is not None else tempfile.mkdtemp(prefix="tenpak-runeval-", dir=opts.workdir))
    try:
        fp_path = work / "base_fp.tenpak"
        fp_report = tt.save_file(model.state_dict(), fp_path, codec=FP_CODEC)
        fp_bytes = fp_path.stat().st_size
        tt.load_into(model, fp_path)
        progress.stage(f"FP baseline: saved {FP_CODEC} ({fp_bytes:,} bytes), measuring perplexity")
        fp_ppl = measure("FP")
        progress.stage(f"FP baseline: perplexity {fp_ppl:.3f}")
        result.codecs.append(CodecRow("FP baseline", FP_CODEC, fp_bytes, 1.0, fp_ppl, None, 0.0, fp_report.seconds))
        exporter = _Exporter(model, tokenizer, work, device, opts.keep) if opts.export else None

        for i, codec in enumerate(codecs, 1):
            tt.load_into(model, fp_path)  # back to the exact FP weights
            path = work / f"model_{codec}.tenpak"
            rep = tt.save_file(model.state_dict(), path, codec=codec)
            tt.load_into(model, path)
            size = path.stat().st_size
            progress.stage(f"[{i}/{len(codecs)}] {codec}: {size:,} bytes ({fp_bytes / size:.2f}x), MAE {rep.mae:.3g}")
            ppl = measure(codec)
            progress.stage(f"[{i}/{len(codecs)}] {codec}: perplexity {ppl:.3f} ({ppl - fp_ppl:+.3f})")
            row = CodecRow(f"tenpak {codec}", codec, size, fp_bytes / size, ppl, ppl - fp_ppl, rep.mae, rep.seconds)
            if exporter is not None:
                row.export = exporter.export(codec, path, progress, f"[{i}/{len(codecs)}] {codec}", measure)
                row.exported_perplexity = row.export.get("perplexity")
            result.codecs.append(row)
            if not opts.keep:
                path.unlink()

        _finetune_and_delta(
            opts,
            result,
            model,
            ids,
            ft_ids,
            ft_text,
            fp_path,
            fp_bytes,
            fp_ppl,
            base_codec,
            work,
            device,
            progress,
            measure,
            window,
        )
    finally:
        if tmp is not None:
            tmp.cleanup()
        else:
            progress.stage(f"artifacts kept in {work}")
    result.seconds = time.monotonic() - started
    return result


class _Exporter:
    """The "serve what you measured" column: each measured codec's artifact as a compressed-tensors
    folder, loaded by ``transformers`` and measured on the same windows.

    The engine exports artifacts compressed from a Hugging Face folder (it needs the config), so the
    FP model is saved once as one (float32, with its tokenizer) and compressed again with each codec;
    :func:`tenpak.export.export_check` then proves the exported weights are the measured artifact's,
    bit for bit. What the engine cannot export (a codec without a layout, a model whose projections
    are not Linear layers) is refused by it; the refusal is the row's reason.
    """

    def __init__(self, model: Any, tokenizer: Any, work: Path, device: torch.device, keep: bool) -> None:
        self.work, self.device, self.keep = work, device, keep
        self.reason: str | None = None
        try:
            import compressed_tensors  # noqa: F401
            from transformers import CompressedTensorsConfig  # noqa: F401
        except ImportError as e:
            self.reason = (
                f"not measured: {e.name or 'compressed-tensors'} is not installed (pip install compressed-tensors)"
            )
            return
        self.folder = work / "hf_fp"
        model.save_pretrained(self.folder)  # the FP weights: the caller loaded them back just before
        tokenizer.save_pretrained(self.folder)

    def export(self, codec: str, measured: Path, progress: Progress, label: str, measure: Any) -> dict[str, Any]:
        if self.reason is not None:
            return {"reason": self.reason}
        from transformers import AutoModelForCausalLM

        from .. import export as ex

        art = self.work / f"export_{codec}.tenpak"
        folder = self.work / f"compressed-tensors_{codec}"
        try:
            hf.save_pretrained(self.folder, art, codec=codec)
            try:
                report = ex.export(art, folder)
            except tenpak.InvalidInputError as e:
                return {"reason": str(e)}
            check = ex.export_check(folder, measured)
            progress.stage(
                f"{label}: exported as compressed-tensors ({len(report['quantized'])} Linear layers "
                f"quantized, {len(report['dense'])} dense): {check}; measuring perplexity"
            )
            loaded = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).to(self.device).eval()
            ppl = measure(f"{codec} exported", of=loaded)
            del loaded
            size = sum(f.stat().st_size for f in folder.glob("*.safetensors"))
            progress.stage(f"{label}: exported folder {size:,} bytes of weights, perplexity {ppl:.3f}")
            return {
                "perplexity": ppl,
                "check": check,
                "weight_bytes": size,
                "quantized": len(report["quantized"]),
                "dense": report["dense"],
            }
        finally:
            if not self.keep:
                art.unlink(missing_ok=True)
                shutil.rmtree(folder, ignore_errors=True)


def _finetune_and_delta(
    opts: Options,
    result: Result,
    model: Any,
    ids: torch.Tensor,
    ft_ids: torch.Tensor,
    ft_text: Text,
    fp_path: Path,
    fp_bytes: int,
    fp_ppl: float,
    base_codec: str,
    work: Path,
    device: torch.device,
    progress: Progress,
    measure: Any,
    window: int,
) -> None:
    # The base everyone shares: the FP model compressed with the base codec.
    tt.load_into(model, fp_path)
    base_path = work / f"base_{base_codec}.tenpak"
    tt.save_file(model.state_dict(), base_path, codec=base_codec)
    base_bytes = base_path.stat().st_size
    tt.load_into(model, base_path)  # fine-tune on top of the decoded base
    # every tenth block of `window` tokens of the fine-tuning text is held out, to measure what it learned
    ft_train, ft_held = holdout(ft_ids, window)
    base_ft_ppl = measure("base on the fine-tune's held-out text", ft_held)
    n_blocks = len(set(_block_names(model)))
    blocks = opts.finetune_blocks or max(1, n_blocks // 4)
    seq_len = min(opts.finetune_seq_len, window)
    progress.stage(
        f"fine-tune: {opts.finetune_steps} AdamW steps (lr {opts.finetune_lr:g}, batch "
        f"{opts.finetune_batch} x {seq_len} tokens) on {ft_text.name} ({ft_train.numel():,} tokens), "
        f"last {blocks} of {n_blocks} blocks, starting from the {base_codec} base"
    )
    ft = finetune(
        model,
        ft_train,
        steps=opts.finetune_steps,
        blocks=blocks,
        lr=opts.finetune_lr,
        seq_len=seq_len,
        batch_size=opts.finetune_batch,
        device=device,
        seed=opts.seed,
        on_step=lambda s, t, loss: progress.count("fine-tune: step", s, t, f"loss {loss:.3f}"),
    )
    progress.stage(
        f"fine-tune: loss {ft.first_loss:.3f} -> {ft.last_loss:.3f} in {ft.seconds:.0f} s, "
        f"{ft.trained_parameters:,} of {ft.total_parameters:,} parameters trained"
    )
    ft_ppl = measure("fine-tune (FP)")
    ft_ppl_domain = measure("fine-tune (FP) on its held-out text", ft_held)

    state = model.state_dict()
    ft_fp_path = work / "ft_fp.tenpak"
    tt.save_file(state, ft_fp_path, codec=FP_CODEC)
    ft_full_path = work / f"ft_{base_codec}.tenpak"
    tt.save_file(state, ft_full_path, codec=base_codec)
    delta_path = work / "ft.delta.tenpak"
    d = _bridge.delta(base_path, state, delta_path, codec=base_codec, epsilon=0.0)
    mat_path = work / "ft_materialized.tenpak"
    mat_bytes = _bridge.materialize(base_path, delta_path, mat_path)
    tt.load_into(model, mat_path, strict=False)
    progress.stage(
        f"delta: {d.delta_bytes:,} bytes ({d.changed} tensors stored, {d.unchanged} unchanged); "
        "materialized, measuring perplexity"
    )
    mat_ppl = measure("fine-tune (materialized)")
    mat_ppl_domain = measure("fine-tune (materialized) on its held-out text", ft_held)
    progress.stage(
        f"fine-tune perplexity: FP {ft_ppl:.3f}, materialized from base + delta {mat_ppl:.3f}; on its "
        f"held-out text: base {base_ft_ppl:.3f}, FP {ft_ppl_domain:.3f}, materialized {mat_ppl_domain:.3f}"
    )

    ft_fp_bytes = ft_fp_path.stat().st_size
    ft_full_bytes = ft_full_path.stat().st_size
    kinds = []
    for kind in opts.delta_kinds if opts.delta_kinds is not None else DELTA_KINDS:
        exact = kind == "exact"
        path = work / f"ft.delta.{kind}.tenpak"
        tt.load_into(model, ft_fp_path)  # the FP fine-tune again: the last materialize overwrote it
        dk = _bridge.delta(base_path, model.state_dict(), path, codec=None if exact else kind, exact=exact)
        mat = work / f"ft_materialized.{kind}.tenpak"
        _bridge.materialize(base_path, path, mat)
        tt.load_into(model, mat, strict=False)
        row = {
            "kind": kind,
            "bytes": dk.delta_bytes,
            "fraction_of_fp": dk.delta_bytes / ft_fp_bytes,
            "modes": dk.modes,
            "perplexity": measure(f"fine-tune from base + {kind} delta"),
            "domain_perplexity": measure(f"fine-tune from base + {kind} delta on its held-out text", ft_held),
        }
        progress.stage(
            f"{kind} delta: {dk.delta_bytes:,} bytes ({100 * row['fraction_of_fp']:.1f}% of the FP fine-tune), "
            f"perplexity {row['perplexity']:.3f}, held-out {row['domain_perplexity']:.3f}"
        )
        kinds.append(row)
        mat.unlink()
    result.finetune = {
        "text": ft_text.name,
        "tokens": int(ft_train.numel()),
        "held_out_tokens": int(ft_held.numel()),
        "steps": ft.steps,
        "lr": opts.finetune_lr,
        "batch": opts.finetune_batch,
        "seq_len": seq_len,
        "blocks": ft.blocks,
        "blocks_total": n_blocks,
        "trained_tensors": len(ft.trained_tensors),
        "trained_parameters": ft.trained_parameters,
        "first_loss": ft.first_loss,
        "last_loss": ft.last_loss,
        "seconds": ft.seconds,
        "perplexity_fp": ft_ppl,
        "perplexity_materialized": mat_ppl,
        "base_perplexity": fp_ppl,
        "domain_perplexity_base": base_ft_ppl,
        "domain_perplexity_fp": ft_ppl_domain,
        "domain_perplexity_materialized": mat_ppl_domain,
        "delta_changed": d.changed,
        "delta_unchanged": d.unchanged,
        "delta_modes": d.modes,
        "delta_kinds": kinds,
    }
    result.storage = {
        "base_codec": base_codec,
        "base_fp_bytes": fp_bytes,
        "base_codec_bytes": base_bytes,
        "ft_fp_bytes": ft_fp_bytes,
        "ft_codec_bytes": ft_full_bytes,
        "delta_bytes": d.delta_bytes,
        "delta_full_variant_bytes": d.full_variant_bytes,
        "materialized_bytes": mat_bytes,
        "fleet": opts.fleet,
    }


def holdout(ids: torch.Tensor, block: int, every: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    """Splits ``ids`` into blocks of ``block`` tokens; every ``every``-th block (the last of each run of
    ``every``) is held out. Returns (the rest, the held-out blocks), each concatenated in order."""
    chunks = list(torch.split(ids, block))
    held = [c for i, c in enumerate(chunks) if i % every == every - 1]
    if not held:
        raise EvalError(
            f"the fine-tuning text has {ids.numel()} tokens; need at least {every * block} to hold "
            "out a tenth for evaluation"
        )
    rest = [c for i, c in enumerate(chunks) if i % every != every - 1]
    return torch.cat(rest), torch.cat(held)


def _block_names(model: Any) -> list[int]:
    from .finetune import block_indices

    return block_indices([n for n, _ in model.named_parameters()])
