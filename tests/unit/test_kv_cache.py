"""The in-place KV cache against transformers' DynamicCache on a tiny random Gemma 3: chunked
prefill, decoding past the sliding window, rows leaving the batch."""

import pytest
import torch
from helpers import tiny_gemma
from transformers import DynamicCache

from syngen.engine.kv_cache import ATTENTION, InPlaceLayer, InPlaceSlidingLayer, attend_in_cache_dtype, in_place_cache


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


def _decode_after(model, cache, hidden, ids, mask, steps=10):
    """`hidden` (the prefill's last states) and `steps` decode steps on fixed tokens after it."""
    out, p = [hidden], mask.sum(-1, keepdim=True)
    with torch.inference_mode():
        for i in range(steps):
            mask = torch.cat([mask, mask.new_ones(len(mask), 1)], dim=1)
            h = model.model(input_ids=ids[:, i : i + 1], attention_mask=mask, position_ids=p, past_key_values=cache)
            out.append(h.last_hidden_state[:, -1])
            p = p + 1
    return torch.stack(out)


def _forced_states(model, cache, steps=12):
    """Prefill of a left-padded batch of 2, then `steps` decode steps on fixed tokens."""
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(1, 50, (2, 9 + steps), generator=g)
    mask = torch.ones(2, 9, dtype=torch.long)
    mask[1, :2] = 0
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    with torch.inference_mode():
        h = model.model(input_ids=ids[:, :9], attention_mask=mask, position_ids=pos, past_key_values=cache)
    return _decode_after(model, cache, h.last_hidden_state[:, -1], ids[:, 9:], mask, steps)


def test_a_bfloat16_cache_keeps_half_the_bytes_and_the_states_close():
    model = tiny_gemma(
        num_hidden_layers=4,
        sliding_window=6,
        layer_types=["sliding_attention", "sliding_attention", "sliding_attention", "full_attention"],
    )
    exact = _forced_states(model, DynamicCache(config=model.config))
    attend_in_cache_dtype(model)
    assert model.config._attn_implementation == ATTENTION
    assert torch.equal(_forced_states(model, in_place_cache(model.config)), exact)  # float32 cache: as before
    cache = in_place_cache(model.config, torch.bfloat16)
    rounded = _forced_states(model, cache)
    assert {layer.keys.dtype for layer in cache.layers} == {torch.bfloat16}
    assert rounded.dtype == torch.float32  # the activations stay float32; only the cache is rounded
    assert not torch.equal(rounded, exact)
    torch.testing.assert_close(rounded, exact, rtol=0, atol=0.05 * exact.abs().max().item())


def test_the_cache_keeps_bfloat16_under_a_float16_body_only(monkeypatch):
    from syngen.engine import fp16_weights, loading

    monkeypatch.setattr(fp16_weights, "available", lambda: True)
    monkeypatch.setattr(loading, "cpu_has_bf16", lambda: False)
    s = {"dtype": "auto", "quantize": "none", "kv_dtype": "auto"}
    assert loading.kv_dtype(s) == torch.bfloat16  # auto on an AVX2 host: a float16 body
    assert loading.kv_dtype({**s, "dtype": "float32"}) is None
    assert loading.kv_dtype({**s, "kv_dtype": "activations"}) is None
    assert loading.kv_dtype({**s, "dtype": "float32", "kv_dtype": "bfloat16"}) == torch.bfloat16
    monkeypatch.setattr(loading, "cpu_has_bf16", lambda: True)
    assert loading.kv_dtype(s) is None  # a bfloat16 body's activations are bfloat16 already


def test_prompts_read_alone_and_stacked_decode_as_the_padded_batch(tiny, monkeypatch):
    """Rows of 11, 8 and 4 tokens (the last shorter than the sliding window), read one by one in
    chunks of 4 without their padding: the batch then decodes as a batched padded prefill's."""
    from syngen.engine import decode

    monkeypatch.setattr(decode, "PREFILL_TOKENS", 4)
    g = torch.Generator().manual_seed(3)
    ids, steps = torch.randint(1, 50, (3, 11), generator=g), torch.randint(1, 50, (3, 10), generator=g)
    mask = torch.ones(3, 11, dtype=torch.long)
    mask[1, :3] = mask[2, :7] = 0
    with torch.inference_mode():
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        cache = DynamicCache(config=tiny.config)
        h = tiny.model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache).last_hidden_state
    padded = _decode_after(tiny, cache, h[:, -1], steps, mask)
    for new_cache in (lambda: in_place_cache(tiny.config), lambda: DynamicCache(config=tiny.config)):
        shares = []
        with torch.inference_mode():
            cache, hidden = decode.read_prompts(tiny.model, ids, mask, new_cache, lambda: False, shares.append)
        assert shares == [4 / 23, 8 / 23, 11 / 23, 15 / 23, 19 / 23, 1.0]  # 23 tokens, no padding
        assert cache.get_seq_length() == 11 and cache.layers[0].keys.shape[-2] == 5  # the window - 1
        torch.testing.assert_close(_decode_after(tiny, cache, hidden, steps, mask), padded, rtol=0, atol=1e-5)
    with torch.inference_mode():  # a cancel before the first chunk reads nothing
        assert decode.read_prompts(tiny.model, ids, mask, new_cache, lambda: True, shares.append) is None
