"""A real Ollama server, when one is installed and running here (skipped otherwise)."""

import json
import os
import urllib.request

import pytest

from syngen.backends import create_backend
from syngen.prompting.prompts import Prompt

HOST = os.environ.get("OLLAMA_HOST", "http://127.0.0.1:11434")


def _models() -> list[str]:
    try:
        with urllib.request.urlopen(HOST + "/api/tags", timeout=1) as r:
            return [m["name"] for m in json.load(r).get("models", [])]
    except (OSError, ValueError):
        return []


MODELS = _models()
pytestmark = [pytest.mark.ollama, pytest.mark.skipif(not MODELS, reason=f"no Ollama server with a model at {HOST}")]


def test_real_ollama_generates():
    b = create_backend("ollama", MODELS[0], base_url=HOST, max_new_tokens=32)
    assert MODELS[0] in b.list_models()
    res = b.generate(
        [
            Prompt(
                messages=[{"role": "user", "content": "Write one CSV row: a,b"}],
                completion="",
                prefill="",
                columns=["a", "b"],
                exemplars=[],
                rows=1,
            )
        ]
    )[0]
    assert res.error is None and res.text.strip() and res.completion_tokens > 0
