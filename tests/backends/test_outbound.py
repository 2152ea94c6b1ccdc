"""What leaves the machine: prompts sent to a remote backend (the real OpenAI client against a
loopback server that records every request) carry no seed person, unless the user shares them
on purpose."""

import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest
from test_remote_backends import KEY, openai_ok

from syngen.cli.main import main
from syngen.generate.config import RunConfig
from syngen.plan.people import seed_people
from syngen.seed.personal import EMAIL, PHONE
from syngen.seed.prepared import prepare_seed

INSTRUMENTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "realworld" / "amazon_musical_instruments.csv"


def tickets(path: Path, n: int = 40) -> Path:
    """Support tickets whose texts carry emails, phone numbers and @handles of people, with a
    customer name column; "@acme_help", the company, is in every text and is no person."""
    rng = random.Random(3)
    first = ["Maria", "Tobias", "Priya", "Kwame", "Ingrid", "Rafael", "Yuki", "Aoife", "Dmitri", "Leila"]
    last = ["Okafor", "Lindqvist", "Ramanathan", "Castellanos", "Nakamura", "Brennan", "Volkov", "Haddad"]
    kinds = {"billing": "was charged twice for my plan", "outage": "cannot reach the service since this morning"}
    rows = []
    for i in range(n):
        name = f"{rng.choice(first)} {rng.choice(last)}"
        kind = "billing" if i % 2 else "outage"
        user = name.lower().replace(" ", ".")
        rows.append(
            {
                "ticket_id": f"T{5000 + i}",
                "customer_name": name,
                "message": f"@acme_help I {kinds[kind]}. Please call me on 415-555-{1000 + i:04d} or write to "
                f"{user}{i}@mailbox.org, or ask my colleague @{user.split('.')[0]}_{i} who saw it too",
                "category": kind,
            }
        )
    out = path / "tickets.csv"
    pd.DataFrame(rows).to_csv(out, index=False)
    return out


def personal_values(data: Path) -> set[str]:
    """Every seed value that names a person: the seed's people (column values, rare handles in
    texts) and the emails and phone numbers inside its texts."""
    seed = prepare_seed(RunConfig(data=str(data)))
    texts = [str(v) for c in seed.schema.prose_columns for v in seed.df[c].dropna()]
    found = set(seed_people(seed.df, seed.schema))
    for t in texts:
        found |= set(EMAIL.findall(t)) | set(PHONE.findall(t))
    return found


def sent_prompts(server) -> str:
    return "\n".join(
        m["content"] for r in server.requests if isinstance(r["json"], dict) for m in r["json"].get("messages", [])
    )


def leaked(values: set[str], text: str) -> set[str]:
    return {v for v in values if re.search(r"(?<![\w@])" + re.escape(v) + r"(?!\w)", text, re.I)}


def generate(server, data: Path, out: Path, *extra) -> int:
    server.default = lambda path, body: openai_ok("no rows here")  # the prompts are what is tested
    return main(
        [
            "generate",
            "--data",
            str(data),
            "--backend",
            "openai",
            "--base-url",
            server.url + "/v1",
            "-n",
            "3",
            "--k",
            "4",
            "--batch-size",
            "4",
            "--max-prompts",
            "8",
            "--out",
            str(out),
            "-q",
            *extra,
        ]
    )


def test_prompts_to_a_remote_backend_carry_no_seed_person(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    data = tickets(tmp_path)
    people = personal_values(data)
    assert len(people) >= 100  # names, emails, phone numbers and handles of 40 tickets
    assert "@acme_help" not in {p.lower() for p in people}  # in every text: the company, not a person
    generate(server, data, tmp_path / "out")
    err = capsys.readouterr().err
    assert "privacy: prompts go to 127.0.0.1" in err and "scrubbed" in err
    prompts = sent_prompts(server)
    assert len(server.requests) >= 4 and "@acme_help" in prompts  # the texts were sent, scrubbed
    assert leaked(people, prompts) == set()


def test_sharing_seed_people_on_purpose_sends_them(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    data = tickets(tmp_path)
    generate(server, data, tmp_path / "out", "--share-seed-people")
    assert "share_seed_people is on" in capsys.readouterr().err
    assert len(leaked(personal_values(data), sent_prompts(server))) >= 10  # the measure does find them
    cfg = json.loads(next((tmp_path / "out").glob("*/config.json")).read_text())
    assert cfg["share_seed_people"] is True  # the replay shares them too


@pytest.mark.skipif(not INSTRUMENTS.exists(), reason="../shared/data/realworld not present")
def test_instrument_reviewers_never_reach_the_service(server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    people = personal_values(INSTRUMENTS)
    ids = set(pd.read_csv(INSTRUMENTS, dtype=str)["reviewerID"])
    generate(server, INSTRUMENTS, tmp_path / "out", "--k", "8")
    prompts = sent_prompts(server)
    assert len(server.requests) >= 4 and "review" in prompts.lower()
    assert leaked(people, prompts) == set()
    assert not {i for i in ids if i in prompts}  # reviewer IDs single people out too
