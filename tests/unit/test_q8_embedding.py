"""The GGUF token table read row by row (Q8_0): the rows transformers would dequantise, read only
when needed, and a clear error for a cut file. A tiny GGUF written with gguf's own writer."""

import numpy as np
import pytest
import torch
from gguf import GGMLQuantizationType, GGUFWriter
from gguf.quants import dequantize, quantize

from syngen.backends.q8_embedding import Q8Embedding, q8_table


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
