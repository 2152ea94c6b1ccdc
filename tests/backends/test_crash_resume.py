"""A real `syngen generate` process killed with SIGKILL mid-run, then resumed with --resume:
exactly N rows at the end, none lost, none duplicated."""

import csv
import os
import signal
import subprocess
import sys
import time

from helpers import ROOT
from test_cli_remote import csv_writer
from wire import Reply

N = 12


def _cmd(url, seed, out, *extra):
    return [
        sys.executable,
        "-m",
        "syngen",
        "generate",
        "--data",
        str(seed),
        "--backend",
        "openai",
        "--base-url",
        url,
        "-n",
        str(N),
        "--k",
        "2",
        "--batch-size",
        "2",
        "--label",
        "rating",
        "--option",
        "concurrency=1",
        "--out",
        str(out),
        "-q",
        *extra,
    ]


def _runs(out):
    return [p for p in out.iterdir() if not p.name.startswith(".")]  # .seeds keeps the runs' seed


def _stop_mid_run(server, small_seed, out, sig):
    """Start a run against a slow server and send `sig` once it has checkpointed 4 rows; returns
    the process (ended) and the checkpoint's rows at that moment."""
    writer = csv_writer()

    def slow(path, body):
        r = writer(path, body)
        return Reply(r.body, r.status, r.headers, delay=0.25)

    server.default = slow
    env = os.environ | {"OPENAI_API_KEY": "sk-crash-test"}
    proc = subprocess.Popen(
        _cmd(server.url + "/v1", small_seed, out), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    ckpt = None
    while time.monotonic() < deadline:
        found = list(out.glob("*/checkpoint.jsonl")) if out.exists() else []
        if found and len(found[0].read_text().splitlines()) >= 1 + 4:
            ckpt = found[0]
            break
        time.sleep(0.05)
    assert ckpt is not None, "the run never checkpointed rows"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    return proc, ckpt, [line for line in ckpt.read_text().splitlines()[1:] if line.strip()]


def test_sigterm_ends_the_run_like_a_cancel_and_resume_is_exact(server, small_seed, tmp_path):
    import json

    out = tmp_path / "out"
    proc, ckpt, kept = _stop_mid_run(server, small_seed, out, signal.SIGTERM)
    err = proc.stderr.read().decode()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err and "cancelled" in err
    folder = _runs(out)[0]
    state = json.loads((folder / "state.json").read_text())
    assert state["status"] == "cancelled" and 4 <= state["rows"] < N
    assert (folder / "account.json").exists() and ckpt.exists()
    written = list(csv.DictReader(open(next(folder.glob("*_output.csv")), newline="", encoding="utf-8")))
    assert len(written) == state["rows"] and len(kept) <= state["rows"]  # nothing accepted is lost
    env = os.environ | {"OPENAI_API_KEY": "sk-crash-test"}
    r = subprocess.run(
        _cmd(server.url + "/v1", small_seed, out, "--resume"), cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(open(next(folder.glob("*_output.csv")), newline="", encoding="utf-8")))
    assert len(rows) == N and len({row["review"] for row in rows}) == N and len(_runs(out)) == 1
    assert [row["review"] for row in rows[: len(written)]] == [row["review"] for row in written]


def test_sigkill_then_resume_gives_exactly_n(server, small_seed, tmp_path):
    out = tmp_path / "out"
    env = os.environ | {"OPENAI_API_KEY": "sk-crash-test"}
    proc, ckpt, before = _stop_mid_run(server, small_seed, out, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert 4 <= len(before) < N

    r = subprocess.run(
        _cmd(server.url + "/v1", small_seed, out, "--resume"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert len(_runs(out)) == 1  # the same run folder, continued
    rows = list(csv.DictReader(open(next(out.glob("*/*_output.csv")), newline="", encoding="utf-8")))
    assert len(rows) == N
    assert len({row["review"] for row in rows}) == N  # none duplicated
    assert len({row["run_id"] for row in rows}) == 1  # one run, continued
    import json

    kept = [json.loads(line)["review"] for line in before]
    assert [row["review"] for row in rows[: len(kept)]] == kept  # none lost, order kept
    assert not ckpt.exists()  # finished runs clean up
