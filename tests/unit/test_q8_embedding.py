"""The GGUF token table read row by row (Q8_0): the rows transformers would dequantise, read only
when needed, and a clear error for a cut file. A tiny GGUF written with gguf's own writer."""

import numpy as np
import pytest
import torch
from gguf import GGMLQuantizationType, GGUFWriter
from gguf.quants import dequantize, quantize
from helpers import tiny_gemma

from syngen.engine.decode import DomainHead
from syngen.engine.q8_embedding import Q8Embedding, keep_head_float32, q8_table, use_q8_embedding


def _gguf(path, rows=300, width=64, kind=GGMLQuantizationType.Q8_0):
    data = np.random.default_rng(0).normal(size=(rows, width)).astype(np.float32)
    w = GGUFWriter(str(path), "gemma3")
    raw = quantize(data, kind) if kind != GGMLQuantizationType.F32 else data
    w.add_tensor("token_embd.weight", raw, raw_dtype=kind)
    w.add_tensor("other.weight", np.ones((4, 32), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return dequantize(raw, kind) if kind != GGMLQuantizationType.F32 else data


def test_rows_are_the_dequantised_table_and_are_read_once(tmp_path):
    path = tmp_path / "m.gguf"
    full = torch.from_numpy(_gguf(path))
    note = tmp_path / "q8_table.json"
    offset, shape = q8_table(path, note)
    assert shape == (300, 64) and note.exists()
    assert q8_table(path, note) == (offset, shape)  # from the note, without parsing the GGUF
    e = Q8Embedding(path, offset, shape, multiplier=2.0)
    ids = torch.tensor([[5, 6, 7, 299], [0, 6, 150, 151]])
    assert torch.equal(e.rows(ids), full[ids])
    assert torch.equal(e(ids), full[ids] * 2.0)
    assert len(e.table) == 7  # only the distinct rows asked for are held
    e.rows(torch.tensor([7, 5]))
    assert len(e.table) == 7


def test_a_domain_head_reads_its_rows_without_keeping_a_second_copy(tmp_path, monkeypatch):
    monkeypatch.setattr("syngen.engine.q8_embedding.READ_ROWS", 2)  # 5 rows: read in 3 chunks
    path = tmp_path / "m.gguf"
    full = torch.from_numpy(_gguf(path))
    e = Q8Embedding(path, *q8_table(path))
    e.rows(torch.tensor([1, 2]))  # a prompt's tokens: the table's own cache
    head = DomainHead(e, torch.tensor([2, 5, 6, 7, 299]))
    assert len(e.table) == 2  # the head's rows live in the head alone
    hidden = torch.randn(3, 64)
    wider = head.plus(e, torch.tensor([[299, 1], [40, 5]]))  # a batch's prompt ids: 1 and 40 are new
    assert wider.size == 7 and wider.parts[0] is head.parts[0]  # the domain's rows are shared, not copied
    ids = wider.token_ids(torch.arange(7))
    assert sorted(ids.tolist()) == [1, 2, 5, 6, 7, 40, 299]
    assert torch.allclose(wider.logits(hidden), hidden @ full[ids].T)
    assert head.plus(e, torch.tensor([5, 7])) is head  # nothing new: the same head


def test_other_formats_are_left_alone_and_a_cut_file_says_so(tmp_path):
    f32 = tmp_path / "f32.gguf"
    _gguf(f32, kind=GGMLQuantizationType.F32)
    assert q8_table(f32, tmp_path / "note.json") is None
    assert q8_table(f32, tmp_path / "note.json") is None  # the negative answer is remembered too
    path = tmp_path / "m.gguf"
    _gguf(path)
    offset, shape = q8_table(path)
    path.write_bytes(path.read_bytes()[: offset + 100 * 68])  # rows 100 and later are gone (68 bytes a row)
    e = Q8Embedding(path, offset, shape)
    assert e.rows(torch.tensor([3])).shape == (1, 64)
    with pytest.raises(OSError, match="cut short"):
        e.rows(torch.tensor([200]))


def test_on_bf16_hosts_the_body_goes_to_bfloat16_and_the_head_stays_the_float32_table(tmp_path):
    """Converting the whole model read (and copied) all of the head's 262k rows; with the Q8 table
    only the body is converted and the head casts what it is given."""
    path = tmp_path / "m.gguf"
    table = torch.from_numpy(_gguf(path, rows=300, width=64))
    model = tiny_gemma(vocab_size=300, hidden_size=64, intermediate_size=64)
    head = model.get_output_embeddings().weight  # tied: the embedding, here the GGUF's table
    head.data.copy_(table)
    before = head.data_ptr()
    assert use_q8_embedding(model, path, dtype=torch.bfloat16)
    keep_head_float32(model)
    model.base_model.to(torch.bfloat16)
    assert head.dtype == torch.float32 and head.data_ptr() == before  # not read, not copied
    assert {p.dtype for n, p in model.base_model.named_parameters()} == {torch.bfloat16}
    ids = torch.tensor([[5, 6, 7, 299]])
    with torch.inference_mode():
        logits = model(input_ids=ids).logits  # the whole head (transformers' generate path)
        hidden = model.base_model(input_ids=ids).last_hidden_state[:, -1]
    assert hidden.dtype == torch.bfloat16 and logits.dtype == torch.float32 and torch.isfinite(logits).all()
    whole = DomainHead(head).logits(hidden)  # --option vocab=full
    assert torch.allclose(whole, logits[:, -1], atol=1e-3)
    domain = DomainHead(model.get_input_embeddings(), torch.tensor([5, 6, 299])).logits(hidden)
    assert domain.dtype == torch.float32 and torch.allclose(whole[:, [5, 6, 299]], domain)
    # without the Q8 table the head is untied from the embedding: the embedding alone is converted
    tied = tiny_gemma(vocab_size=300, hidden_size=64, intermediate_size=64)  # the same weights
    tied.get_output_embeddings().weight.data.copy_(table)
    keep_head_float32(tied)
    tied.base_model.to(torch.bfloat16)
    assert tied.get_output_embeddings().weight.dtype == torch.float32
    assert tied.get_input_embeddings().weight.dtype == torch.bfloat16
    with torch.inference_mode():
        same = tied.base_model(input_ids=ids).last_hidden_state[:, -1]
    assert torch.equal(same, hidden)  # the Q8 table feeds the body what the converted table does
    rows = DomainHead(tied.get_output_embeddings().weight, torch.tensor([5, 6, 299]))
    assert torch.equal(rows.logits(same), domain)
