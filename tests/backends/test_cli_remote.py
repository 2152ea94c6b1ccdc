"""`syngen generate --backend ollama|cohere|openai` end to end against local wire servers."""

import itertools
import json
import re
import time

import pytest
from test_remote_backends import KEY, cohere_ok, ollama_ok, openai_ok
from wire import Reply, dead_port

from syngen.cli.main import main

OK = {
    "openai": ("/v1/chat/completions", openai_ok),
    "cohere": ("/v2/chat", cohere_ok),
    "ollama": ("/api/chat", ollama_ok),
}


def csv_writer():
    counter = itertools.count(1)

    def reply(path, body):
        user = body["messages"][-1]["content"]
        if "Write the review for this new row" in user:  # conditional plan: only the row's text
            i = next(counter)
            label = re.search(r"its rating is (\w+)", user).group(1)
            mood = {
                "positive": "worked wonders, great relief",
                "negative": "terrible, made me sick, did nothing",
                "neutral": "some relief but some side effects",
            }[label]
            return OK_FOR[path](f"review: Remote model story number {i}: it {mood}; week {i}, dose {i * 3}")
        label = re.search(r"must have rating=(\w+)", user).group(1)
        rows = []
        for _ in range(2):
            i = next(counter)
            rows.append(
                f'{2000 + 13 * i},"Remote model story number {i} about a pill that did things",'
                f'{label},"March {i % 27 + 1}, 2015",{i % 20}'
            )
        text = (
            "Sure! Here are the rows:\n```csv\nreview_id,review,rating,date,usefulCount\n" + "\n".join(rows) + "\n```"
        )
        return OK_FOR[path](text)

    return reply


OK_FOR = {p: f for p, f in OK.values()}


