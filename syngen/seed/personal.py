"""Columns that hold people: names, user handles, emails, phone numbers, addresses, free-text
locations, coordinates, IP addresses. Found by the column's name and its values; such a column
is never sampled from the seed (syngen.plan.people writes fresh values instead).

The name rules are narrow on purpose: `drugName` or `company_name` name things, not people;
`reviewerName`, `author`, `name`, `user_name`, `tweet_location` do name people or where they live.
"""

from __future__ import annotations

import re

KINDS = ("name", "handle", "email", "phone", "address", "location", "coordinates", "ip")

_BY_NAME = [
    ("email", re.compile(r"e-?mail", re.I)),
    ("phone", re.compile(r"phone|mobile|^tel$|telephone|^cell$", re.I)),
    ("ip", re.compile(r"(^|_)ip(_?addr(ess)?)?$|^ip_?address$", re.I)),
    ("coordinates", re.compile(r"coord|^lat(itude)?$|^lon(gitude)?$|^lng$|latitude|longitude", re.I)),
    ("handle", re.compile(r"handle|screen_?name|user_?name|^user$|^username$|nickname", re.I)),
    (
        "name",
        re.compile(
            r"^(first|last|full|given|family|reviewer|author|customer|user|display|sender|recipient|contact|"
            r"person|patient|employee|profile|client)?[_ ]?name$|^(author|reviewer|customer|patient)$",
            re.I,
        ),
    ),
    ("address", re.compile(r"address|street", re.I)),
    ("location", re.compile(r"location|^city$|hometown|^town$|zip_?code|postcode|postal", re.I)),
]
_BY_VALUE = [
    ("email", re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")),
    ("ip", re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")),
    ("coordinates", re.compile(r"^[\[(]?\s*-?\d{1,3}\.\d+\s*,\s*-?\d{1,3}\.\d+\s*[\])]?$")),
    ("handle", re.compile(r"^@\w{2,30}$")),
    # (555) 123-4567, 555-123-4567, +44 20 7946 0958: a leading + or a 3-3-4 grouping, not a date
    ("phone", re.compile(r"^(\+\d[\d\s().-]{6,}\d|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})$")),
]
_ID_LIKE = re.compile(r"[A-Z0-9_-]+")
# In written text: what is scrubbed wherever it appears.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"https?://\S+|www\.\S+")
HANDLE = re.compile(r"(?<![\w@.])@\w{2,30}\b")  # an @mention (not the @ of an email address)
PHONE = re.compile(r"(?<!\w)(?:\+\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\w)")


def personal_kind(name: str, values: list[str]) -> str | None:
    """The kind of personal data a column holds, or None. Values decide first (90% of them must
    look like emails, IPs, coordinates, @handles or phone numbers); else the column's name, for
    columns of short values (a column of long texts is free text, scrubbed instead)."""
    sample = [v.strip() for v in values[:300] if v and v.strip()]
    if not sample:
        return None
    for kind, pattern in _BY_VALUE:
        hits = sum(bool(pattern.match(v)) for v in sample)
        if hits >= 0.9 * len(sample) and (kind != "phone" or _named(name) in ("phone", None) and _phone_like(sample)):
            return kind
    kind = _named(name)
    if kind in ("name", "handle") and all(_ID_LIKE.fullmatch(v) and any(ch.isdigit() for ch in v) for v in sample):
        return None  # a "user" column of U0001, A2IBPI20UZIR0U: user IDs (an id or key role), not names
    one_word = sum(" " not in v for v in sample)
    handle_like = sum(
        " " not in v
        and (v.islower() or any(ch.isdigit() or ch == "_" for ch in v) or bool(re.search(r"[a-z][A-Z]", v)))
        for v in sample
    )
    if kind == "name" and one_word >= 0.9 * len(sample) and handle_like >= 0.5 * len(sample):
        kind = "handle"  # a "name" column of saraholbrook, jnardino7, CamiCorreaBal: user handles
    if kind and (sum(len(v) for v in sample) / len(sample) <= 80 or kind == "address"):
        return kind
    return None


def _named(name: str) -> str | None:
    flat = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).strip()  # reviewerName -> reviewer_Name
    for kind, pattern in _BY_NAME:
        if pattern.search(flat) or pattern.search(name):
            return kind
    return None


def _phone_like(values: list[str]) -> bool:
    """Phone numbers have 7-15 digits and usually separators; plain integers (counts, IDs) are
    not taken for phones unless the name says so."""
    digits = [sum(ch.isdigit() for ch in v) for v in values]
    separated = sum(any(ch in v for ch in " -().+") for v in values)
    return all(7 <= d <= 15 for d in digits) and separated >= 0.5 * len(values)


def identifying(values: set[str], seed_texts: list[str], common: float = 0.01) -> set[str]:
    """The personal values that single a person out: 3+ characters, and not everyday words of
    the table. A plain one-word value ("Dad", "Music") found as a word in any seed text is a word
    people write, not a person; a longer name or a handle ("Amazon Customer", "@guitar_guy") is,
    unless more than `common` of the seed's texts (or 3 of them) contain it."""
    texts = [t.lower() for t in seed_texts]
    words = {w for t in texts for w in re.findall(r"[\w']+", t)}
    limit = max(3, common * len(texts))
    out = set()
    for v in values:
        w = str(v).strip()
        low = w.lower().lstrip("@")
        if len(low) < 3:
            continue
        plain_word = re.fullmatch(r"[^\W\d_]+", low) is not None and not w.startswith("@")
        if plain_word and low in words:
            continue
        if plain_word or sum(low in t for t in texts) <= limit:
            out.add(w)
    return out


def same_person_form(v) -> str:
    """How two personal values are compared: case, a leading @ and spacing do not matter."""
    return " ".join(str(v).lower().lstrip("@").split())
