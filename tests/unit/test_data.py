import json

import pandas as pd
import pytest

from syngen.common.errors import DataError
from syngen.seed.clean import CleanOptions, clean_table, clean_value
from syngen.seed.table import dataset_name, load_table, load_upload

ROWS = [{"id": "1", "text": "good stuff here", "label": "pos"}, {"id": "2", "text": "bad stuff there", "label": "neg"}]


@pytest.mark.parametrize("ext", ["csv", "tsv", "json", "jsonl", "parquet", "xlsx"])
def test_every_format_loads_as_strings(tmp_path, ext):
    df = pd.DataFrame(ROWS)
    p = tmp_path / f"t.{ext}"
    if ext == "csv":
        df.to_csv(p, index=False)
    elif ext == "tsv":
        df.to_csv(p, index=False, sep="\t")
    elif ext == "json":
        p.write_text(json.dumps(ROWS))
    elif ext == "jsonl":
        p.write_text("\n".join(json.dumps(r) for r in ROWS))
    elif ext == "parquet":
        df.to_parquet(p)
    else:
        df.to_excel(p, index=False)
    out = load_table(p)
    assert list(out.columns) == ["id", "text", "label"]
    assert out.to_dict("records") == ROWS


def test_semicolon_delimiter_is_sniffed(tmp_path):
    p = tmp_path / "semi.csv"
    p.write_text("id;text;label\n1;hello, world;pos\n2;bye;neg\n")
    out = load_table(p)
    assert out.shape == (2, 3)
    assert out.loc[0, "text"] == "hello, world"


def test_latin1_file_is_decoded(tmp_path):
    p = tmp_path / "l1.csv"
    p.write_bytes("id,text\n1,caf\xe9 cr\xe8me\n".encode("latin-1"))
    assert load_table(p).loc[0, "text"] == "café crème"


@pytest.mark.parametrize(
    "content,needle",
    [
        (b"", "empty"),
        (b"a,b,c\n", "no data rows"),
        (b"\x00\x01\x02binary\x00junk" * 10, "binary"),
    ],
)
def test_bad_files_give_one_line_messages(tmp_path, content, needle):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    with pytest.raises(DataError) as e:
        load_table(p)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_missing_file_and_bad_json(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_table(tmp_path / "nope.csv")
    p = tmp_path / "x.json"
    p.write_text('{"a": 1}')
    with pytest.raises(DataError, match="list of records"):
        load_table(p)
    p.write_text('[{"a": 1},')
    with pytest.raises(DataError, match="not valid JSON"):
        load_table(p)


def test_the_bundled_seed_loads_from_any_folder(tmp_path, monkeypatch):
    """`syngen generate` run outside the project folder still finds its default seed; a relative
    path that is neither here nor in the project stays "file not found"."""
    monkeypatch.chdir(tmp_path)
    df = load_table("data/drug_reviews/train.csv")
    assert len(df) == 600 and "review" in df.columns
    with pytest.raises(DataError, match="file not found"):
        load_table("data/drug_reviews/nope.csv")
    (tmp_path / "data" / "drug_reviews").mkdir(parents=True)
    (tmp_path / "data" / "drug_reviews" / "train.csv").write_text("id,text\n1,mine\n")
    assert load_table("data/drug_reviews/train.csv")["text"].tolist() == ["mine"]  # a file here comes first


def test_size_limit_and_duplicate_columns(tmp_path):
    p = tmp_path / "big.csv"
    p.write_text("a,b\n" + "1,2\n" * 100)
    with pytest.raises(DataError, match="over the"):
        load_table(p, max_bytes=50)
    with pytest.raises(DataError, match="over the"):
        load_upload(p.read_bytes(), "big.csv", max_bytes=50)
    p.write_text("a,a,\n1,2,\n")  # a repeated name and an empty one, as downloaded files have them
    got = load_table(p)
    assert got.columns.tolist() == ["a", "a_2"]  # the empty, nameless column is dropped
    assert "the repeat is called 'a_2'" in " ".join(got.attrs["notes"])


def test_clean_value_fixes_the_drug_review_artefacts():
    counts = {}
    raw = '"I couldn&rsquo;t sleep &amp; I didn&#039;t  eat.  "'
    assert clean_value(raw, CleanOptions(), counts) == "I couldn’t sleep & I didn't eat."
    assert counts == {"html_entities": 1, "wrapping_quotes": 1, "whitespace": 1}
    assert clean_value("I%u2019ve", CleanOptions(), {}) == "I’ve"
    # apostrophes inside single quotes are not a wrapper; a lone quote is left alone
    assert clean_value("'it's fine'", CleanOptions(), {}) == "'it's fine'"
    assert clean_value('say "hi" now', CleanOptions(), {}) == 'say "hi" now'


def test_clean_table_counts_every_fix():
    df = pd.DataFrame(
        {
            "text": [
                "good &amp; fine words here and now",
                "good &amp; fine words here and now",
                None,
                "   ",
                "another long enough review text here",
            ],
            "label": ["a", "a", None, "b", "b"],
        },
        dtype=object,
    )
    out, rep = clean_table(df)
    assert rep.rows_before == 5 and rep.rows_after == 2
    assert rep.changes["html_entities"] == 2
    assert rep.changes["empty_rows"] == 1
    assert rep.changes["empty_text"] == 1
    assert rep.changes["duplicate_rows"] == 1
    assert out["text"].tolist() == ["good & fine words here and now", "another long enough review text here"]
    kept, rep2 = clean_table(df, opts=CleanOptions(html_entities=False, drop_duplicates=False))
    assert rep2.changes["html_entities"] == 0 and len(kept) == 3


def test_bundled_drug_reviews_clean_as_documented(drug_seed):
    assert len(drug_seed.df) == 600
    assert drug_seed.clean.changes["wrapping_quotes"] == 600
    assert not drug_seed.df["review"].str.contains("&#039;|&rsquo;|^\"", regex=True).any()


def test_dataset_name():
    assert dataset_name("data/drug_reviews/train.csv") == "drug_reviews"
    assert dataset_name("x/my_products.csv") == "my_products"
