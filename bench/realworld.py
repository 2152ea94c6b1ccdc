"""Tables no one here wrote, run as a new user would: for each table in ../shared/data/realworld
and the bundled seed, the roles found, rows per minute with the embedded model (defaults), the
quality report's time, seed personal values found in the output (goal 0), rows per key in the
seed and the synthetic rows, each timestamp's KS complement, and tracebacks (goal 0).

    python bench/realworld.py [--rows 12] [--tables instruments,alexa,drugs]

A table missing from ../shared is skipped with a line saying so. Writes
bench/results/realworld.json and the figures to BENCHMARKS.md (bench/figures.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import figures  # noqa: E402

from syngen.common.errors import SyngenError  # noqa: E402
from syngen.evaluate import build_report  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.runs.execute import execute  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402
from syngen.seed.schema import Role  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "realworld"
TABLES = {
    "instruments": SHARED / "amazon_musical_instruments.csv",
    "alexa": SHARED / "amazon_alexa.tsv",
    "drugs": ROOT / "data" / "drug_reviews" / "train.csv",
}


def measure(name: str, path: Path, rows: int, out: Path) -> dict:
    got: dict = {"table": name, "file": path.name, "tracebacks": 0}
    try:
        seed = prepare_seed(RunConfig(data=str(path)))
        got["roles"] = {c.name: c.role.value + (f" ({c.personal})" if c.personal else "") for c in seed.schema.columns}
        got["cleaning"] = seed.shift or (seed.clean.summary() if seed.clean else "")
        t = time.perf_counter()
        res = execute(RunConfig(data=str(path), num_samples=rows, out=str(out)), seed=seed, report=False)
        wall = time.perf_counter() - t
        rows_out = res.result.rows
        got |= {"status": str(res.result.status), "rows": len(rows_out), "seconds": round(wall, 1)}
        got["rows_per_min"] = round(len(rows_out) / (wall / 60), 2)
        t = time.perf_counter()
        rep = build_report(seed.df, rows_out, seed.schema, account=res.result.account, requested=rows)
        got["report_s"] = round(time.perf_counter() - t, 2)
        got["overall"] = round(rep.overall, 3)
        leak = rep.find("seed personal values in the output")
        got["seed_personal_values_in_output"] = None if leak.value != leak.value else int(leak.value)
        got["rows_per_key"] = {
            c.name: {
                "seed": round(len(seed.df[c.name].dropna()) / max(1, seed.df[c.name].nunique()), 2),
                "synthetic": round(len(rows_out[c.name].dropna()) / max(1, rows_out[c.name].nunique()), 2),
                "rows sharing a key": rep.find("rows sharing a key", c.name).detail,
            }
            for c in seed.schema.by_role(Role.KEY)
        }
        got["timestamp_ks_complement"] = {
            c.name: round(rep.find("time distribution (KS complement)", c.name).value, 3)
            for c in seed.schema.by_role(Role.TIMESTAMP)
            if any(m.name == "time distribution (KS complement)" and m.column == c.name for m in rep.metrics)
        }
    except SyngenError as exc:  # a message for the user is a result, not a traceback
        got["message"] = str(exc)
    except Exception:  # noqa: BLE001  (what this bench counts)
        got["tracebacks"] += 1
        got["traceback"] = traceback.format_exc()[-2000:]
    return got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=12)
    ap.add_argument("--tables", default=",".join(TABLES))
    a = ap.parse_args()
    out = ROOT / "bench" / "results" / "realworld-runs"
    results = []
    for name in a.tables.split(","):
        path = TABLES[name]
        if not path.exists():
            print(f"{name}: {path} is not here; skipped")
            continue
        print(f"== {name} ({path.name}), {a.rows} rows", flush=True)
        r = measure(name, path, a.rows, out / name)
        results.append(r)
        print(json.dumps({k: v for k, v in r.items() if k != "traceback"}, indent=2), flush=True)
        if r.get("traceback"):
            print(r["traceback"])
        cmd = f"python bench/realworld.py --rows {a.rows} --tables {name}"
        if "rows" in r:
            keys = "; ".join(f"{k} {v['seed']} / {v['synthetic']}" for k, v in r["rows_per_key"].items()) or "no keys"
            ks = ", ".join(f"{k} {v}" for k, v in r["timestamp_ks_complement"].items()) or "no timestamps"
            leaks = r["seed_personal_values_in_output"]
            people = "no personal columns" if leaks is None else f"seed personal values in the output {leaks}"
            figures.record(
                f"real-world table: {name}",
                f"{r['rows']} rows at {r['rows_per_min']} rows/min, report {r['report_s']} s; {people}; rows per key "
                f"seed / synthetic: {keys}; timestamp KS complement: {ks}; tracebacks {r['tracebacks']}",
                cmd,
                "personal values 0, tracebacks 0",
            )
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "realworld.json").write_text(json.dumps(results, indent=2))
    print(f"tracebacks: {sum(r['tracebacks'] for r in results)} (goal 0)")


if __name__ == "__main__":
    main()
