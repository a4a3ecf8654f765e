"""Non-contiguous inputs and tensors that share storage (tied weights)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from transformers import GPT2Config, GPT2LMHeadModel

import tenpak
import tenpak.numpy as tnp
import tenpak.torch as tt


def test_non_contiguous_torch_tensors_are_stored_as_their_values(tmp_path: Path) -> None:
    base = torch.arange(4 * 6 * 5, dtype=torch.float32).reshape(4, 6, 5)
    sd = {
        "transposed": base[0].T,
        "sliced": base[:, ::2, 1:4],
        "expanded": torch.tensor([1.0, 2.0, 3.0]).expand(4, 3),
        "permuted_bf16": base.to(torch.bfloat16).permute(2, 0, 1),
        "negative": -base[1],  # a plain tensor, for comparison
    }
    assert not any(sd[k].is_contiguous() for k in ("transposed", "sliced", "expanded", "permuted_bf16"))
    tt.save_file(sd, tmp_path / "v.tenpak", codec="raw_v1")
    back = tt.load_file(tmp_path / "v.tenpak")
    for name, want in sd.items():
        assert back[name].is_contiguous()
        assert torch.equal(back[name], want), name
    assert base.is_contiguous() and float(base[0, 0, 1]) == 1.0  # the input was not modified


def test_non_contiguous_and_big_endian_numpy_arrays(tmp_path: Path) -> None:
    a = np.arange(60, dtype=np.float32).reshape(6, 10)
    arrays = {
        "reversed": a[::-1],
        "columns": a[:, 1::3],
        "fortran": np.asfortranarray(a),
        "big_endian": a.astype(">f4"),
        "scalar_view": a[2, 3, ...],
    }
    tnp.save_file(arrays, tmp_path / "n.tenpak", codec="raw_v1")
    back = tnp.load_file(tmp_path / "n.tenpak")
    for name, want in arrays.items():
        assert back[name].shape == want.shape, name
        np.testing.assert_array_equal(back[name], want)
    assert back["big_endian"].dtype == np.dtype("<f4")


def test_tensors_sharing_storage_are_stored_once_and_restored_under_both_names(tmp_path: Path) -> None:
    w = torch.randn(10, 4)
    sd = {"embed.weight": w, "head.weight": w, "other": w.clone(), "half": w[:5]}
    path = tmp_path / "s.tenpak"
    tt.save_file(sd, path, codec="raw_v1")
    info = tenpak.inspect(path)
    assert [t.name for t in info.tensors] == ["embed.weight", "other", "half"]
    assert info.aliases == {"head.weight": "embed.weight"}
    back = tt.load_file(path)
    assert set(back) == set(sd)
    assert back["head.weight"] is back["embed.weight"]
    assert back["other"] is not back["embed.weight"]
    assert all(torch.equal(back[k], sd[k]) for k in sd)


def test_gpt2_tied_weights_survive_save_file_and_load_into(tmp_path: Path) -> None:
    torch.manual_seed(0)
    config = GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=97, n_positions=16)
    model = GPT2LMHeadModel(config).eval()
    sd = model.state_dict()
    assert sd["lm_head.weight"].data_ptr() == sd["transformer.wte.weight"].data_ptr()
    path = tmp_path / "gpt2.tenpak"
    tt.save_file(sd, path, codec="raw_v1")

    info = tenpak.inspect(path)
    stored = {t.name for t in info.tensors}
    assert len(stored) == len(sd) - 1
    assert info.aliases == {"lm_head.weight": "transformer.wte.weight"}
    embed_bytes = sd["transformer.wte.weight"].numel() * 4
    assert info.bytes < sum(t.numel() * t.element_size() for t in sd.values()) - embed_bytes + 64 * 1024

    back = tt.load_file(path)
    assert back["lm_head.weight"] is back["transformer.wte.weight"]

    torch.manual_seed(1)
    fresh = GPT2LMHeadModel(config).eval()
    assert not torch.equal(fresh.transformer.wte.weight, model.transformer.wte.weight)
    result = tt.load_into(fresh, path)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert fresh.lm_head.weight is fresh.transformer.wte.weight  # the tie is intact
    ids = torch.tensor([[1, 5, 9, 33, 96]])
    with torch.no_grad():
        assert torch.equal(fresh(ids).logits, model(ids).logits)
