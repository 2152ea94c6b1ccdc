"""A real serving engine on loopback: `transformers serve` (transformers' OpenAI-compatible
server) serving the embedded model's cached weights, and syngen's openai backend getting a
conditional row's text from it. Not a wire-format fake: the engine loads the model and generates."""

import os
import random
import shutil
import subprocess
import sys

import pytest
from helpers import DRUG_TRAIN, free_port, wait_until_up

from syngen.backends import create_backend
from syngen.backends.hf import embedded_folder
from syngen.generate.config import RunConfig
from syngen.plan.resolve import plan_for
from syngen.prompting.row_sources import row_source
from syngen.seed.prepared import prepare_seed

pytestmark = pytest.mark.model
pytest.importorskip("fastapi", reason="transformers serve needs transformers[serving] (in requirements.txt)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = embedded_folder()
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    exe = shutil.which("transformers") or os.path.join(os.path.dirname(sys.executable), "transformers")
    cmd = [exe, "serve", str(folder), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]
    proc = subprocess.Popen(
        cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=os.environ | {"HF_HUB_OFFLINE": "1"}
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(proc, url + "/health", log, "transformers serve", 180)
    yield url + "/v1", str(folder)
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.timeout(900)
def test_openai_backend_gets_real_text_from_transformers_serve(server):
    base_url, model = server
    # short answers, one request at a time: this engine decodes a few tokens a second per request
    # on 2 cores without continuous batching (bench/serve.py)
    backend = create_backend(
        "openai", model, base_url=base_url, mode="completion", max_new_tokens=32, concurrency=1, timeout=300
    )
    backend.precheck()
    cfg = RunConfig(data=str(DRUG_TRAIN), k=1, random_seed=4)
    seed = prepare_seed(cfg)
    prompt = row_source(seed, cfg, plan_for(seed, cfg), random.Random(4), lambda c: "123456").prompts(["positive"])[0]
    (res,) = backend.generate([prompt], random_seed=4)
    assert res.error is None, res.error
    assert res.text.strip() and res.completion_tokens > 0  # usage reported by the engine
    assert backend._no_top_k  # the engine refused top_k (422); the backend asked again without it
