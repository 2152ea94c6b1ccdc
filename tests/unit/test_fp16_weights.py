"""Float16 weights with float32 sums: the head's rows and the body's layers, and which dtype a
host's body gets."""

import pytest
import torch

from syngen.engine import fp16_weights, loading
from syngen.engine.decode import DomainHead
from syngen.engine.fp16_weights import Fp16Matrix, packed, times

needs_fbgemm = pytest.mark.skipif(not fp16_weights.available(), reason="no fbgemm in this torch build (not x86)")


@needs_fbgemm
def test_a_packed_matrix_multiplies_in_float32_with_only_its_weights_rounded():
    torch.manual_seed(0)
    w, x = torch.randn(300, 64) * 0.05, torch.randn(2, 3, 64)
    m = Fp16Matrix(w.split(128))  # packed in blocks of rows: the same matrix
    assert m.shape == (300, 64)
    got = times(x, m)
    assert got.shape == (2, 3, 300) and got.dtype == torch.float32
    assert torch.allclose(got, x @ w.half().float().T, rtol=1e-4, atol=1e-5)  # float16 weights, float32 sums
    assert not torch.equal(got, x @ w.T)  # the weights were rounded: the test can tell the two apart
    assert torch.allclose(times(x.bfloat16(), m), x.bfloat16().float() @ w.half().float().T, rtol=1e-4, atol=1e-5)


def test_without_fbgemm_a_matrix_stays_as_it_is(monkeypatch):
    monkeypatch.setattr(fp16_weights, "available", lambda: False)
    w = torch.randn(5, 4)
    assert packed(w) is w
    x = torch.randn(2, 4)
    assert torch.equal(times(x, w), x @ w.T)


@needs_fbgemm
def test_a_float16_domain_head_scores_what_the_float32_head_scores(monkeypatch):
    monkeypatch.setattr("syngen.engine.decode.PACK_ROWS", 3)  # 4 rows: packed as 2 blocks
    torch.manual_seed(1)
    weight, ids = torch.randn(50, 64) * 0.05, torch.tensor([2, 5, 7, 40])
    head = DomainHead(weight, ids, fp16=True)
    assert isinstance(head.parts[0], Fp16Matrix) and len(head.parts[0]._packed) == 2 and head.size == 4
    hidden = torch.randn(3, 64)
    exact = hidden @ weight[ids].T
    assert torch.allclose(head.logits(hidden), exact, rtol=1e-3, atol=1e-4)
    wider = head.plus(weight, torch.tensor([[5, 9]]))  # a batch's own prompt token 9 joins, packed too
    assert wider.parts[0] is head.parts[0] and isinstance(wider.parts[1], Fp16Matrix)
    assert wider.token_ids(torch.arange(5)).tolist() == [2, 5, 7, 40, 9]
    assert torch.allclose(wider.logits(hidden), hidden @ weight[[2, 5, 7, 40, 9]].T, rtol=1e-3, atol=1e-4)
    assert torch.equal(DomainHead(weight, ids).logits(hidden), exact)  # float32 unless asked


@pytest.mark.parametrize(
    "setting, how, native_bf16, fbgemm, body",
    [
        ("auto", "none", True, True, "bfloat16"),  # AVX512-BF16 / AMX
        ("auto", "none", False, True, "float16"),  # AVX2 x86: float16 weights, float32 sums
        ("auto", "none", False, False, "float32"),  # no fbgemm (ARM builds)
        ("float16", "none", True, False, "float32"),  # asked for, but this torch cannot
        ("float32", "none", True, True, "float32"),
        ("auto", "int8-dynamic", True, True, "float32"),  # torch's dynamic int8 takes float32 only
    ],
)
def test_the_body_dtype_follows_the_cpu(monkeypatch, setting, how, native_bf16, fbgemm, body):
    monkeypatch.setattr(loading, "cpu_has_bf16", lambda: native_bf16)
    monkeypatch.setattr(fp16_weights, "available", lambda: fbgemm)
    assert loading.body_dtype(setting, how) == body
