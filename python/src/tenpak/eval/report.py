"""The two results tables (codec vs quality; base + delta storage) as Markdown, and the README update."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import EXIT_IO, EvalError
from .pipeline import CodecRow, Result

BEGIN = "<!-- runeval:begin -->"
END = "<!-- runeval:end -->"


def size(n: float) -> str:
    """Bytes in binary units with three significant digits: ``1.23 MiB``."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            v = n / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{int(n)} B"


def _pct(new: float, old: float) -> str:
    return f"{100 * (new - old) / old:+.2f}%"


def _codec_ppl(r: Result, codec: str) -> str:
    return next((f"{c.perplexity:.3f}" for c in r.codecs if c.codec == codec), "—")


def _exported(c: CodecRow) -> str:
    if c.exported_perplexity is None or c.export is None:
        return "—"
    return f"{c.exported_perplexity:.3f}" + (" ✓" if c.export.get("check") == "bit-equal" else "")


def markdown(r: Result, command: str | None = None) -> str:
    """The results section: a header naming model, data and machine, then the tables."""
    out: list[str] = []
    out.append(
        f"Model **{r.model}** ({r.parameters:,} parameters), perplexity on **{r.dataset}** "
        f"({r.eval_tokens:,} tokens; {r.windows} windows of up to {r.window} tokens, stride {r.stride}; "
        f"--samples {r.samples}), on {r.machine} ({r.device}), torch {r.torch_version}, "
        f"tenpak {r.tenpak_version}, {r.date}."
    )
    if command:
        out += ["", "Reproduce with:", "", "```bash", command, "```"]
    out += [
        "",
        "### Codec vs. quality",
        "",
        "| Variant | Codec | On-disk size | Compression vs FP | Perplexity (↓) | Δ Perplexity "
        "| Exported (compressed-tensors) perplexity |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    fp = r.codecs[0].perplexity
    for c in r.codecs:
        delta = "—" if c.delta_perplexity is None else f"{c.delta_perplexity:+.3f} ({_pct(c.perplexity, fp)})"
        out.append(
            f"| {c.variant} | `{c.codec}` | {size(c.bytes)} | {c.compression:.2f}× | {c.perplexity:.3f} | {delta} "
            f"| {_exported(c)} |"
        )
    out.append("")
    out.append(
        "On-disk size is the artifact file; FP is the same weights stored losslessly (`raw_v1`). Each "
        "compressed model is loaded back through tenpak (`tenpak.torch.load_into`) before it is measured."
    )
    if any(c.export is not None for c in r.codecs):
        out.append(
            "The exported column is the same artifact written as a compressed-tensors folder (`tenpak decompress "
            "--format compressed-tensors`), loaded quantized by `transformers` and measured on the same windows; "
            "✓ marks a folder whose decompressed weights equal tenpak's decode bit for bit. — : the engine cannot "
            "export that codec or this model (the JSON's `export.reason` says why)."
        )
    if r.storage:
        s, f = r.storage, r.finetune
        codec = s["base_codec"]
        frac = s["delta_bytes"] / s["ft_codec_bytes"]
        out += [
            "",
            "### Base + delta fine-tune storage",
            "",
            f"Fine-tune: {f['steps']} AdamW steps (lr {f['lr']:g}, batch {f['batch']} × {f['seq_len']} tokens) "
            f"on {f['text']}, training the last {len(f['blocks'])} of {f['blocks_total']} blocks "
            f"({f['trained_parameters']:,} parameters) on top of the `{codec}` base; training loss "
            f"{f['first_loss']:.3f} → {f['last_loss']:.3f}.",
            "",
            "| Perplexity (↓) | `" + codec + "` base | Fine-tune (FP) | Fine-tune from base + delta |",
            "|---|---:|---:|---:|",
            f"| held-out tenth of the fine-tuning text (every tenth window) | {f['domain_perplexity_base']:.3f} | "
            f"{f['domain_perplexity_fp']:.3f} | {f['domain_perplexity_materialized']:.3f} |",
            f"| evaluation text (FP base: {f['base_perplexity']:.3f}) | {_codec_ppl(r, codec)} | "
            f"{f['perplexity_fp']:.3f} | {f['perplexity_materialized']:.3f} |",
            "",
            "| Variant | Files stored | Total on-disk size | Notes |",
            "|---|---|---:|---|",
            f"| Full FP fine-tune | `base_fp.tenpak` + `ft_fp.tenpak` | "
            f"{size(s['base_fp_bytes'] + s['ft_fp_bytes'])} | "
            f"Two full-precision checkpoints ({size(s['base_fp_bytes'])} + {size(s['ft_fp_bytes'])}). |",
            f"| Full tenpak fine-tune | `base_fp.tenpak` + `ft_{codec}.tenpak` | "
            f"{size(s['base_fp_bytes'] + s['ft_codec_bytes'])} | Compress the fine-tune only "
            f"({size(s['ft_codec_bytes'])}). |",
            f"| tenpak base + delta | `base_{codec}.tenpak` + `ft.delta.tenpak` | "
            f"{size(s['base_codec_bytes'] + s['delta_bytes'])} | Compressed base ({size(s['base_codec_bytes'])}) "
            f"+ delta ({size(s['delta_bytes'])}, {100 * frac:.1f}% of the compressed fine-tune). |",
        ]
        if f.get("delta_kinds"):
            out += [
                "",
                "Kinds of delta against the same base, size against what the fine-tune keeps: `exact` stores "
                "the XOR of each changed tensor's bits with the base's, losslessly (materialize gives the FP "
                "fine-tune bit for bit); the others store each changed tensor in full or as a residual quantized "
                "with the codec named, whichever reconstructs it better.",
                "",
                "| Delta | Size | Of the FP fine-tune | Perplexity (↓) | Held-out fine-tuning text (↓) |",
                "|---|---:|---:|---:|---:|",
            ]
            for k in f["delta_kinds"]:
                out.append(
                    f"| `{k['kind']}` | {size(k['bytes'])} | {100 * k['fraction_of_fp']:.1f}% | "
                    f"{k['perplexity']:.3f} | {k['domain_perplexity']:.3f} |"
                )
        n = s["fleet"]
        out += [
            "",
            f"A fleet of N = {n} fine-tunes of the same base:",
            "",
            "| Layout | Stored | Total on-disk size |",
            "|---|---|---:|",
            f"| Full FP | base + N full FP fine-tunes | {size(s['base_fp_bytes'] + n * s['ft_fp_bytes'])} |",
            f"| Full tenpak | FP base + N `{codec}` fine-tunes | "
            f"{size(s['base_fp_bytes'] + n * s['ft_codec_bytes'])} |",
            f"| tenpak base + delta | `{codec}` base + N deltas | "
            f"{size(s['base_codec_bytes'] + n * s['delta_bytes'])} |",
        ]
    return "\n".join(out) + "\n"


def write_readme(readme: str | Path, section: str) -> None:
    """Replaces the text between the runeval markers of ``readme`` with ``section``."""
    p = Path(readme)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise EvalError(f"--readme {p}: cannot read it ({e.strerror or e})", exit_code=EXIT_IO) from None
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if len(pattern.findall(text)) != 1:
        raise EvalError(f"{p}: needs exactly one '{BEGIN}' ... '{END}' pair where the results go")
    new = pattern.sub(lambda _: f"{BEGIN}\n{section.rstrip()}\n{END}", text)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(p)
