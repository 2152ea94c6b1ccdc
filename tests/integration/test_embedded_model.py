"""The real embedded model (Gemma 3 270M GGUF from PyPI), end to end. Slow: about 3-5 minutes."""

import threading
import time
from collections import Counter

import pytest
from helpers import DRUG_TRAIN

from syngen.backends.hf import _LOADED, HFBackend, cache_root
from syngen.common.text import count
from syngen.generate.config import RunConfig
from syngen.generate.loop import run
from syngen.seed.prepared import prepare_seed

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def backend():
    b = HFBackend(max_new_tokens=320, temperature=0.8)
    b.load()
    return b


def test_real_generation_gives_exactly_n_valid_rows(backend):
    cfg = RunConfig(
        data=str(DRUG_TRAIN),
        num_samples=2,
        k=2,
        batch_size=4,
        random_seed=7,
        rows_per_prompt=2,
        max_prompts=40,
        plan="rows",
    )
    seed = prepare_seed(cfg)
    res = run(cfg, backend, seed)
    assert res.status == "complete", res.account.summary()
    assert len(res.rows) == 2
    for row in res.rows.to_dict("records"):
        assert seed.schema.validate(row)[1] == []
        assert row["model"] == "gemma3-270m" and row["backend"] == "hf"
    assert res.account.completion_tokens > 0 and res.account.generate_seconds > 0
    seed_texts = set(seed.df["review"])
    assert not set(res.rows["review"]) & seed_texts


def test_dequantised_cache_gives_the_same_model(backend):
    """The cached copy (safetensors) generates exactly what a fresh GGUF load generates."""
    cached = [p for p in (cache_root() / "models").glob("gemma-3-270m*") if (p / "config.json").exists()]
    assert cached, "the first load must leave a dequantised copy in the cache"
    from syngen.prompting.prompts import Prompt

    p = Prompt(
        messages=[],
        completion="review_id,drugName,condition,review,rating\n48134,Nubain,Pain,\"",
        prefill="",
        columns=[],
        exemplars=[],
        rows=1,
    )
    from_gguf = HFBackend(temperature=0.0, max_new_tokens=24, cache=False)
    from_gguf.load()
    assert from_gguf.load_source == "gguf"
    _LOADED.clear()
    from_cache = HFBackend(temperature=0.0, max_new_tokens=24)
    from_cache.load()
    assert from_cache.load_source == "cache"
    a, b = from_gguf.generate([p])[0], from_cache.generate([p])[0]
    assert a.error is None and a.text.strip() and a.text == b.text
    _LOADED.clear()


def test_the_fast_tokenizer_reads_like_autotokenizer(backend):
    """The backend's tokenizer (built by `tokenizers` from the cached folder, load_tokenizer) gives
    AutoTokenizer's ids, padding, specials and vocabulary on the seed's texts and prompt shapes."""
    from transformers import AutoTokenizer

    from syngen.engine.loading import cache_folder, embedded_gguf

    fast, slow = backend._tok, AutoTokenizer.from_pretrained(cache_folder(embedded_gguf()))
    assert type(fast).__name__ != type(slow).__name__  # the fast path was taken
    texts = list(prepare_seed(RunConfig(data=str(DRUG_TRAIN))).df["review"])
    texts += ["rating: positive\nreview words: 90\nreview:", "<bos>a<eos><pad><start_of_turn>user\nhi<end_of_turn>"]
    assert [fast(t)["input_ids"] for t in texts] == [slow(t)["input_ids"] for t in texts]
    batch = texts[:6]
    assert fast(batch, padding=True)["input_ids"] == slow(batch, padding=True)["input_ids"]  # left padding
    assert fast(batch, padding=True)["attention_mask"] == slow(batch, padding=True)["attention_mask"]
    ids = slow(texts[0])["input_ids"]
    assert fast.decode(ids, skip_special_tokens=True) == slow.decode(ids, skip_special_tokens=True)
    for attr in ("bos_token_id", "eos_token_id", "pad_token_id", "padding_side", "all_special_ids", "chat_template"):
        assert getattr(fast, attr) == getattr(slow, attr), attr
    every = list(range(len(slow)))
    assert len(fast) == len(slow) and fast.convert_ids_to_tokens(every) == slow.convert_ids_to_tokens(every)


