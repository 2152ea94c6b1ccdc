"""Values with a shape the seed keeps: IDs made of parts (SKU-525-N) and numbers written with a
currency, a unit or grouped thousands ($46.28, 12%, 1,234). Read as one class of characters, a
shop table's SKUs came out as SKU-HhblZ and its prices as $a-QFP."""

import random
import re

import numpy as np
import pandas as pd

from syngen.backends.scripted import ScriptedBackend
from syngen.config import RunConfig
from syngen.evaluate import utility
from syngen.id_pattern import IdParts, IdPattern, learn_id_pattern
from syngen.number_format import NumberFormat, learn_number_format
from syngen.pipeline import prepare_seed, run
from syngen.quality.report import build_report
from syngen.schema import Role, infer_schema

WORDS = "great fine poor soft loud small bright quick heavy cheap sturdy handy".split()


def shop(n: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    stars = rng.choice(["1", "3", "5"], n)
    return pd.DataFrame(
        {
            "sku": [f"SKU-{rng.integers(100, 999)}-{letters[rng.integers(0, 26)]}" for _ in range(n)],
            "stars": stars,
            "price": [f"${x:,.2f}" for x in rng.uniform(3, 1500, n)],
            "weight": [f"{x} kg" for x in rng.integers(1, 40, n)],
            "body": [" ".join(rng.choice(WORDS, 9)) + f" {s} stars" for s in stars],
        },
        dtype=object,
    )


def test_ids_made_of_parts_keep_each_part():
    rng = random.Random(0)
    sku = learn_id_pattern(shop()["sku"].tolist())
    assert isinstance(sku, IdParts) and sku.regex == r"^SKU\-[0-9]{3}\-[A-Z]{1}$"
    assert all(re.fullmatch(r"SKU-\d{3}-[A-Z]", sku.sample(rng)) for _ in range(200))
    assert not sku.matches("SKU-HhblZ")
    # a part with a few repeating values keeps them (a year), the counter part varies
    order = learn_id_pattern([f"ORD-{2023 + i % 2}-{i * 37:05d}" for i in range(1, 40)])
    assert order.regex == r"^ORD\-(?:2023|2024)\-0[0-9]{4}$"  # zero-padded counters below 10000
    assert {order.sample(rng)[4:8] for _ in range(100)} == {"2023", "2024"}
    uuids = [str(__import__("uuid").UUID(int=rng.getrandbits(128))) for _ in range(30)]
    shape = learn_id_pattern(uuids)
    assert shape.regex == r"^[0-9a-f]{8}\-[0-9a-f]{4}\-[0-9a-f]{4}\-[0-9a-f]{4}\-[0-9a-f]{12}$"
    assert all(shape.matches(shape.sample(rng)) for _ in range(20))
    # IDs without one shape keep the prefix + one class of characters
    mixed = learn_id_pattern(["AB-12", "AB-13-4", "AB-77"])
    assert isinstance(mixed, IdPattern) and all(mixed.matches(v) for v in ["AB-12", "AB-13-4", "AB-77"])
    assert learn_id_pattern(["abc", "xyz", "qrs"]).regex == "^[a-z]{3}$"  # letters stay letters


def test_number_formats_are_learned_read_and_written():
    price = learn_number_format(["$46.28", "$3", "$1,234.50"])
    assert price == NumberFormat("$", "", grouped=True, decimals=2)
    assert [price.parse(v) for v in ("$46.28", "12.5", "-$5.00", "$1,234.50")] == [46.28, 12.5, -5.0, 1234.5]
    assert price.parse("€12") is None and price.parse("$a-QFP") is None and price.parse("12 kg") is None
    assert (price.show(1234.567), price.show(-5), price.show(-0.001)) == ("$1,234.57", "-$5.00", "$0.00")
    assert learn_number_format(["12%", "3.5%"]).show(7) == "7.0%"
    assert learn_number_format(["5 kg", "12 kg"]).show(8) == "8 kg"
    assert learn_number_format(["1,234", "999"]).show(20000) == "20,000"
    for not_one in (["1.5", "2"], ["V1000", "V1001"], ["$5", "€6"], ["5 kg", "6 lb"], ["12,5", "3,25"]):
        assert learn_number_format(not_one) is None, not_one


def test_a_shop_table_gets_numeric_prices_and_sku_parts():
    s = infer_schema(shop())
    roles = {c.name: c.role for c in s.columns}
    assert roles == {
        "sku": Role.ID,
        "stars": Role.LABEL,
        "price": Role.NUMERIC,
        "weight": Role.NUMERIC,
        "body": Role.TEXT,
    }
    price = s.col("price")
    assert re.fullmatch(r"number from \$\d+\.\d\d to \$1,\d{3}\.\d\d", price.describe())
    assert price.check("$500.5") == ("$500.50", None) and price.check("500.5") == ("$500.50", None)
    assert price.check("$a-QFP")[1] == f"'$a-QFP' is not a number like {price.seed_min}"
    assert "outside the seed range" in price.check("$99,999.00")[1]
    # the numbers, for pandas: the report and the classifiers read them
    plain = s.plain_numbers(shop().head(3))
    assert plain["price"].tolist() == [price.number(v) for v in shop().head(3)["price"]]
    assert plain["sku"].tolist() == shop().head(3)["sku"].tolist()


def test_conditional_rows_write_prices_and_ids_the_seeds_way(tmp_path):
    path = tmp_path / "shop.csv"
    shop().to_csv(path, index=False)
    cfg = RunConfig(data=str(path), num_samples=12, k=2, batch_size=4, label_gate=False)
    seed = prepare_seed(cfg)

    def writer(prompt):
        return " " + " ".join(random.choices(WORDS, k=9)) + f" {random.random():.6f}.\n"

    res = run(cfg, ScriptedBackend(outputs=[writer]), seed)
    assert res.status == "complete" and res.plan.generators["price"] == "seed"
    for row in res.rows.to_dict("records"):
        assert re.fullmatch(r"\$\d{1,3}(,\d{3})?\.\d\d", row["price"]), row["price"]
        assert re.fullmatch(r"\d+ kg", row["weight"]) and re.fullmatch(r"SKU-\d{3}-[A-Z]", row["sku"])
        assert seed.schema.validate(row)[1] == []
    report = build_report(seed.df, res.rows, seed.schema)
    ks = [m for m in report.metrics if m.column == "price" and m.name == "KS statistic"]
    assert ks and 0 <= ks[0].value < 1  # compared as numbers, not skipped as unreadable
    table = utility(seed.df, res.rows, seed.df, seed.schema, repeats=1)
    assert table["accuracy"].notna().all()
