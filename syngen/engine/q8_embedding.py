"""The embedded model's token table, read from the GGUF one row at a time as rows are needed.

Gemma 3 270M's tied embedding is 262,144 x 640: 671 MB dequantised to float32. A run needs a
sixth of its rows (the prompts' tokens and the domain head's), but the decode loop touched them
scattered over a mapped file, so the kernel mapped in far more than those rows. The GGUF stores
the table as Q8_0 (per block of 32 values: a float16 scale and 32 int8s; 680 bytes a row), so a
row is one small file read and its dequantised values are exactly the float32 transformers loads.
The table keeps the rows a run embeds (its prompts' and written tokens, a few thousand); the
domain head reads its own rows once (`read`, ~45,000 for the drug reviews: 114 MB) and keeps them
itself, so no row is held twice. Imported when the model loads.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import torch

BLOCK = 32  # values per Q8_0 block
RECORD = 2 + BLOCK  # bytes per block: a float16 scale, then 32 int8 values
READ_ROWS = 4096  # rows dequantised at a time


class Q8Embedding(torch.nn.Module):
    """A drop-in for the model's input embedding (`embed_tokens`) over a Q8_0 tensor in a GGUF;
    `rows(ids)` also gives the domain head its rows (the head is tied to this table)."""

    def __init__(self, gguf: Path, offset: int, shape: tuple[int, int], multiplier=1.0, dtype=torch.float32):
        super().__init__()
        self.gguf, self.offset = Path(gguf), offset
        self.num_embeddings, self.embedding_dim = shape
        # Gemma scales its embeddings by sqrt(hidden size), in the weights' dtype; made once, not per step
        self.multiplier = torch.tensor(multiplier, dtype=dtype)
        self.dtype = dtype  # the body's: bfloat16 on hosts with native bf16
        self.slot = torch.full((self.num_embeddings,), -1, dtype=torch.long)  # token id -> row of `table`
        # exact float32 rows: the head scores with them in float32 on every host (keep_head_float32)
        self.table = torch.empty(0, self.embedding_dim)
        self._lock = threading.Lock()  # the app may run two generations on one loaded model

    def read(self, ids):
        """Dequantised float32 rows for a tensor of sorted, distinct token ids, read from
        the file, one read per run of neighbours, and not kept in this table's cache. Filled in
        chunks: dequantising ~45,000 rows at once held three copies of them (peak RSS +120 MB)."""
        import numpy as np

        ids = ids.tolist()
        out = torch.empty(len(ids), self.embedding_dim)
        with open(self.gguf, "rb") as f:
            for a in range(0, len(ids), READ_ROWS):
                blocks = np.frombuffer(self._raw(f, ids[a : a + READ_ROWS]), dtype=np.uint8).reshape(-1, RECORD)
                values = torch.from_numpy(blocks[:, 2:].copy().view(np.int8))
                scales = torch.from_numpy(blocks[:, :2].copy().view(np.float16))
                torch.mul(values, scales.float(), out=out[a : a + READ_ROWS].view(-1, BLOCK))
        return out

    def _raw(self, f, ids: list[int]) -> bytearray:
        """The Q8_0 records of sorted, distinct ids, one read per run of neighbours."""
        row = self.embedding_dim // BLOCK * RECORD
        raw, start = bytearray(), 0
        for i in range(1, len(ids) + 1):
            if i == len(ids) or ids[i] != ids[i - 1] + 1:
                n = i - start
                got = os.pread(f.fileno(), n * row, self.offset + ids[start] * row)
                if len(got) != n * row:
                    raise OSError(
                        f"{self.gguf}: the file is cut short (its token table ends early); get the model file again"
                    )
                raw += got
                start = i
        return raw

    def rows(self, ids):
        """Rows of the table for a tensor of token ids (any shape), read on first use."""
        flat = ids.reshape(-1)
        if bool((self.slot[flat] < 0).any()):
            with self._lock:
                missing = torch.unique(flat[self.slot[flat] < 0])
                if len(missing):  # the table grows before the slots point into it: readers need no lock
                    at = len(self.table)
                    self.table = torch.cat([self.table, self.read(missing)])
                    self.slot[missing] = torch.arange(len(missing)) + at
        return self.table[self.slot[ids]]

    def forward(self, input_ids):
        return self.rows(input_ids).to(self.dtype) * self.multiplier  # as Gemma's own: rounded, then scaled


def q8_table(gguf: Path, note: Path | None = None, name: str = "token_embd.weight"):
    """(data offset, (rows, width)) of a Q8_0 tensor in a GGUF; None if it has none (or another
    format). gguf's reader takes ~20 s and ~500 MB here (it makes an array per vocabulary entry),
    so the answer is kept in `note` (a JSON file next to the dequantised weights) and read once."""
    import json

    if note is not None and note.exists():
        found = json.loads(note.read_text())
        return None if found is None else (found["offset"], tuple(found["shape"]))
    from gguf import GGMLQuantizationType, GGUFReader

    info = next((t for t in GGUFReader(str(gguf)).tensors if t.name == name), None)
    found = None
    if info is not None and info.tensor_type == GGMLQuantizationType.Q8_0:
        width, rows = (int(x) for x in info.shape[:2])  # GGUF lists the contiguous axis first
        found = (int(info.data_offset), (rows, width))
    if note is not None and note.parent.exists():
        try:
            note.write_text(json.dumps(None if found is None else {"offset": found[0], "shape": found[1]}))
        except OSError:  # a read-only cache: the next load asks gguf again, nothing worse
            pass
    return found


def use_q8_embedding(model, gguf: Path, note: Path | None = None, dtype=None) -> bool:
    """Swap the model's dequantised input embedding for rows read from the GGUF as needed, in
    `dtype` (default: the embedding's). The output head keeps its tied float32 weight (a mapped
    file: pages load only if a caller scores the whole vocabulary). True if swapped."""
    embedding = model.get_input_embeddings()
    found = q8_table(gguf, note)
    if found is None or found[1] != tuple(embedding.weight.shape):
        return False
    multiplier = float(getattr(embedding, "embed_scale", 1.0))
    table = Q8Embedding(gguf, *found, multiplier=multiplier, dtype=dtype or embedding.weight.dtype)
    model.set_input_embeddings(table)
    return True


def keep_head_float32(model) -> None:
    """Before the decoder body goes to bfloat16: the output head stays the mapped float32 table and
    casts what it is given, so every way of scoring (the whole head, the domain head's rows from
    the Q8 table or from the head) gives the same float32 logits, as on float32 hosts. Converting
    the whole 262k-row head read all 671 MB of it and kept a 335 MB copy that a run with the Q8
    table never uses (peak RSS of `syngen generate -n 4` 2378 MB, now 1486: bench/embedded/
    --only rss). A head still tied to the embedding is untied: the embedding alone is converted."""
    import torch

    head = model.get_output_embeddings()
    if head.weight is getattr(model.get_input_embeddings(), "weight", None):
        head.weight = torch.nn.Parameter(head.weight.detach(), requires_grad=False)  # same storage
    head.register_forward_pre_hook(lambda module, args: (args[0].to(module.weight.dtype), *args[1:]))
