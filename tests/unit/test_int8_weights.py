"""Weight-only int8 linear layers: close to the float layer on every path (the int8 kernel for a
few rows, chunks of it, the dequantised matmul for a prompt's reading), and the rounded weights
kept in a store that is read instead of the float weights."""

import pytest
import torch
from helpers import tiny_gemma

from syngen.engine.int8_weights import Int8Linear, int8_weights


def _relative_error(a, b):
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("rows", [1, 8, 20, 100])  # kernel, kernel, chunks of the kernel, dequantised
@pytest.mark.parametrize("bias", [False, True])
def test_an_int8_layer_computes_what_the_float_layer_does(rows, bias):
    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 96, bias=bias)
    x = torch.randn(2, rows, 64)
    with torch.no_grad():
        got, expected = Int8Linear.of(linear)(x), linear(x)
    assert got.shape == (2, rows, 96) and got.dtype == torch.float32
    assert _relative_error(got, expected) < 0.01


def test_an_int8_layer_holds_int8_weights_only():
    layer = Int8Linear.of(torch.nn.Linear(64, 96, bias=False))
    assert layer.weight_int8.dtype == torch.int8
    assert not any(p.dtype.is_floating_point and p.numel() >= 64 * 96 for p in layer.buffers())


def _tiny():
    return tiny_gemma(hidden_size=64, intermediate_size=128, head_dim=16)


def _hidden(model):
    ids = torch.randint(1, 50, (2, 12), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        return model.model(input_ids=ids).last_hidden_state


def test_a_decoder_in_int8_stays_close_to_the_float_one():
    model = _tiny()
    before = _hidden(model)
    assert int8_weights(model.model) == 2 * 7  # q, k, v, o, gate, up, down in each layer
    assert not any(isinstance(m, torch.nn.Linear) for m in model.model.modules())
    assert _relative_error(_hidden(model), before) < 0.02


def test_the_store_is_read_instead_of_the_float_weights(tmp_path):
    store = tmp_path / "int8.safetensors"
    first = _tiny()
    int8_weights(first.model, store)
    assert store.exists()
    expected = _hidden(first)
    second = _tiny()
    with torch.no_grad():  # were these read, the outputs would be NaN
        for m in second.model.modules():
            if isinstance(m, torch.nn.Linear):
                m.weight.fill_(float("nan"))
    int8_weights(second.model, store)
    assert torch.equal(_hidden(second), expected)


@pytest.mark.parametrize("damage", ["garbage", "other shapes"])
def test_a_store_that_does_not_fit_is_made_again(tmp_path, damage):
    store = tmp_path / "int8.safetensors"
    if damage == "garbage":
        store.write_bytes(b"not a safetensors file")
    else:
        int8_weights(torch.nn.Sequential(torch.nn.Linear(8, 4)), store)  # names differ from the model's
    model = _tiny()
    reference = _tiny()
    int8_weights(reference.model)
    int8_weights(model.model, store)
    assert torch.equal(_hidden(model), _hidden(reference))
    rebuilt = _tiny()
    int8_weights(rebuilt.model, store)  # the rewritten store is the model's own now
    assert torch.equal(_hidden(rebuilt), _hidden(reference))
