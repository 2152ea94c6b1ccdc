"""The lean decode loop on the real embedded model: the same text as model.generate, with the
whole head or the domain head, through a long padded batch (past Gemma's 512-token window)."""

import random
import threading
import time

import pytest
from helpers import DRUG_TRAIN

from syngen.backends.hf import HFBackend
from syngen.generate.config import RunConfig
from syngen.plan.resolve import plan_for
from syngen.prompting.row_sources import row_source
from syngen.seed.prepared import domain_texts, prepare_seed

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def seed_and_prompts():
    cfg = RunConfig(data=str(DRUG_TRAIN), k=4, random_seed=3)
    seed = prepare_seed(cfg)
    src = row_source(seed, cfg, plan_for(seed, cfg), random.Random(1), lambda c: "123456")
    prompts = src.prompts(["positive", "negative", "neutral"])
    return seed, prompts


def _texts(seed, prompts, **opts):
    b = HFBackend(max_new_tokens=24, **opts)
    b.use_domain(domain_texts(seed))
    res = b.generate(prompts, random_seed=5)
    assert all(r.error is None and r.completion_tokens > 0 for r in res), res
    return [r.text for r in res]


def test_plain_loop_and_domain_head_write_what_generate_writes(seed_and_prompts):
    seed, prompts = seed_and_prompts
    lengths = [len(p.completion) for p in prompts]
    assert max(lengths) != min(lengths)  # a padded batch
    # Exactly the same tokens in float32. (In bfloat16, on hosts with native bf16, generate's and
    # the plain loop's attention round differently and greedy text parts after a few words.)
    exact = dict(temperature=0, dtype="float32", head="float32")
    reference = _texts(seed, prompts, loop="generate", vocab="full", **exact)
    # the plain loop appends to its KV cache in place (the default); generate uses DynamicCache
    assert _texts(seed, prompts, loop="plain", vocab="full", **exact) == reference
    assert _texts(seed, prompts, loop="plain", vocab="full", kv="dynamic", **exact) == reference
    assert _texts(seed, prompts, loop="plain", vocab="domain", **exact) == reference
    # the token table read from the GGUF (the default) against the dequantised one: same text
    assert _texts(seed, prompts, loop="plain", vocab="domain", embedding="float", **exact) == reference
    # the host's own dtype (bfloat16 where native): the head scores in float32 whichever way it is
    # read, so the domain head and the dequantised table still write the whole head's text
    native = _texts(seed, prompts, temperature=0, loop="plain", vocab="full")
    assert _texts(seed, prompts, temperature=0, loop="plain", vocab="domain", head="float32") == native
    assert (
        _texts(seed, prompts, temperature=0, loop="plain", vocab="domain", head="float32", embedding="float") == native
    )
    sampled = [_texts(seed, prompts, temperature=0.8, loop="plain") for _ in range(2)]
    assert sampled[0] == sampled[1]  # a fixed seed reproduces a sampled batch
    assert sampled[0] != native


def test_the_english_core_keeps_ordinary_words_a_seed_never_used():
    """Tokens a drug-review run sampled with the whole head but the domain head lacked (1.15% of
    them in bench/embedded/ before the core had whole words): every one is kept now."""
    from syngen.engine.decode import domain_ids, english_core

    tok = HFBackend().load()[1]
    seed = ["I took it for my back pain and it helped a lot."]
    words = ["▁tumor", "▁complications", "▁homework", "▁diabetes", "▁allergies", "▁underneath", "actic"]
    ids = tok.convert_tokens_to_ids(words)
    assert tok.unk_token_id not in ids
    core = english_core(tok)
    assert set(ids) <= core and set(ids) <= set(domain_ids(tok, seed).tolist())
    assert not set(ids) <= set(domain_ids(tok, seed, english=False).tolist())  # the first 8,000 ids alone miss them
    assert len(core) < len(tok) // 3  # not the whole vocabulary: other scripts stay out


def test_the_gguf_token_table_holds_only_the_rows_a_run_uses(seed_and_prompts):
    import torch

    seed, prompts = seed_and_prompts
    model, _ = HFBackend(embedding="float").load()
    table = HFBackend().load()[0].get_input_embeddings()
    ids = torch.randint(0, table.num_embeddings, (2000,), generator=torch.Generator().manual_seed(0))
    assert torch.equal(table.rows(ids), model.get_output_embeddings().weight[ids])  # exact, float32 on every host
    _texts(seed, prompts, temperature=0)
    assert len(table.table) < 20_000  # of 262,144: the domain head's rows and the prompts'


