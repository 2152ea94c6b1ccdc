"""Privacy, measured with the embedded model: canaries, memorised text and membership inference.

For the bundled drug reviews and the Alexa and musical-instrument reviews of ../shared (skipped
when absent): 30% of the seed is held out; 5 canary rows (an invented name, number and phrase in
their text, and an invented person where the table has a personal column) are planted in the
other 70%; syngen generates from that part with k-shot prompts (its defaults), and the output is
searched for every canary detail. Then, on the same rows: the share of synthetic texts sharing a
longer run of words with a seed text than real texts do (evaluate.memorised), and membership
inference against the held-out 30% (evaluate.membership: share closer to training, attacker AUC).

    python bench/privacy.py [--rows 30] [--seeds 7] [--tables drugs,alexa,instruments]

Figures go to bench/results/privacy/figures.json and BENCHMARKS.md (bench/figures.py).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import figures  # noqa: E402

from syngen.evaluate.membership import membership  # noqa: E402
from syngen.evaluate.memorised import memorised_text  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.generate.loop import run  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402
from syngen.seed.schema import Role  # noqa: E402

OUT = ROOT / "bench" / "results" / "privacy"
SHARED = ROOT.parent / "shared" / "data" / "realworld"
CANARIES = [  # invented: none of these words is in any table here
    ("Zorblatt Quimby", "7781", "my ferret glowed like a lantern"),
    ("Vexnora Plimm", "40517", "the kettle sang in Portuguese"),
    ("Ondrel Kasbeck", "9923", "our attic smelled of cinnamon rain"),
    ("Trullia Venmore", "61408", "the mailbox hummed a waltz"),
    ("Barnaby Ockwith", "3317", "purple gravel in my shoes"),
]


def tables() -> dict[str, Path]:
    out = {"drugs": ROOT / "data" / "drug_reviews" / "train.csv"}
    if (SHARED / "amazon_alexa.tsv").exists():
        out["alexa"] = SHARED / "amazon_alexa.tsv"
    if (SHARED / "amazon_musical_instruments.csv").exists():
        out["instruments"] = SHARED / "amazon_musical_instruments.csv"
    return out


def planted(name: str, path: Path, rng: random.Random):
    """(training file with canaries, training frame, held-out frame, schema, canary details)."""
    seed = prepare_seed(RunConfig(data=str(path)))
    df = seed.df.sample(frac=1, random_state=rng.randrange(10**6)).reset_index(drop=True)
    df = df.head(600)
    cut = int(0.7 * len(df))
    train, held = df.iloc[:cut].copy(), df.iloc[cut:].copy()
    text = seed.schema.by_role(Role.TEXT)[0].name
    person = next((c.name for c in seed.schema.by_role(Role.PERSONAL) if c.personal == "name"), None)
    details = []
    rows = []
    for i, (who, number, phrase) in enumerate(CANARIES):
        row = train.iloc[i * 7 % len(train)].to_dict()
        row[text] = f"{who} here: after {number} days {phrase}, and I would buy it again."
        if person:
            row[person] = who
        rows.append(row)
        details += [who, number, phrase]
    train = pd.concat([train, pd.DataFrame(rows)], ignore_index=True).sample(frac=1, random_state=1)
    OUT.mkdir(parents=True, exist_ok=True)
    file = OUT / f"{name}_train.csv"
    train.to_csv(file, index=False)
    return file, train, held, seed.schema, text, details


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=30)
    p.add_argument("--seeds", default="7")
    p.add_argument("--tables", default="drugs,alexa,instruments")
    a = p.parse_args()
    results = {}
    for name, path in tables().items():
        if name not in a.tables.split(","):
            continue
        for rs in [int(x) for x in a.seeds.split(",")]:
            file, train, held, schema, text, details = planted(name, path, random.Random(rs))
            cfg = RunConfig(data=str(file), num_samples=a.rows, random_seed=rs, out=str(OUT / "runs"))
            t = time.perf_counter()
            res = run(cfg)
            synth = res.rows
            out_text = " \n".join(str(v) for c in synth.columns for v in synth[c].dropna()).lower()
            found = [d for d in details if d.lower() in out_text]
            mem = memorised_text(
                train[text].dropna().tolist(), synth[text].dropna().tolist(), held[text].dropna().tolist()
            )
            closer, attack = membership(schema, train, held, synth)
            fig = {
                "rows": len(synth),
                "seconds": round(time.perf_counter() - t),
                "canary_details_found": f"{len(found)} of {len(details)}" + (f" ({', '.join(found)})" if found else ""),
                "memorised_share": mem.value,
                "memorised": mem.detail,
                "closer_to_training": closer.value,
                "attack_auc": attack.value,
            }
            results.setdefault(name, []).append(fig)
            print(f"{name} seed {rs}: {json.dumps(fig)}", flush=True)
    (OUT / "figures.json").write_text(json.dumps(results, indent=1))
    for name, runs in results.items():
        f = runs[0]
        figures.record(
            f"privacy, {name} (k-shot, {f['rows']} rows from 70% of the seed + 5 canary rows)",
            f"canary details in the output {f['canary_details_found']}; texts reusing more words than real texts "
            f"share {f['memorised_share']:.0%}; closer to training than held-out {f['closer_to_training']:.0%} "
            f"(goal 50 ± 5%); attacker AUC {f['attack_auc']:.2f} (goal ≤ 0.55)",
            f"python bench/privacy.py --rows {a.rows} --seeds {a.seeds}",
            goal="0 canary details; 45-55% closer; AUC ≤ 0.55",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
