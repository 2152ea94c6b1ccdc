"""A run's tail: how long `syngen generate` takes when few prompts give a row.

    python bench/tail_batches.py [--against REV] [--seeds 1,2,3,4] [-n 8] [--table tickets|drug]

Runs `syngen generate -n N --no-report -q --seed S` (a fresh process each, embedded model, weights
and fits cached) for each seed, this tree's and REV's in turn, and prints each run's wall time,
prompts and batches, then the medians and their ratio. `tickets` is the bundled drug reviews as
support tickets (the first sentence a subject, the rest a description: about 1 prompt in 3 gives a
row), `drug` the bundled seed as it is (most prompts give a row). Different trees draw different
rows after their first differing batch, so compare medians over several seeds, not one pair.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cli_process import ROOT, worktree

DRUG = ROOT / "data" / "drug_reviews" / "train.csv"
_ACCOUNT = re.compile(r"(\d+) rows? accepted from \d+ parsed, (\d+) prompts? in (\d+) batch")


def tickets(path: Path, rows: int = 150) -> Path:
    """The first `rows` drug reviews as support tickets: the first sentence is the subject, the
    rest the description (tests/integration/test_two_texts_real.py uses them too)."""
    import pandas as pd

    d = pd.read_csv(DRUG).head(rows)
    subjects, descriptions = [], []
    for t in d["review"]:
        t = html.unescape(t).strip().strip('"').strip()
        m = re.match(r"(.{12,90}?[.!?])\s+(.+)", t, re.S)
        subject, description = (m.group(1), m.group(2)) if m else (" ".join(t.split()[:6]), " ".join(t.split()[6:]))
        subjects.append(subject)
        descriptions.append(description)
    frame = {"ticket": [f"T-{i:06d}" for i in d["review_id"]], "product": d["drugName"]}
    frame |= {"subject": subjects, "description": descriptions, "mood": d["rating"]}
    pd.DataFrame(frame).to_csv(path, index=False)
    return path


def one_run(cwd: Path, table: Path, n: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "syngen.cli.main", "generate", "--data", str(table), "-n", str(n)]
        cmd += ["--seed", str(seed), "--no-report", "-q", "--out", tmp]
        t = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        wall = time.perf_counter() - t
    m = _ACCOUNT.search(done.stderr)
    if m is None:
        raise SystemExit(f"{' '.join(cmd)} gave no account: {done.stderr[-300:]}")
    return {"wall_s": round(wall, 1), "rows": int(m[1]), "prompts": int(m[2]), "batches": int(m[3])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", help="a git revision to compare with (e.g. HEAD~1)")
    ap.add_argument("--seeds", default="1,2,3,4")
    ap.add_argument("-n", type=int, default=8)
    ap.add_argument("--table", choices=("tickets", "drug"), default="tickets")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    other = worktree(a.against) if a.against else contextlib.nullcontext()
    with tempfile.TemporaryDirectory() as tmp, other as old:
        table = tickets(Path(tmp) / "tickets.csv") if a.table == "tickets" else DRUG
        trees = {"this tree": ROOT} | ({f"{a.against}": old} if a.against else {})
        got = {name: [] for name in trees}
        for seed in seeds:
            for name, cwd in trees.items():
                r = one_run(cwd, table, a.n, seed)
                got[name].append(r)
                print(
                    f"seed {seed} {name}: {r['wall_s']} s, {r['rows']} rows, {r['prompts']} prompts in "
                    f"{r['batches']} batches",
                    flush=True,
                )
        med = {
            name: {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "prompts", "batches")}
            for name, runs in got.items()
        }
        for name, m in med.items():
            print(
                f"{name}: median {m['wall_s']} s, {m['prompts']} prompts, {m['batches']} batches ({a.table}, "
                f"-n {a.n}, seeds {a.seeds})"
            )
        if a.against:
            ratio = med[a.against]["wall_s"] / med["this tree"]["wall_s"]
            print(f"median wall, {a.against} / this tree: {ratio:.2f}x")


if __name__ == "__main__":
    main()
