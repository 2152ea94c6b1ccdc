"""The real embedded model (Gemma 3 270M GGUF from PyPI), end to end. Slow: about 2-4 minutes."""
import pytest

from helpers import DRUG_TRAIN
from syngen.backends.hf import HFBackend, _LOADED, cache_root
from syngen.config import RunConfig
from syngen.pipeline import prepare_seed, run

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def backend():
    b = HFBackend(max_new_tokens=320, temperature=0.8)
    b.load()
    return b


def test_real_generation_gives_exactly_n_valid_rows(backend):
    cfg = RunConfig(data=str(DRUG_TRAIN), num_samples=2, k=2, batch_size=4, seed=7, rows_per_prompt=2,
                    max_prompts=40)
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
    from syngen.prompts import Prompt
    p = Prompt(messages=[], completion="review_id,drugName,condition,review,rating\n48134,Nubain,Pain,\"",
               prefill="", columns=[], exemplars=[], rows=1)
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
