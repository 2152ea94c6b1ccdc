"""A lean decode loop for the embedded model.

Decoding on a CPU is memory-bound, and for a small model most of each step is the output head:
Gemma 3 270M scores 262,144 tokens per step with a 262k x 640 matrix (168M of its 268M weights).
A seed table's text uses a few thousand of them. So the loop below:
- scores only a domain vocabulary (the seed's tokens, the prompts' tokens, an English core and the
  special tokens), a row slice of the head taken once per (model, domain), and maps sampled
  positions back to token ids (`DomainHead`);
- samples (temperature, top-k, top-p, in transformers' order) over those logits only;
- lets a finished sequence leave the batch (its KV cache rows are dropped), so the batch gets
  cheaper as rows finish instead of idling until the longest one ends;
- reads each prompt alone, without the batch's padding, in chunks, so a cancel is seen within
  about a second even during prefill;
- appends each token to the KV cache in place instead of copying the cache (`kv_cache.py`).
bench/embedded/ measures each of these against `model.generate`.
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Iterable

CORE_IDS = 8000  # SentencePiece ids follow merge order, roughly frequency: the first ones are the commonest pieces
# Beyond them, lowercase whole words ("▁tumor", "▁homework") below WORD_IDS and lowercase pieces
# ("opian", "actic") below PIECE_IDS: 44,572 ids with the drug reviews' own. Measured on 8,342 tokens
# sampled with the whole head (6 prompt draws): 0.20% fall outside, against 0.91% with the first
# 8,000 ids alone and 0.05% with every whole word (66,435 ids, but batch-1 decode 9% slower).
WORD, WORD_IDS = re.compile(r"▁[a-z]+"), 128_000
PIECE, PIECE_IDS = re.compile(r"[a-z]+"), 32_000
PACK_ROWS = 16_384  # float16 head rows packed per block: a 42 MB float32 block at a time, 3 blocks a step
PREFILL_TOKENS = 256  # tokens (all sequences together) per prefill chunk: ~0.5 s on 2 cores, no slower overall


@functools.lru_cache(maxsize=4)
def english_core(tok) -> frozenset:
    """The ids a run may need in any English text, whatever the seed: the first CORE_IDS ids
    (common words, punctuation, digits, byte fallbacks) and the commoner lowercase words and
    pieces. Without them, 0.4-1.6% of the tokens a drug-review run sampled with the whole head
    were ordinary words its seed never used ("diabetes", "homework")."""
    vocab = tok.convert_ids_to_tokens(list(range(len(tok))))
    keep = set(range(min(CORE_IDS, len(vocab))))
    for i, t in enumerate(vocab):
        if t and ((i < WORD_IDS and WORD.fullmatch(t)) or (i < PIECE_IDS and PIECE.fullmatch(t))):
            keep.add(i)
    return frozenset(keep)


def domain_ids(tok, texts: Iterable[str], prompt_ids=None, english: bool = True):
    """Sorted token ids a domain's text can need: the texts' tokens (with and without a leading
    space), the English core (else only the first CORE_IDS ids) and the special tokens."""
    import torch

    keep = set(english_core(tok)) if english else set(range(min(CORE_IDS, len(tok))))
    keep.update(tok.all_special_ids)
    texts = [t for t in {str(x) for x in texts} if t.strip()]
    for i in range(0, len(texts), 512):
        chunk = texts[i : i + 512]
        for enc in (tok(chunk, add_special_tokens=False), tok([" " + t for t in chunk], add_special_tokens=False)):
            for ids in enc["input_ids"]:
                keep.update(ids)
    if prompt_ids is not None:
        keep.update(prompt_ids)
    return torch.tensor(sorted(keep), dtype=torch.long)


class DomainHead:
    """The output head restricted to `ids` (None: the whole vocabulary). `weight`: the head's
    matrix, or the Q8 embedding, whose `read(ids)` gives float32 rows without keeping them in its
    own cache (the head's rows would otherwise be held twice). With `fp16`, the rows are kept as
    float16 and scored with float32 sums (fp16_weights.py): half the bytes read per step, and
    3.8x faster at batch 8 than a float32 product in a probe on 44,572 rows."""

    def __init__(self, weight, ids=None, fp16: bool = False):
        self.ids, self.fp16 = ids, fp16
        self.parts = [weight if ids is None else _rows(weight, ids, fp16)]

    def plus(self, weight, ids) -> DomainHead:
        """This head and the rows of those `ids` it lacks, as a second part: a batch's own prompt
        tokens join a domain head read once per (model, seed) without copying its rows."""
        import torch

        if self.ids is None:
            return self
        new = torch.unique(ids.flatten())
        new = new[~torch.isin(new, self.ids)]
        if not len(new):
            return self
        head = DomainHead.__new__(DomainHead)
        head.ids, head.fp16 = torch.cat([self.ids, new]), self.fp16
        head.parts = [*self.parts, _rows(weight, new, self.fp16)]
        return head

    @property
    def size(self) -> int:
        return sum(w.shape[0] for w in self.parts)

    def logits(self, hidden):
        import torch

        from syngen.engine.fp16_weights import times

        parts = [times(hidden, w) for w in self.parts]  # float32 logits: the head stays float32 on bf16 hosts
        return parts[0] if len(parts) == 1 else torch.cat(parts, -1)

    def token_ids(self, positions):
        return positions if self.ids is None else self.ids[positions]


def _rows(weight, ids, fp16: bool = False):
    """Rows `ids` (sorted, distinct) of a head matrix or of the Q8 table, as one new matrix
    (packed as float16 with `fp16`, where torch can, PACK_ROWS rows at a time)."""
    from syngen.engine.fp16_weights import Fp16Matrix, available

    def read(some):
        return weight.read(some) if hasattr(weight, "read") else weight.index_select(0, some).contiguous()

    return Fp16Matrix(read(some) for some in ids.split(PACK_ROWS)) if fp16 and available() else read(ids)


def sample(logits, temperature: float, top_k: int, top_p: float, generator):
    """Positions drawn from `logits` (batch x vocab) the way transformers' sampling does it:
    temperature, then top-k, then top-p; greedy at temperature 0."""
    import torch

    if temperature <= 0:
        return logits.argmax(-1)
    logits = logits.float() / temperature
    if top_k and top_k < logits.shape[-1]:
        values, index = logits.topk(top_k, dim=-1)  # sorted, largest first
    else:
        values, index = logits.sort(dim=-1, descending=True)
    probs = values.softmax(-1)
    if top_p < 1.0:
        drop = probs.cumsum(-1) - probs > top_p  # keep the smallest prefix whose mass reaches top_p
        probs = probs.masked_fill(drop, 0.0)
    choice = torch.multinomial(probs, 1, generator=generator)
    return index.gather(-1, choice).squeeze(-1)


def decode(
    model,
    head: DomainHead,
    input_ids,
    attention_mask,
    *,
    max_new_tokens: int,
    done: Callable[[int, list[int]], bool],
    on_done: Callable[[int, list[int], str], None],
    should_stop: Callable[[], bool],
    on_step: Callable[[int, int], None] = lambda tokens, sequences: None,
    on_read: Callable[[float], None] = lambda share: None,
    steer: Callable[[int, int], list[int] | None] | None = None,
    temperature: float = 0.0,
    top_k: int = 0,
    top_p: float = 1.0,
    random_seed: int = 0,
    kv: str = "inplace",
    kv_dtype=None,
) -> None:
    """Generate for a left-padded batch. `done(i, new_ids)` says when sequence i has what it
    needs; `on_done(i, new_ids, reason)` gets each sequence once ("stop" or "length"), unless
    `should_stop()` ends the batch first (cancel, or the caller has all it needs). `kv`: "inplace"
    (syngen/engine/kv_cache.py; keys and values kept in `kv_dtype` if given) or "dynamic"
    (transformers' DynamicCache). `on_read(share)` after each prefill chunk, `on_step(tokens,
    sequences)` after each decode step. `steer(i, token)`, if given, may replace the token just
    sampled for sequence i with some it must write instead (the first replaces it, the rest are fed
    in the next steps): a row's next `column:` key after a line break."""
    import torch
    from transformers import DynamicCache

    from syngen.engine.kv_cache import attend_in_cache_dtype, in_place_cache

    body = model.base_model  # the decoder without its head
    gen = torch.Generator().manual_seed(random_seed)
    mask = attention_mask
    if kv == "inplace" and kv_dtype is not None:
        attend_in_cache_dtype(model)

    def new_cache():
        return in_place_cache(model.config, kv_dtype) if kv == "inplace" else DynamicCache(config=model.config)

    read = read_prompts(body, input_ids, mask, new_cache, should_stop, on_read)
    if read is None:
        return
    cache, hidden = read
    b = input_ids.shape[0]
    alive = list(range(b))  # original index of each row still in the batch
    new: list[list[int]] = [[] for _ in range(b)]
    forced: list[list[int]] = [[] for _ in range(b)]  # tokens each sequence must write next
    next_pos = mask.sum(-1)  # each row's next position: its prompt's length
    total = 0
    for _ in range(max_new_tokens):
        if should_stop():
            return
        tokens = head.token_ids(sample(head.logits(hidden), temperature, top_k, top_p, gen)).tolist()
        keep = []
        for j, (i, t) in enumerate(zip(alive, tokens)):
            if forced[i]:
                t = forced[i].pop(0)
            elif steer is not None and (instead := steer(i, t)):
                t, forced[i] = instead[0], list(instead[1:])
            tokens[j] = t
            new[i].append(t)
            if done(i, new[i]):
                on_done(i, new[i], "stop")
            else:
                keep.append(j)
        total += len(alive)
        on_step(total, len(alive))
        if not keep:
            return
        tokens = torch.tensor(tokens)
        if len(keep) < len(alive):  # finished rows leave the batch and its cache
            index = torch.tensor(keep)
            cache.batch_select_indices(index)
            mask, next_pos, tokens = mask[index], next_pos[index], tokens[index]
            alive = [alive[j] for j in keep]
        mask = torch.cat([mask, mask.new_ones(len(alive), 1)], dim=1)
        out = body(
            input_ids=tokens[:, None],
            attention_mask=mask,
            position_ids=next_pos[:, None],
            past_key_values=cache,
            use_cache=True,
        )
        hidden = out.last_hidden_state[:, -1]
        next_pos = next_pos + 1
    for i in alive:
        on_done(i, new[i], "length")


def read_prompts(body, input_ids, attention_mask, new_cache, should_stop, on_read):
    """Read a left-padded batch's prompts one by one without their padding, PREFILL_TOKENS at a
    time (a cancel waits for one chunk), and stack the rows' caches as the batch's (`stack_rows`).
    A batch of conditional prompts is ~17% padding, which a batched read computes and then masks;
    read alone, they were read 1.12x faster (bench/embedded/reading.py). Returns (cache,
    each row's last hidden state), or None if `should_stop()` said so."""
    import torch

    from syngen.engine.kv_cache import held_states, stack_rows

    lengths = attention_mask.sum(-1).tolist()
    total, done, rows, last = sum(lengths), 0, [], []
    for i, n in enumerate(lengths):
        ids, cache = input_ids[i : i + 1, input_ids.shape[1] - n :], new_cache()
        for a in range(0, n, PREFILL_TOKENS):
            if should_stop():
                return None
            chunk = ids[:, a : a + PREFILL_TOKENS]
            end = a + chunk.shape[1]
            out = body(
                input_ids=chunk,
                attention_mask=torch.ones(1, end, dtype=attention_mask.dtype),
                position_ids=torch.arange(a, end)[None],
                past_key_values=cache,
                use_cache=True,
            )
            done += chunk.shape[1]
            if done < total:
                on_read(done / total)
        rows.append(held_states(cache))
        last.append(out.last_hidden_state[:, -1])
    cache = stack_rows(rows, new_cache(), input_ids.shape[1])
    on_read(1.0)  # read: the stacking (~0.1 s at batch 8) is part of it
    return cache, torch.cat(last)
