"""Paths and small builders shared by the tests (imported as `helpers`; conftest modules are not
importable by name)."""

import random
import socket
import time
import urllib.request
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DRUG_TRAIN = ROOT / "data" / "drug_reviews" / "train.csv"
DRUG_TEST = ROOT / "data" / "drug_reviews" / "test.csv"


def free_port() -> int:
    """A local port nothing listens on right now (for a server to start, or to be refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until_up(proc, url: str, log: Path, what: str, seconds: float) -> None:
    """Wait until `url` answers; kill `proc` and fail with the end of its log if it does not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{what} did not start: " + log.read_text()[-2000:])


# the columns of the Amazon-review rows the SynGen models were shown (tests/fixtures/llm_outputs)
AMAZON_COLS = [
    "rating",
    "title",
    "text",
    "asin",
    "parent_asin",
    "user_id",
    "timestamp",
    "helpful_vote",
    "verified_purchase",
    "data",
    "time",
]


def tiny_gemma(seed: int = 0, **config):
    """A tiny random Gemma 3 (real transformers code, a few kB of weights) for decode tests."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    torch.manual_seed(seed)
    base = dict(
        vocab_size=50,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=8,
    )
    return Gemma3ForCausalLM(Gemma3TextConfig(**{**base, **config})).eval()


def tweets_table(n=60, seed=0) -> pd.DataFrame:
    """Airline tweets' shape: a day-first timestamp, a user handle, a home town, an @mention in
    the text, a retweet count that is nearly always 0."""
    rng = random.Random(seed)
    airlines = ["United", "Delta", "SouthwestAir", "JetBlue"]
    rows = []
    for i in range(n):
        a = rng.choice(airlines)
        rows.append(
            {
                "tweet_id": str(570306133677760513 + i * 7919),
                "airline_sentiment": rng.choice(["negative", "negative", "neutral", "positive"]),
                "airline": a,
                "name": rng.choice(["saraholbrook", "jnardino", "cairdin", "pilot_pete", "yvonnalynn"]) + str(i % 7),
                "retweet_count": "0",
                "text": f"@{a} my flight {i} was {rng.choice(['late', 'fine', 'cancelled'])} and the crew was "
                f"{rng.choice(['kind', 'rude', 'ok'])} today",
                "tweet_created": f"{1 + i % 28:02d}-02-2015 {i % 24:02d}:{(i * 7) % 60:02d}",
                "tweet_location": rng.choice(["Boston, MA", "Lets Play", "Brooklyn, NY", None, "Austin, TX"]),
            }
        )
    return pd.DataFrame(rows, dtype=object)