def test_a_cancel_during_prefill_ends_the_batch_within_a_second(seed_and_prompts):
    seed, prompts = seed_and_prompts
    b = HFBackend(max_new_tokens=24)
    b.load()
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    t = time.perf_counter()
    res = dict(b.generate_iter(prompts * 3, random_seed=1, cancel=cancel))  # 9 long prompts: ~10 s of prefill
    took = time.perf_counter() - t - 0.5
    assert all(r.error == "cancelled" for r in res.values()) and len(res) == 9
    assert took < 3.0, took  # one prefill chunk (PREFILL_TOKENS), not the ~10 s of the whole prefill


def test_a_batch_waiting_behind_other_model_work_is_cancelled_at_once(seed_and_prompts):
    from syngen.common import torch_thread

    seed, prompts = seed_and_prompts
    b = HFBackend(max_new_tokens=24)
    b.load()
    release, cancel = threading.Event(), threading.Event()
    busy = torch_thread.submit(lambda: release.wait(60))  # e.g. a tuning job holds the model thread
    try:
        threading.Timer(0.5, cancel.set).start()
        t = time.perf_counter()
        res = dict(b.generate_iter(prompts, random_seed=1, cancel=cancel))
        took = time.perf_counter() - t
    finally:
        release.set()
    busy.result(timeout=10)
    assert all(r.error == "cancelled" for r in res.values()) and len(res) == len(prompts)
    assert took < 2.0, took


def _picks(seed, prompts, **opts):
    """The greedy next token at every position of the prompts (teacher-forced), over the domain head."""
    import torch

    from syngen.common import torch_thread

    b = HFBackend(**opts)
    b.use_domain(domain_texts(seed))
    model, tok = b.load()
    enc = tok([p.completion for p in prompts], return_tensors="pt", padding=True)
    head = b._head(enc["input_ids"])

    def job():
        with torch.inference_mode():
            h = model.base_model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
            return head.logits(h[enc["attention_mask"].bool()]).argmax(-1)

    return torch_thread.call(job)


def test_float16_weights_pick_the_float32_model_s_next_token(seed_and_prompts):
    """Float16 weights with float32 sums (the head everywhere, the body on hosts without native
    bf16) round only the weights: the next token is float32's almost everywhere (99.9% on 8
    prompts in bench/embedded/fp16.py), and the body's layers really are fbgemm's."""
    import torch

    from syngen.engine import fp16_weights

    if not fp16_weights.available():
        pytest.skip("this torch build has no fbgemm (not x86): float16 weights fall back to float32")
    seed, prompts = seed_and_prompts
    exact = _picks(seed, prompts, dtype="float32", head="float32")
    for opts in ({"dtype": "float32"}, {"dtype": "float16"}):  # the float16 head; then the body too
        same = float((_picks(seed, prompts, **opts) == exact).float().mean())
        assert same > 0.99, (opts, same)
    model, _ = HFBackend(dtype="float16").load()
    dynamic = [m for m in model.base_model.modules() if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)]
    assert len(dynamic) == 7 * model.config.num_hidden_layers  # q, k, v, o, gate, up, down
    assert {m._packed_params.dtype for m in dynamic} == {torch.float16}
    assert not any(isinstance(m, torch.nn.Linear) for m in model.base_model.modules())
    texts = _texts(seed, prompts, temperature=0.8, dtype="float16")
    assert all(t.strip() for t in texts) and sum(len(t.split()) for t in texts) >= 12, texts


def test_int8_weights_pick_the_float_model_s_next_token_and_write_text(seed_and_prompts):
    """Teacher-forced along the prompts' seed text, int8 weights choose the float32 model's next
    token almost everywhere (bench/embedded/int8.py measures it on 8 prompts), and the
    backend writes text with them."""

    seed, prompts = seed_and_prompts
    same = float((_picks(seed, prompts, quantize="int8") == _picks(seed, prompts)).float().mean())
    assert same > 0.95, same
    texts = _texts(seed, prompts, temperature=0.8, quantize="int8")
    assert all(t.strip() for t in texts) and sum(len(t.split()) for t in texts) >= 12, texts
    # torch's dynamic int8 (opt-in) takes float32 activations: on bf16 hosts it stays in float32
    assert all(t.strip() for t in _texts(seed, prompts, temperature=0.8, quantize="int8-dynamic"))
