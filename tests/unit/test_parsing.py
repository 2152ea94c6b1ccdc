import json
import random
from collections import Counter

import pytest
from helpers import AMAZON_COLS, FIXTURES

from syngen.prompting.parsing import _parse, parse_output

COLS = AMAZON_COLS
TEXT = ["text"]

# rows recovered, exemplar copies flagged, other rejects by reason — counted by hand from the files
EXPECTED = {
    "suppl_base_cohere_command-r-plus_10_output.csv": (10, 0, {}),
    "suppl_base_hf_qwen_10_output.csv": (7, 3, {}),
    "suppl_base_ollama_llama3.2_10_output.csv": (10, 0, {}),
    "suppl_diversity_cohere_command-r-plus_10_output.csv": (10, 0, {}),
    # markdown with 10 cells for 11 columns (date and time merged), the last row cut off
    "suppl_diversity_hf_qwen_10_output.csv": (
        0,
        0,
        {"ragged row: 10 fields, expected 11": 8, "incomplete last row (7 of 11 fields; output was cut off)": 1},
    ),
    # an extra value (1234567890) shifted every row; no comma there is inside a sentence
    "suppl_diversity_ollama_llama3.2_10_output.csv": (
        0,
        0,
        {"ragged row: 13 fields, expected 11": 9, "ragged row: 12 fields, expected 11": 1},
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_outputs(name, amazon_rows):
    text = (FIXTURES / "llm_outputs" / name).read_text(encoding="utf-8")
    res = parse_output(text, COLS, TEXT, amazon_rows)
    rows, copies, others = EXPECTED[name]
    reasons = Counter(r.reason for r in res.rejects)
    assert len(res.rows) == rows
    assert reasons.pop("copies a prompt exemplar", 0) == copies
    assert dict(reasons) == others
    assert all(set(r) == set(COLS) for r in res.rows)


def test_cohere_diversity_commas_inside_text_are_rejoined(amazon_rows):
    text = (FIXTURES / "llm_outputs" / "suppl_diversity_cohere_command-r-plus_10_output.csv").read_text()
    res = parse_output(text, COLS, TEXT, amazon_rows)
    assert res.repaired == 4
    assert res.rows[1]["text"] == "Didn't notice much of a difference, but no negative side effects either."
    assert res.rows[6]["text"] == "I wish the pills were a bit smaller, but otherwise, it's a great product."
    assert res.rows[1]["title"] == "It's okay" and res.rows[1]["asin"] == "B00ABC4321"


def test_qwen_spaced_csv_values_are_trimmed(amazon_rows):
    text = (FIXTURES / "llm_outputs" / "suppl_base_hf_qwen_10_output.csv").read_text()
    row = parse_output(text, COLS, TEXT, amazon_rows).rows[0]
    assert row == {
        "rating": "4",
        "title": "Vitamin D3",
        "text": "Helps maintain healthy bones",
        "asin": "B00012ND5G",
        "parent_asin": "B00012ND5G",
        "user_id": "AGDVFFLJWAQ3ULNNKF4LXID2RVSQ",
        "timestamp": "2009-12-11 00:37:33",
        "helpful_vote": "1",
        "verified_purchase": "True",
        "data": "2009-12-11",
        "time": "00:37",
    }


C3 = ["id", "review", "label"]


def test_json_forms():
    rows = [{"id": "1", "review": "fine", "label": "pos"}, {"id": "2", "review": "bad", "label": "neg"}]
    assert parse_output(json.dumps(rows), C3).rows == rows
    assert parse_output(json.dumps({"rows": rows}), C3).rows == rows
    res = parse_output("\n".join(json.dumps(r) for r in rows), C3)
    assert res.fmt == "jsonl" and res.rows == rows
    res = parse_output('Sure! Here you go:\n```json\n' + json.dumps(rows) + '\n```\nEnjoy!', C3)
    assert res.rows == rows
    res = parse_output(json.dumps([{"ID": 3, "Review": "ok", "Label": "pos"}, {"id": "4"}]), C3)
    assert res.rows == [{"id": "3", "review": "ok", "label": "pos"}]
    assert res.rejects[0].reason == "missing column(s) review, label"
    assert parse_output('{"answer": 42}', C3).rejects[0].reason == "JSON object has none of the expected columns"


def test_chatty_csv_with_fence_preamble_and_epilogue():
    out = (
        "Here are 3 synthetic rows:\n```csv\nid,review,label\n7,\"Good, really good\",pos\n"
        "8,Awful,neg\n```\nLet me know if you need more!"
    )
    res = parse_output(out, C3)
    assert res.rows == [
        {"id": "7", "review": "Good, really good", "label": "pos"},
        {"id": "8", "review": "Awful", "label": "neg"},
    ]
    assert [r.reason for r in res.rejects] == ["not a data row (prose or commentary)"] * 2


def test_headerless_numbered_and_markdown():
    assert parse_output("1. 5,fine,pos\n2. 6,meh,neu", C3).rows == [
        {"id": "5", "review": "fine", "label": "pos"},
        {"id": "6", "review": "meh", "label": "neu"},
    ]
    md = "| id | review | label |\n|---|---|---|\n| 9 | nice one | pos |\n| 10 | poor | neg |"
    res = parse_output(md, C3)
    assert res.fmt == "markdown" and [r["id"] for r in res.rows] == ["9", "10"]


def test_header_in_another_order_maps_by_name():
    res = parse_output("label,id,review\npos,1,hello", C3)
    assert res.rows == [{"label": "pos", "id": "1", "review": "hello"}]


def test_ragged_repair_only_when_unambiguous():
    two_text = ["id", "title", "review", "label"]
    # one comma-with-space could belong to title or review: ambiguous -> rejected
    res = parse_output("1,Nice, really,Works well, mostly,pos", two_text, ["title", "review"])
    assert res.rows == [] and res.rejects[0].reason.startswith("ragged row")
    res = parse_output("1,Nice,Works well, mostly,pos", two_text, ["review"])
    assert res.rows[0]["review"] == "Works well, mostly" and res.repaired == 1
    res = parse_output("1,fine,pos,", C3)  # trailing delimiter
    assert res.rows == [{"id": "1", "review": "fine", "label": "pos"}]


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "",
        "   \n\n",
        b"\xff\xfe\x00bad bytes\x80",
        "{{{{",
        "[1, 2",
        "a" * 10000,
        "\"unterminated,quote\n1,2,3",
        "|||\n|---|",
    ],
)
def test_never_raises_on_garbage(garbage):
    # _parse is the parser without parse_output's safety net: it must not raise by itself
    res = _parse(garbage, C3, [], [], None)
    assert not res.rows or all(set(r) <= set(C3) for r in res.rows)
    if garbage not in (None, "", "   \n\n", "|||\n|---|"):
        assert res.rejects and all(r.reason for r in res.rejects)  # nothing vanishes without a reason


