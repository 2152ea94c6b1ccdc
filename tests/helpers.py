"""Paths shared by the tests (imported as `helpers`; conftest modules are not importable by name)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DRUG_TRAIN = ROOT / "data" / "drug_reviews" / "train.csv"
