"""Paths shared by the tests (imported as `helpers`; conftest modules are not importable by name)."""

import socket
import time
import urllib.request
from pathlib import Path

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
