"""``python -m tenpak.eval``: the harness ``tenpak runeval`` runs. Tables go to stdout, progress to
stderr; errors are one line on stderr and a non-zero exit code (the CLI's: 3 invalid input,
4 corrupt artifact, 5 unknown codec, 6 I/O, 8 a missing package, download or Java runtime)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence

from .errors import EXIT_MISSING_DEPENDENCY, EvalError
from .sources import WIKITEXT2

USAGE_EXAMPLES = """examples:
  tenpak runeval                                  # gpt2 on WikiText-2, 128 windows
  tenpak runeval --model ./my-model --text held_out.txt --samples 64 --codecs int8_sym_v1,int4_sym_g32_v1
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tenpak runeval",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=USAGE_EXAMPLES,
        description="Measure what each tenpak codec costs a causal language model: perplexity and size for "
        "FP and every codec (each model saved and reloaded through tenpak), then a short fine-tune, "
        "its delta against the compressed base, and the materialized fine-tune's perplexity.",
    )
    p.add_argument("--model", default="gpt2", help="Hugging Face model id or local folder (default: gpt2)")
    p.add_argument("--samples", type=int, default=128, help="evaluation windows (default: 128)")
    p.add_argument("--codecs", help="comma-separated codecs (default: every lossy codec the engine has)")
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--dataset",
        default=WIKITEXT2,
        help=f"evaluation dataset: {WIKITEXT2} (test split, needs the 'datasets' package and network)",
    )
    src.add_argument("--text", metavar="FILE", help="evaluate on this UTF-8 text file instead")
    p.add_argument(
        "--finetune-text",
        metavar="FILE",
        help="fine-tuning text (default: Python's reference docs from pydoc_data, shipped with CPython)",
    )
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="default: auto")
    p.add_argument(
        "--base-codec",
        help="codec of the base and delta (default: int4_sym_g32_v1 if the engine has it, else int8_sym_v1)",
    )
    p.add_argument("--finetune-steps", type=int, default=200, help="AdamW steps (default: 200)")
    p.add_argument("--finetune-blocks", type=int, help="train the last N blocks (default: a quarter, at least 1)")
    p.add_argument("--finetune-lr", type=float, default=1e-4, help="learning rate (default: 1e-4)")
    p.add_argument("--finetune-seq-len", type=int, default=256, help="tokens per sequence (default: 256)")
    p.add_argument("--finetune-batch", type=int, default=4, help="sequences per step (default: 4)")
    p.add_argument("--fleet", type=int, default=100, help="N for the fleet-of-fine-tunes table (default: 100)")
    p.add_argument(
        "--delta-kinds",
        help="comma-separated deltas for the size-against-perplexity table: 'exact' and/or codec names "
        "(default: exact,int8_sym_g32_v1,kq4_v1,kq3_v1,kq2_v1; empty: none)",
    )
    p.add_argument(
        "--no-export",
        action="store_true",
        help="skip the exported (compressed-tensors) perplexity column: by default each codec the engine "
        "can export is written as a compressed-tensors folder, loaded with transformers and measured",
    )
    p.add_argument("--batch-size", type=int, default=4, help="evaluation windows per forward pass (default: 4)")
    p.add_argument("--seed", type=int, default=0, help="fine-tuning seed (default: 0)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--workdir", metavar="DIR", help="where to write the artifacts (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the artifacts (their folder is printed)")
    p.add_argument("--json", action="store_true", help="print the measurements as JSON instead of the tables")
    p.add_argument("--json-out", metavar="FILE", help="also write the measurements as JSON to FILE")
    p.add_argument(
        "--write-readme",
        action="store_true",
        help="replace the README's results section (between <!-- runeval:begin --> and <!-- runeval:end -->)",
    )
    p.add_argument("--readme", default="README.md", help="README for --write-readme (default: ./README.md)")
    p.add_argument("--reproduce", metavar="CMD", help="command shown under 'Reproduce with' (default: this one)")
    p.add_argument(
        "--model-name", metavar="NAME", help="the model's name in the tables (default: the id or folder name)"
    )
    p.add_argument("--text-name", metavar="NAME", help="the evaluation text's name in the tables")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    return p


def _reproduce(argv: Sequence[str]) -> str:
    keep: list[str] = []
    skip_next = False
    for a in argv:
        if skip_next:
            skip_next = False
            continue
        if a in ("--write-readme", "--json", "--quiet", "--keep"):
            continue
        if a in ("--readme", "--reproduce", "--workdir", "--json-out", "--model-name", "--text-name"):
            skip_next = True
            continue
        if a.startswith(("--readme=", "--reproduce=", "--workdir=", "--json-out=")):
            continue
        keep.append(a)
    return "bin/tenpak runeval " + " ".join(shlex.quote(a) for a in keep)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    try:
        import torch

        from .pipeline import Options, run
        from .progress import Progress
        from .report import markdown, write_readme
    except ImportError as e:
        print(
            f"tenpak runeval: error: {e.name or e} is not installed; run: {sys.executable} -m pip install "
            "torch transformers tenpak",
            file=sys.stderr,
        )
        return 8
    if args.threads:
        torch.set_num_threads(args.threads)
    opts = Options(
        model=args.model,
        samples=args.samples,
        codecs=[c.strip() for c in args.codecs.split(",") if c.strip()] if args.codecs else None,
        dataset=args.dataset,
        text=args.text,
        finetune_text=args.finetune_text,
        device=args.device,
        base_codec=args.base_codec,
        finetune_steps=args.finetune_steps,
        finetune_blocks=args.finetune_blocks,
        finetune_lr=args.finetune_lr,
        finetune_seq_len=args.finetune_seq_len,
        finetune_batch=args.finetune_batch,
        fleet=args.fleet,
        delta_kinds=None if args.delta_kinds is None else [k.strip() for k in args.delta_kinds.split(",") if k.strip()],
        batch_size=args.batch_size,
        export=not args.no_export,
        seed=args.seed,
        workdir=args.workdir,
        keep=args.keep,
        model_name=args.model_name,
        text_name=args.text_name,
    )
    try:
        result = run(opts, Progress(enabled=not args.quiet))
        section = markdown(result, args.reproduce or _reproduce(argv))
        if args.json_out:
            with open(args.json_out, "w", encoding="utf-8") as f:
                json.dump(result.to_json(), f, indent=2)
        if args.write_readme:
            write_readme(args.readme, section)
            print(f"tenpak runeval: wrote the results into {args.readme}", file=sys.stderr)
    except EvalError as e:
        print(f"tenpak runeval: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("tenpak runeval: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - engine errors (TenpakError) become one line too
        from tenpak import TenpakError, TenpakJVMError, _engine

        if isinstance(e, TenpakJVMError):
            print(f"tenpak runeval: error: {e}", file=sys.stderr)
            return EXIT_MISSING_DEPENDENCY
        if isinstance(e, TenpakError):
            print(f"tenpak runeval: error: {e}", file=sys.stderr)
            return _engine.exit_code(e)
        raise
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(section, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