def test_random_text_never_raises_and_every_line_is_accounted_for():
    rng = random.Random(0)
    alphabet = "ab,\"|\n{}[]:0123 \t-`"
    for _ in range(300):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        res = _parse(s, C3, ["review"], [{"id": "1", "review": "a", "label": "b"}], None)
        assert all(set(r) <= set(C3) for r in res.rows)
        if s.strip() and not res.rows:
            assert res.rejects, repr(s)


def test_records_format():
    out = (
        "id: 1\nreview: A long review that the model\nwrapped onto a second line\nlabel: pos\n\n"
        "id: 2\nreview: second\nlabel: neg\n"
        "id: 3\nreview: no blank line before me\nlabel: pos\n\nid: 4\nreview: cut off here"
    )
    res = parse_output(out, C3)
    assert res.fmt == "records"
    assert res.rows == [
        {"id": "1", "review": "A long review that the model wrapped onto a second line", "label": "pos"},
        {"id": "2", "review": "second", "label": "neg"},
        {"id": "3", "review": "no blank line before me", "label": "pos"},
    ]
    assert res.rejects[0].reason == "incomplete last row (2 of 3 fields; output was cut off)"
    res = parse_output(out, C3, truncated=False)
    assert res.rejects[0].reason == "missing column(s) label"
    res = parse_output("Sure, here you go!\n\nID: 5\nReview: fine\nLabel: pos\n", C3)
    assert res.rows == [{"id": "5", "review": "fine", "label": "pos"}]
    assert res.rejects[0].reason == "not a data row (prose or commentary)"
