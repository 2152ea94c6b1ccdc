"""A KV cache that appends in place.

transformers' DynamicCache appends each decoded token with `torch.cat`, which copies the layer's
whole cache on every step: with 800-token conditional prompts at batch 8 that was ~15% of a
decode step here (bench/embedded/steps.py). These layers keep keys and values in a buffer
with spare room and write the new token into it; a full buffer is reallocated at twice the size
(full attention) or compacted to the window (sliding layers), so the copying is amortised to about
one token per step. What the attention sees is the same tensors as DynamicCache's.

With a `dtype` the cache stores keys and values in it: bfloat16 under a float16 body, whose
activations are float32, halves the bytes the attention reads per step over ~800-token prompts
(a batch-8 step's attention ran ~2x faster in a probe of the 18 layers). The attention then runs
in the cache's dtype (`attend_in_cache_dtype`), as it does on a bfloat16 body.
"""

from __future__ import annotations

import functools

from transformers.cache_utils import DynamicCache, DynamicLayer, DynamicSlidingWindowLayer

ATTENTION = "syngen_sdpa"  # transformers' SDPA, with queries cast to the keys' dtype


class _InPlace:
    """Mixin over a DynamicLayer class: `keys`/`values` are views of a buffer [batch, heads, room, dim]."""

    store = None  # the dtype keys and values are kept in (None: as they come)

    def lazy_initialization(self, key_states, value_states) -> None:
        self.dtype, self.device = self.store or key_states.dtype, key_states.device
        self._k = self._v = None
        self._lo = self._hi = 0  # the stored tokens are buffer[:, :, lo:hi]
        self.is_initialized = True

    def _make_room(self, incoming) -> None:
        held, n = self._hi - self._lo, incoming.shape[-2]
        if self._k is not None and self._hi + n <= self._k.shape[-2]:
            return
        b, h, _, d = incoming.shape
        for name in ("_k", "_v"):
            old = getattr(self, name)
            new = incoming.new_empty((b, h, 2 * (held + n) + 64, d))
            if old is not None and held:
                new[:, :, :held] = old[:, :, self._lo : self._hi]
            setattr(self, name, new)
        self._lo, self._hi = 0, held

    def update(self, key_states, value_states, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        key_states, value_states = key_states.to(self.dtype), value_states.to(self.dtype)
        n = key_states.shape[-2]
        if hasattr(self, "cumulative_length"):
            self.cumulative_length += n
        self._make_room(key_states)
        end = self._hi + n
        self._k[:, :, self._hi : end] = key_states
        self._v[:, :, self._hi : end] = value_states
        full_k, full_v = self._k[:, :, self._lo : end], self._v[:, :, self._lo : end]
        self._hi = end
        if self.is_sliding:  # keep the last window - 1 tokens, as DynamicSlidingWindowLayer does
            self._lo = max(self._lo, end - (self.sliding_window - 1))
        self.keys, self.values = self._k[:, :, self._lo : self._hi], self._v[:, :, self._lo : self._hi]
        return full_k, full_v

    def batch_select_indices(self, indices) -> None:
        if self.is_initialized and self._k is not None:
            self._k, self._v = self._k[indices], self._v[indices]
            self.keys, self.values = self._k[:, :, self._lo : self._hi], self._v[:, :, self._lo : self._hi]

    def crop(self, tokens_to_remove: int) -> None:
        raise NotImplementedError("syngen's in-place KV cache is only appended to")


class InPlaceLayer(_InPlace, DynamicLayer):
    """A full-attention layer."""


class InPlaceSlidingLayer(_InPlace, DynamicSlidingWindowLayer):
    """A sliding-window layer: keeps the last `sliding_window - 1` tokens."""


def in_place_cache(config, dtype=None) -> DynamicCache:
    """A DynamicCache for `config` whose layers append in place, keeping keys and values in
    `dtype` (None: as they come)."""
    cache = DynamicCache(config=config)
    cache.layers = [
        InPlaceSlidingLayer(sliding_window=layer.sliding_window)
        if isinstance(layer, DynamicSlidingWindowLayer)
        else InPlaceLayer()
        if type(layer) is DynamicLayer
        else layer  # a layer kind this file does not know keeps transformers' own behaviour
        for layer in cache.layers
    ]
    for layer in cache.layers:
        if isinstance(layer, _InPlace):
            layer.store = dtype
    return cache


def held_states(cache) -> list:
    """Each layer's (keys, values) in tensors of their own size: a cache appended in place keeps
    spare room (up to twice what it holds), which a batch's prompts read one by one need not all
    keep at once."""
    return [(layer.keys.clone(), layer.values.clone()) for layer in cache.layers]


def stack_rows(rows: list, into: DynamicCache, length: int) -> DynamicCache:
    """`into` (an empty cache of the rows' layout) holding one-row caches' `held_states` as one
    batch, each row right-aligned and its left padding zeros, as a left-padded batch of `length`
    columns would hold them after a batched prefill (the padding is masked either way). Each
    row's layer is dropped once it is copied, so the rows and the batch are not both held whole."""
    import torch
    import torch.nn.functional as F

    for n, layer in enumerate(into.layers):
        parts = [row[n] for row in rows]
        for row in rows:
            row[n] = None
        width = max(k.shape[-2] for k, _ in parts)
        keys, values = (torch.cat([F.pad(p[j], (0, 0, width - p[j].shape[-2], 0)) for p in parts]) for j in (0, 1))
        del parts
        layer.update(keys, values)
        if hasattr(layer, "cumulative_length"):  # sliding layers hold the window, but have seen every column
            layer.cumulative_length = length
    return into


def attend_in_cache_dtype(model) -> None:
    """Let `model`'s SDPA attention take keys and values of another dtype than its queries: the
    queries are cast to the keys' dtype and the output back. Models on other attention kernels
    are left alone (their cache must then keep the activations' dtype)."""
    if model.config._attn_implementation in ("sdpa", ATTENTION):
        _register()
        model.config._attn_implementation = ATTENTION


@functools.cache
def _register() -> None:
    from transformers import AttentionInterface
    from transformers.integrations.sdpa_attention import sdpa_attention_forward
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    def attention(module, query, key, value, attention_mask, **kwargs):
        out, weights = sdpa_attention_forward(module, query.to(key.dtype), key, value, attention_mask, **kwargs)
        return out.to(query.dtype), weights

    AttentionInterface.register(ATTENTION, attention)
    AttentionMaskInterface.register(ATTENTION, sdpa_mask)
