"""A real serving engine on loopback: `transformers serve` (transformers' OpenAI-compatible
server) serving the embedded model's cached weights, and syngen's openai backend writing rows
from it. Not a wire-format fake: the engine loads the model and generates."""

import os
import shutil
import subprocess
import sys

import pytest
from helpers import DRUG_TRAIN, free_port, wait_until_up

from syngen.backends import create_backend
from syngen.backends.hf import embedded_folder
from syngen.config import RunConfig
from syngen.runs import execute

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


def test_openai_backend_writes_rows_from_transformers_serve(server, tmp_path):
    base_url, model = server
    backend = create_backend("openai", model, base_url=base_url, mode="completion", max_new_tokens=160)
    backend.precheck()
    cfg = RunConfig(
        data=str(DRUG_TRAIN),
        backend="openai",
        model=model,
        base_url=base_url,
        num_samples=2,
        k=2,
        batch_size=2,
        seed=4,
        max_prompts=20,
        out=str(tmp_path),
        backend_options={"mode": "completion", "max_new_tokens": 160},
    )
    out = execute(cfg, backend=backend, report=False)
    res = out.result
    assert res.status == "complete", res.account.summary()
    assert len(res.rows) == 2 and set(res.rows["backend"]) == {"openai"}
    seed_ids = set(open(DRUG_TRAIN, encoding="utf-8").read().split())
    for row in res.rows.to_dict("records"):
        assert len(str(row["review"]).split()) >= 3 and row["review_id"] not in seed_ids
    assert res.account.completion_tokens > 0  # usage reported by the engine
