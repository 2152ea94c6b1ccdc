"""The in-place KV cache against transformers' DynamicCache on a tiny random Gemma 3: chunked
prefill, decoding past the sliding window, rows leaving the batch."""

import pytest
import torch
from helpers import tiny_gemma
from transformers import DynamicCache

from syngen.backends.kv_cache import InPlaceLayer, InPlaceSlidingLayer, in_place_cache


@pytest.fixture(scope="module")
def tiny():
    return tiny_gemma(
        num_hidden_layers=4,
        sliding_window=6,
        layer_types=["sliding_attention", "sliding_attention", "sliding_attention", "full_attention"],
    )


def _hidden_states(model, cache):
    """Chunked prefill of a left-padded batch of 3, then 20 decode steps; row 1 leaves after 8."""
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, 50, (3, 11), generator=g)
    mask = torch.ones(3, 11, dtype=torch.long)
    mask[0, :3] = 0
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    out, rows = [], [0, 1, 2]
    with torch.inference_mode():
        for a in range(0, 11, 4):
            h = model.model(
                input_ids=ids[:, a : a + 4],
                attention_mask=mask[:, : a + 4],
                position_ids=pos[:, a : a + 4],
                past_key_values=cache,
                use_cache=True,
            ).last_hidden_state
        out.append(h)
        nxt, p = ids[:, -1:], pos[:, -1:] + 1
        for step in range(20):
            if step == 8:
                keep = torch.tensor([0, 2])
                cache.batch_select_indices(keep)
                mask, nxt, p, rows = mask[keep], nxt[keep], p[keep], [0, 2]
            mask = torch.cat([mask, mask.new_ones(len(rows), 1)], dim=1)
            h = model.model(
                input_ids=nxt, attention_mask=mask, position_ids=p, past_key_values=cache, use_cache=True
            ).last_hidden_state
            out.append(h)
            nxt, p = (h[:, -1].sum(-1).abs() * 7).long()[:, None] % 50, p + 1
    return out


def test_in_place_cache_gives_dynamic_caches_states(tiny):
    cache = in_place_cache(tiny.config)
    kinds = [type(layer) for layer in cache.layers]
    assert kinds == [InPlaceSlidingLayer] * 3 + [InPlaceLayer]
    ours, theirs = _hidden_states(tiny, cache), _hidden_states(tiny, DynamicCache(config=tiny.config))
    assert len(ours) == len(theirs) == 21
    for a, b in zip(ours, theirs):
        assert torch.equal(a, b)
    # the sliding layers keep window - 1 tokens; the full layer keeps all 11 + 20
    assert cache.layers[0].keys.shape[-2] == 5 and cache.layers[3].keys.shape[-2] == 31
    assert cache.get_seq_length() == 31 and cache.layers[0].keys.shape[0] == 2


def test_appending_does_not_copy_the_cache_each_step(tiny):
    cache = in_place_cache(tiny.config)
    _hidden_states(tiny, cache)
    layer = cache.layers[3]
    buffer = layer._k
    k = torch.zeros(2, 1, 1, 8)
    with torch.inference_mode():
        layer.update(k, k)
    assert layer._k is buffer  # written into the spare room, not reallocated
    assert layer.keys.data_ptr() == buffer.data_ptr() + layer._lo * buffer.stride(2) * buffer.element_size()
