import csv
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from helpers import DRUG_TRAIN, FIXTURES  # noqa: E402

# The app tunes every upload in the background; a test that wants that turns it on itself (a
# tuning thread per uploaded test table would hold the 2 cores for minutes).
os.environ.setdefault("SYNGEN_AUTO_TUNE", "0")


@pytest.fixture(scope="session")
def drug_seed():
    from syngen.generate.config import RunConfig
    from syngen.seed.prepared import prepare_seed

    return prepare_seed(RunConfig(data=str(DRUG_TRAIN)))


@pytest.fixture(scope="session")
def amazon_rows():
    with open(FIXTURES / "llm_outputs" / "prompt_seed_rows.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def small_seed(tmp_path):
    """A 12-row review table with a label, an ID, a date and a count; path to its CSV."""
    rows = []
    texts = {
        "positive": [
            "Worked wonders for my back pain within a week",
            "Great relief and no side effects at all",
            "I sleep through the night again thanks to this",
            "Best medication my doctor ever gave me",
        ],
        "negative": [
            "Terrible headaches from the first dose onward",
            "Made me dizzy and sick for days",
            "Did nothing for my pain and cost a fortune",
            "Awful rash appeared after two weeks",
        ],
        "neutral": [
            "Some relief but the nausea was hard to bear",
            "It works on some days and not on others",
            "Hard to tell if it helps after one month",
            "Mild effect with mild side effects too",
        ],
    }
    i = 0
    for label, ts in texts.items():
        for t in ts:
            rows.append(
                {
                    "review_id": str(1000 + 37 * i),
                    "review": t,
                    "rating": label,
                    "date": f"March {i + 1}, 2015",
                    "usefulCount": str(i * 3),
                }
            )
            i += 1
    path = tmp_path / "seed.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so a fixture can tell that its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