@pytest.mark.parametrize("name", sorted(OK))
def test_generate_with_each_remote_backend(name, server, small_seed, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COHERE_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server.default = csv_writer()
    url = server.url + ("/v1" if name == "openai" else "")
    out = tmp_path / "out"
    code = main(
        [
            "generate",
            "--data",
            str(small_seed),
            "--backend",
            name,
            "--base-url",
            url,
            "-n",
            "5",
            "--k",
            "2",
            "--batch-size",
            "3",
            "--option",
            "concurrency=3",
            "--label",
            "rating",
            "--out",
            str(out),
            "-q",
        ]
    )
    err = capsys.readouterr()
    assert code == 0, err
    files = sorted(p.name for p in out.rglob("*"))
    assert any(f"_base_{name}_" in f and f.endswith("_5_output.csv") for f in files)
    csv_file = next(out.glob("*/*_output.csv"))  # in the run's folder
    lines = csv_file.read_text().strip().splitlines()
    assert len(lines) == 1 + 5
    for f in (p for p in out.rglob("*") if p.is_file()):  # the key is in no artefact
        assert KEY not in f.read_text()
    assert KEY not in err.out + err.err
    cfg = json.loads(next(out.glob("*/config.json")).read_text())
    assert cfg["backend"] == name and cfg["base_url"] == url
    account = json.loads(next(out.glob("*/account.json")).read_text())
    reqs = account["requests"]  # tokens and latency of every request, for cost views
    assert len(reqs) >= 3 and all(r["completion_tokens"] == 5 and r["latency_s"] > 0 for r in reqs)


def test_out_naming_a_file_writes_the_rows_there(server, small_seed, tmp_path, monkeypatch, capsys):
    """`--out rows.jsonl` is the rows' file, not a folder called rows.jsonl."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server.default = csv_writer()
    base = ["generate", "--data", str(small_seed), "--backend", "openai", "--base-url", server.url + "/v1"]
    base += ["-n", "3", "--k", "2", "--label", "rating", "-q"]
    target = tmp_path / "exports" / "rows.jsonl"
    assert main(base + ["--out", str(target)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert target.is_file() and f"wrote {target} (3 rows); run folder {tmp_path / 'exports'}" in out
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == 3 and all(r["rating"] in ("positive", "negative", "neutral") for r in rows)
    run_copy = next((tmp_path / "exports").glob("*/*_output.jsonl"))  # the run folder, for --resume
    assert run_copy.read_bytes() == target.read_bytes()
    assert main(base + ["--out", str(tmp_path / "rows.csv"), "--format", "parquet"]) == 2
    assert "is a .csv file but --format is parquet" in capsys.readouterr().err


def test_dead_server_fails_fast_with_one_line(small_seed, tmp_path, capsys):
    url = f"http://127.0.0.1:{dead_port()}/v1"
    t = time.monotonic()
    code = main(
        [
            "generate",
            "--data",
            str(small_seed),
            "--backend",
            "openai",
            "--base-url",
            url,
            "-n",
            "3",
            "--k",
            "2",
            "--out",
            str(tmp_path / "out"),
            "-q",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and time.monotonic() - t < 10  # checked before the run: no minute of retries
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "cannot reach" in lines[0] and "connection refused" in lines[0]
    assert not (tmp_path / "out").exists()  # no half-made run folder


def test_a_server_dying_mid_run_stops_the_run_with_one_line(server, small_seed, tmp_path, capsys):
    server.default = lambda path, body: Reply({"error": "down"}, 503)
    code = main(
        [
            "generate",
            "--data",
            str(small_seed),
            "--backend",
            "openai",
            "--base-url",
            server.url + "/v1",
            "-n",
            "3",
            "--k",
            "2",
            "--option",
            "max_retries=0",
            "--option",
            "circuit_after=3",
            "--out",
            str(tmp_path),
            "-q",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "3 requests failed in a row" in err and "Traceback" not in err


def test_rows_accepted_before_a_server_dies_are_kept(server, small_seed, tmp_path, capsys):
    writer = csv_writer()
    calls = itertools.count()

    def flaky(path, body):
        return writer(path, body) if next(calls) < 2 else Reply({"error": "down"}, 500)

    server.default = flaky
    code = main(
        [
            "generate",
            "--data",
            str(small_seed),
            "--backend",
            "openai",
            "--base-url",
            server.url + "/v1",
            "-n",
            "8",
            "--k",
            "2",
            "--batch-size",
            "2",
            "--option",
            "max_retries=0",
            "--option",
            "concurrency=1",
            "--option",
            "circuit_after=2",
            "--label",
            "rating",
            "--plan",
            "rows",
            "--out",
            str(tmp_path),
            "-q",
        ]
    )
    assert code == 1
    csv_file = next(tmp_path.glob("*/*_output.csv"))
    kept = csv_file.read_text().strip().splitlines()[1:]
    assert len(kept) == 4  # two good responses x two rows each, written although the run failed
    ckpt = next(tmp_path.glob("*/checkpoint.jsonl"))
    assert len(ckpt.read_text().splitlines()) == 1 + 4
    state = json.loads(next(tmp_path.glob("*/state.json")).read_text())
    assert state["status"] == "failed" and state["rows"] == 4


def test_a_planted_key_appears_in_no_artefact(server, small_seed, tmp_path, monkeypatch, capsys):
    """The server echoes the key in an error body; it must not reach any file or output."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    writer = csv_writer()
    calls = itertools.count()

    def echoing(path, body):
        if next(calls) == 0:
            return Reply({"error": {"message": f"Invalid request for key {KEY}", "type": "invalid_request"}}, 400)
        return writer(path, body)

    server.default = echoing
    out = tmp_path / "out"
    code = main(
        [
            "generate",
            "--data",
            str(small_seed),
            "--backend",
            "openai",
            "--base-url",
            server.url + "/v1",
            "-n",
            "3",
            "--k",
            "2",
            "--label",
            "rating",
            "--option",
            "backoff=0",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    account = json.loads(next(out.glob("*/account.json")).read_text())
    assert len(account["errors"]) == 1 and "***" in account["errors"][0] and KEY not in account["errors"][0]
    for f in (p for p in out.rglob("*") if p.is_file()):
        assert KEY not in f.read_text(errors="replace"), f
    assert KEY not in captured.out + captured.err
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"  # it was really used


def test_a_second_run_with_the_same_seed_is_told_it_repeats_the_rows(server, small_seed, tmp_path, capsys):
    """The seed makes a run repeatable, so running the same command again for more rows would
    write the first run's rows again: the CLI says so and names a seed that gives new ones."""
    server.default = csv_writer()
    out = tmp_path / "out"

    def generate(n, *extra):
        args = ["generate", "--data", str(small_seed), "--backend", "openai", "--base-url", server.url + "/v1"]
        code = main(args + ["-n", str(n), "--k", "2", "--out", str(out), "-q", *extra])
        assert code == 0
        return capsys.readouterr().err

    assert "note:" not in generate(3)
    first = next(p for p in out.iterdir() if not p.name.startswith("."))  # .seeds keeps the seed
    err = generate(4)  # more rows, same seed
    assert f"note: {first} has these settings and seed 0" in err and "--seed 1" in err
    assert "note:" not in generate(4, "--seed", "1")
    assert "note:" not in generate(3, "--k", "3")  # other settings write other rows