def test_a_broken_converted_copy_is_made_again_from_the_gguf(backend, tmp_path, monkeypatch):
    """A cut tokenizer.json in syngen's converted-weights folder: the load rebuilds the folder from
    the GGUF (not a traceback), and the next load reads the new copy."""
    from syngen.engine.loading import EMBEDDED, cache_folder, embedded_gguf, load_weights

    real = cache_folder(embedded_gguf())
    monkeypatch.setenv("SYNGEN_CACHE_DIR", str(tmp_path))
    broken = cache_folder(embedded_gguf())
    broken.mkdir(parents=True)
    for f in real.iterdir():  # links to the real files, but a cut tokenizer of its own
        if f.name != "tokenizer.json":
            (broken / f.name).symlink_to(f)
    (broken / "tokenizer.json").write_bytes((real / "tokenizer.json").read_bytes()[:100_000])
    _, tok, source = load_weights(EMBEDDED, embedded_gguf())
    assert source == "gguf" and tok("rating: 5")["input_ids"] == backend._tok("rating: 5")["input_ids"]
    assert (broken / "tokenizer.json").stat().st_size == (real / "tokenizer.json").stat().st_size
    assert not (broken / "model.safetensors").is_symlink()
    assert load_weights(EMBEDDED, embedded_gguf())[2] == "cache"


def test_conditional_plan_real_rows_keep_the_sampled_fields(backend):
    """The model writes only the review; label mix exact, IDs fresh, pairs from the seed."""
    cfg = RunConfig(
        data=str(DRUG_TRAIN),
        num_samples=3,
        k=2,
        batch_size=3,
        random_seed=3,
        max_prompts=30,
        label_mix={"negative": 2, "positive": 1},
    )
    seed = prepare_seed(cfg)
    events = []
    res = run(cfg, backend, seed, on_event=events.append)
    assert res.status == "complete", res.account.summary()
    assert res.plan.mode == "conditional" and res.plan.model_columns == ["review"]
    assert Counter(res.rows["rating"]) == {"negative": 2, "positive": 1}
    pairs = set(zip(seed.df["drugName"], seed.df["condition"]))
    for row in res.rows.to_dict("records"):
        assert seed.schema.validate(row)[1] == []
        assert (row["drugName"], row["condition"]) in pairs
        assert row["review_id"] not in set(seed.df["review_id"])
        assert len(row["review"].split()) >= 3
    assert not any("quota" in k for k in res.account.rejected)
    assert any(e.kind == "heartbeat" and e.heartbeat.tokens > 0 for e in events)


def test_cancel_during_a_real_batch_returns_within_two_seconds_and_keeps_rows(backend, tmp_path):
    cfg = RunConfig(data=str(DRUG_TRAIN), num_samples=40, k=2, batch_size=8, random_seed=9, max_prompts=200)
    seed = prepare_seed(cfg)
    cancel, state = threading.Event(), {}

    def on(ev):
        # Cancel in the middle of the second batch: the first batch's rows must be kept.
        if ev.kind == "batch_finished" and "cancel_at" not in state:
            state["kept_before"] = ev.accepted
            state["second"] = True
        elif ev.kind == "heartbeat" and state.get("second") and "cancel_at" not in state and ev.heartbeat.tokens > 0:
            state["cancel_at"] = time.perf_counter()
            cancel.set()

    ckpt = tmp_path / "c.jsonl"
    res = run(cfg, backend, seed, on_event=on, cancel=cancel, checkpoint=ckpt)
    stopped = time.perf_counter() - state["cancel_at"]
    assert res.status == "cancelled" and stopped < 2.0, stopped
    assert len(res.rows) >= state["kept_before"] and res.message.endswith(f"kept {count(len(res.rows), 'row')}")
    assert len(ckpt.read_text().splitlines()) == 1 + len(res.rows)  # header + every kept row
