"""Values with a shape the seed keeps: IDs made of parts (SKU-525-N), numbers written with a
currency, a unit, grouped thousands or a decimal comma ($46.28, 12%, 1,234, 4,24 €), and times at
the seed's resolution. Read as one class of characters, a shop table's SKUs came out as SKU-HhblZ
and its prices as $a-QFP."""

import io
import json
import random
import re

import numpy as np
import pandas as pd

from syngen.backends.scripted import ScriptedBackend
from syngen.evaluate.report import build_report
from syngen.evaluate.utility import utility
from syngen.generate.config import RunConfig
from syngen.generate.loop import run
from syngen.runs.export import rows_bytes
from syngen.seed.id_pattern import IdParts, IdPattern, learn_id_pattern
from syngen.seed.number_format import NumberFormat, learn_number_format
from syngen.seed.prepared import prepare_seed
from syngen.seed.schema import Role, infer_schema
from syngen.seed.table import load_upload

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
    for not_one in (["1.5", "2"], ["V1000", "V1001"], ["$5", "€6"], ["5 kg", "6 lb"], ["1,2,3", "4"]):
        assert learn_number_format(not_one) is None, not_one


def test_decimal_commas_are_read_and_written_back():
    euro = learn_number_format(["4,24 €", "57,68 €", "1.234,50 €"])
    assert euro == NumberFormat("", " €", grouped=True, decimals=2, comma=True)
    assert [euro.parse(v) for v in ("4,24 €", "1.234,50 €", "12.5", "-3,5 €")] == [4.24, 1234.5, 12.5, -3.5]
    assert euro.parse("1,234.50") is None and euro.parse("4,24 kg") is None  # not this column's form
    assert (euro.show(1234.567), euro.show(0.5)) == ("1.234,57 €", "0,50 €")
    assert learn_number_format(["12,5", "3,25"]).show(7.1) == "7,10"
    assert learn_number_format(["1,6 kg", "0,6 kg"]).parse("2,0 kg") == 2.0
    assert learn_number_format(["1,500", "2,000"]).parse("1,500") == 1500  # a point is tried first


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


def test_a_european_export_keeps_decimal_commas_and_whole_minutes(tmp_path):
    """A semicolon file from a spreadsheet: prices `4,24 €`, weights `1,6 kg`, times on whole
    minutes. New rows write numbers the same way, and times without seconds the seed never had."""
    rng = np.random.default_rng(3)
    n = 60
    stars = rng.choice(["1", "5"], n)
    minutes = rng.integers(0, 60 * 24 * 200, n)
    table = pd.DataFrame(
        {
            "Sterne": stars,
            "Preis": [f"{x:.2f} €".replace(".", ",") for x in rng.uniform(3, 90, n)],
            "Gewicht": [f"{x:.1f} kg".replace(".", ",") for x in rng.uniform(0.1, 4, n)],
            "Zeit": (pd.Timestamp("2026-01-01") + pd.to_timedelta(minutes, unit="min")).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Kommentar": [" ".join(rng.choice(WORDS, 9)) + f" {s} Sterne" for s in stars],
        }
    )
    path = tmp_path / "export.csv"
    table.to_csv(path, sep=";", index=False)
    cfg = RunConfig(data=str(path), num_samples=40, k=2, batch_size=8, label_gate=False)
    seed = prepare_seed(cfg)
    roles = {c.name: c.role for c in seed.schema.columns}
    assert roles["Preis"] == roles["Gewicht"] == Role.NUMERIC and roles["Zeit"] == Role.TIMESTAMP
    assert seed.schema.col("Preis").unit == NumberFormat("", " €", decimals=2, comma=True)

    def writer(prompt):
        return " " + " ".join(random.choices(WORDS, k=9)) + ".\n"

    res = run(cfg, ScriptedBackend(outputs=[writer]), seed)
    assert res.status == "complete"
    rows = res.rows.to_dict("records")
    for row in rows:
        assert re.fullmatch(r"\d{1,2},\d\d €", row["Preis"]) and re.fullmatch(r"\d,\d kg", row["Gewicht"]), row
        assert seed.schema.validate(row)[1] == []
    assert all(r["Zeit"].endswith(":00Z") for r in rows)  # SDV's default encoder gave any second
    assert len({r["Zeit"][-6:-4] for r in rows}) > 5  # and the minutes still vary
    report = build_report(seed.df, res.rows, seed.schema)
    assert [m for m in report.metrics if m.column == "Preis" and m.name == "KS statistic"]
    exported = rows_bytes(res.rows, "csv", schema=seed.schema)  # `;` as the seed: its spreadsheet opens it
    assert exported.decode().startswith("Sterne;Preis;Gewicht;Zeit;Kommentar")
    back = load_upload(exported, "rows.csv")
    assert back[["Preis", "Zeit"]].values.tolist() == res.rows[["Preis", "Zeit"]].values.tolist()


def test_a_json_seed_gets_its_nested_fields_and_lists_back(tmp_path):
    """`{"meta": {"drug": …, "votes": …}, "tags": […]}`: each part is a column the seed model samples
    (the whole object was one cell of text the language model had to write), and JSONL exports nest
    the parts and give the lists back as lists."""
    rng = np.random.default_rng(5)
    records = []
    for i in range(40):
        stars = str(rng.choice(["1", "5"]))
        meta = {"drug": str(rng.choice(["Abilify", "Zoloft", "Lexapro"])), "votes": int(rng.integers(0, 50))}
        records.append(
            {
                "id": f"r{1000 + i}",
                "meta": meta if i % 10 else None,  # null in some rows: its parts hold the nulls
                "tags": [str(t) for t in rng.choice(["pain", "sleep", "mood"], rng.integers(1, 3))],
                "text": " ".join(rng.choice(WORDS, 9)) + f" {stars} stars",
                "stars": stars,
            }
        )
    path = tmp_path / "seed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    cfg = RunConfig(data=str(path), num_samples=6, k=2, batch_size=3, label_gate=False, format="jsonl")
    seed = prepare_seed(cfg)
    assert list(seed.df.columns) == ["id", "meta.drug", "meta.votes", "tags", "text", "stars"]
    assert seed.schema.nested == ["meta.drug", "meta.votes"] and seed.schema.arrays == ["tags"]
    assert seed.schema.col("meta.votes").role == Role.COUNT and seed.schema.col("meta.drug").role == Role.CATEGORICAL
    assert "nested fields became columns (meta.drug, meta.votes)" in seed.clean.notes[0]

    def writer(prompt):
        return " " + " ".join(random.choices(WORDS, k=9)) + ".\n"

    res = run(cfg, ScriptedBackend(outputs=[writer]), seed)
    assert res.status == "complete" and res.plan.generators["meta.drug"] == "seed"
    lines = [json.loads(line) for line in rows_bytes(res.rows, "jsonl", schema=seed.schema).decode().splitlines()]
    for rec in lines:
        assert list(rec)[:5] == ["id", "meta", "tags", "text", "stars"]
        if rec["meta"]["drug"] is not None:
            assert rec["meta"]["drug"] in ("Abilify", "Zoloft", "Lexapro") and isinstance(rec["meta"]["votes"], int)
        assert isinstance(rec["tags"], list) and set(rec["tags"]) <= {"pain", "sleep", "mood"}
    flat = pd.read_csv(io.BytesIO(rows_bytes(res.rows, "csv", schema=seed.schema)))
    assert "meta.drug" in flat.columns  # a table format keeps one column per part
