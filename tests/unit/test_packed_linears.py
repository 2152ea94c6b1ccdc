"""bfloat16 linear layers packed for oneDNN (syngen/engine/packed_linears.py)."""

import copy

import pytest
import torch
from helpers import tiny_gemma

from syngen.engine import loading, packed_linears
from syngen.engine.int8_weights import Int8Linear
from syngen.engine.packed_linears import PackedLinear

needs_bf16 = pytest.mark.skipif(not packed_linears.available(), reason="oneDNN packs bfloat16 only on CPUs with bf16")
SETTINGS = {"quantize": "none", "dtype": "bfloat16", "embedding": "float", "cache": False, "adapter": None}


def _converted(model, **settings):
    model = copy.deepcopy(model)
    loading.set_precision(model, None, {**SETTINGS, "linear": "packed", **settings})
    return model


def _kinds(model) -> dict:
    kinds: dict = {}
    for m in model.modules():
        if isinstance(m, (torch.nn.Linear, PackedLinear, Int8Linear)):
            kinds[type(m).__name__] = kinds.get(type(m).__name__, 0) + 1
    return kinds


@needs_bf16
def test_the_bf16_body_is_packed_and_scores_as_the_plain_one_does():
    model = tiny_gemma(hidden_size=256, intermediate_size=1024, num_hidden_layers=3, head_dim=64).eval()
    packed, plain = _converted(model), _converted(model, linear="plain")
    # seven projections a layer packed; the head stays a float32 nn.Linear
    assert _kinds(packed) == {"PackedLinear": 21, "Linear": 1}
    assert _kinds(plain) == {"Linear": 22}
    assert packed.lm_head.weight.dtype == torch.float32
    ids = torch.tensor([[2, 17, 40, 9, 38, 5, 41]])
    with torch.inference_mode():
        got, want = packed(ids).logits, plain(ids).logits
        exact = model(ids).logits
    assert not torch.equal(got, exact)  # bfloat16 weights, not the float32 model run again
    torch.testing.assert_close(got, want, rtol=0, atol=1e-3)  # the same products, another kernel
    assert torch.equal(got.argmax(-1), want.argmax(-1))


@needs_bf16
def test_int8_layers_are_left_alone():
    model = tiny_gemma(hidden_size=256, intermediate_size=1024, num_hidden_layers=2, head_dim=64).eval()
    assert _kinds(_converted(model, quantize="int8")) == {"Int8Linear": 14, "Linear": 1}


def test_without_bf16_in_onednn_the_layers_stay_plain(monkeypatch):
    monkeypatch.setattr(packed_linears, "available", lambda: False)
    model = tiny_gemma(hidden_size=256, intermediate_size=1024, num_hidden_layers=2, head_dim=64).eval()
    assert _kinds(_converted(model)) == {"Linear": 15}
