"""Where the model and the texts come from: a local folder or a Hugging Face id, a local file or
WikiText-2, and the default fine-tuning text. Optional packages (``datasets``,
``huggingface_hub``) are imported only when they are needed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EXIT_IO, EXIT_MISSING_DEPENDENCY, EvalError

WIKITEXT2 = "wikitext-2"
FINETUNE_DEFAULT = "python-docs"


@dataclass(frozen=True)
class Text:
    """A text and a short description for the tables (``"WikiText-2 raw test split"``, a file name)."""

    text: str
    name: str


def read_text(path: str | os.PathLike[str], what: str = "text file") -> Text:
    """Reads a UTF-8 text file; a missing, unreadable or empty file is an :class:`EvalError`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise EvalError(f"{what} {p}: no such file") from None
    except IsADirectoryError:
        raise EvalError(f"{what} {p}: is a folder, expected a UTF-8 text file") from None
    except OSError as e:
        raise EvalError(f"{what} {p}: cannot read it ({e.strerror or e})", exit_code=EXIT_IO) from None
    if not text.strip():
        raise EvalError(f"{what} {p}: is empty; pass a file with some English text")
    return Text(text, p.name)


def wikitext2(split: str = "test") -> Text:
    """The WikiText-2 raw split (``wikitext-2-raw-v1``) through ``datasets``, its lines joined by blank lines."""
    hint = "or pass --text FILE with any English text (at least a few thousand words)"
    try:
        import datasets  # type: ignore[import-not-found]
    except ImportError:
        raise EvalError(
            f"--dataset {WIKITEXT2} needs the 'datasets' package (pip install datasets) and network access; {hint}",
            exit_code=EXIT_MISSING_DEPENDENCY,
        ) from None
    try:
        ds = datasets.load_dataset("wikitext", "wikitext-2-raw-v1", split=split)
    except Exception as e:  # noqa: BLE001 - datasets raises many kinds (ConnectionError, HfHubHTTPError, ...)
        raise EvalError(
            f"cannot load WikiText-2 ({type(e).__name__}: {_first_line(e)}); {hint}", exit_code=EXIT_MISSING_DEPENDENCY
        ) from None
    return Text("\n\n".join(ds["text"]), f"WikiText-2 raw {split} split")


def python_docs() -> Text:
    """CPython's reference documentation (the ``pydoc_data.topics`` module every CPython ships):
    about 460 K characters of English prose with code examples. The default fine-tuning text, since
    it is always there and is not the evaluation text."""
    try:
        from pydoc_data.topics import topics
    except ImportError:
        raise EvalError(
            "this Python lacks pydoc_data (the standard library's documentation topics); pass --finetune-text FILE"
        ) from None
    return Text("\n\n".join(topics[k] for k in sorted(topics)), "Python reference docs (pydoc_data)")


def _first_line(e: BaseException) -> str:
    s = str(e).strip().splitlines()
    return s[0][:200] if s else type(e).__name__


def _looks_like_path(spec: str) -> bool:
    """Hub ids are ``name`` or ``owner/name``; anything else that is not on disk is a missing folder."""
    return spec.startswith((".", "/", "~")) or spec.count("/") > 1 or "\\" in spec or spec.endswith("/")


def resolve_model(spec: str) -> tuple[Path, str]:
    """A local folder for ``spec``: the folder itself, or a Hugging Face Hub snapshot (downloaded
    with ``huggingface_hub``, or taken from its cache). Returns the folder and the model's name."""
    p = Path(spec).expanduser()
    if p.exists():
        if not p.is_dir():
            raise EvalError(
                f"--model {spec}: is a file; pass the folder that holds config.json (saved with "
                "save_pretrained) or a Hugging Face model id"
            )
        if not (p / "config.json").is_file():
            raise EvalError(
                f"--model {spec}: no config.json in this folder; pass a folder saved with "
                "save_pretrained or a Hugging Face model id"
            )
        return p, p.name
    if _looks_like_path(spec):
        raise EvalError(
            f"--model {spec}: no such folder; pass an existing folder saved with save_pretrained "
            "or a Hugging Face model id such as gpt2"
        )
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise EvalError(
            f"--model {spec} is not a local folder, and downloading it needs huggingface_hub "
            "(pip install huggingface_hub); or pass a local folder saved with save_pretrained",
            exit_code=EXIT_MISSING_DEPENDENCY,
        ) from None
    try:
        folder = snapshot_download(
            repo_id=spec, allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "tokenizer*"]
        )
    except Exception as e:  # noqa: BLE001 - network, auth and not-found errors all end here
        raise EvalError(
            f"--model {spec}: not a local folder and cannot be downloaded from the Hugging Face Hub "
            f"({type(e).__name__}: {_first_line(e)}); pass a local folder saved with save_pretrained",
            exit_code=EXIT_MISSING_DEPENDENCY,
        ) from None
    return Path(folder), spec


def load_model(folder: Path) -> tuple[Any, Any]:
    """The causal LM (float32, eval mode) and its tokenizer from a local folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype="float32")
    except (OSError, ValueError, KeyError) as e:
        raise EvalError(
            f"--model {folder}: transformers cannot load a causal language model and its tokenizer "
            f"from it ({_first_line(e)})"
        ) from None
    model.eval()
    return model, tokenizer
