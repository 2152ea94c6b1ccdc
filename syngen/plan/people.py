"""Fresh people for synthetic rows: realistic values from Faker for every personal column, never a
seed value, the same value for the same entity (a reviewer's name on every row of their key);
and the same treatment for people inside written text (emails, phone numbers, links, seed
people's names and handles).

Why Faker directly rather than rdt's AnonymizedFaker: values must be consistent per entity key and
must never equal a seed value; rdt's transformer gives neither guarantee. Faker is seeded with the
run's random seed, so a run's people replay with it.
"""

from __future__ import annotations

import random
import re

import pandas as pd

from syngen.plan.keys import determined_by
from syngen.plan.places import Places
from syngen.seed.personal import EMAIL, HANDLE, PHONE, URL, identifying, same_person_form
from syngen.seed.schema import Role, Schema


class People:
    def __init__(self, df: pd.DataFrame, schema: Schema, random_seed: int = 0):
        from faker import Faker

        self.fake = Faker("en_US")
        self.fake.seed_instance(random_seed)
        self.rng = random.Random(random_seed)
        self.cols = schema.by_role(Role.PERSONAL)
        keys = [c.name for c in schema.by_role(Role.KEY)]
        self.owner = {c.name: next((k for k in keys if determined_by(df, k, c.name)), None) for c in self.cols}
        self.seed_values = {c.name: set(df[c.name].dropna().astype(str)) for c in self.cols}
        # compared as the privacy check compares them: "Brian" is the seed's "brian"
        self._seed_norm = {c: {same_person_form(v) for v in vals} for c, vals in self.seed_values.items()}
        self.missing = {c.name: float(df[c.name].isna().mean()) for c in self.cols}
        self.style = {c.name: _style(df[c.name].dropna().astype(str).tolist()) for c in self.cols}
        self.kind = {c.name: c.personal or "name" for c in self.cols}
        # real towns for location and coordinate columns, in the seed's countries (syngen.plan.places)
        towns = [v for c in self.cols if self.kind[c.name] == "location" for v in self.seed_values[c.name]]
        self.places = (
            Places(towns, self.rng) if any(k in ("location", "coordinates") for k in self.kind.values()) else None
        )
        self._town: dict | None = None  # the town of the row being filled: its coordinates lie near it
        self.memo: dict[tuple, str | None] = {}
        # what identifies a seed person inside text (not names that are everyday words of the table)
        self.seed_people = seed_people(df, schema)
        self._people_re = _alternation(self.seed_people)
        self._taken = {same_person_form(v) for v in self.seed_people}

    @property
    def notes(self) -> list[str]:
        return [
            f"{c.name}: fresh {self.kind[c.name]} values (never a seed person's)"
            + (f", the same for each {self.owner[c.name]}" if self.owner[c.name] else "")
            for c in self.cols
        ]

    def value(self, col: str) -> str | None:
        if self.rng.random() < self.missing[col]:
            return None
        for _ in range(50):
            v = self._draw(col)
            if same_person_form(v) not in self._seed_norm[col] and not self._names_seed_person(v):
                return v
        return f"{self._draw(col)} {self.rng.randrange(10**4)}"  # every draw was a seed value: make it new

    def _draw(self, col: str) -> str:
        kind, style, f = self.kind[col], self.style[col], self.fake
        if kind == "name":
            v = self._name(style)
        elif kind == "handle":
            v = self._handle(style)
        elif kind == "email":
            v = f.email()
        elif kind == "phone":
            v = f.phone_number()
        elif kind == "address":
            v = f.street_address()
        elif kind == "location":
            self._town = self.places.town()
            v = self.places.name(
                self._town, self.rng.random() < style["comma"]
            )  # "Louisville" or "Dallas, TX" as often as the seed
        elif kind == "coordinates":
            lat, lon = self.places.near(self._town or self.places.town())
            v = f"{lat:.6f}, {lon:.6f}"
            v = f"[{v}]" if style["bracket"] else v
        else:  # ip
            v = f.ipv4()
        if style["at"] and not v.startswith("@"):
            v = "@" + v
        return v.lower() if style["lower"] else v

    def _name(self, style: dict) -> str:
        """A person's name in the forms the seed's column mixes, as often as it mixes them: one word
        (a first name, or a handle as often as its one-word values are handles), "Andrew F.", a
        full name, with a quoted nickname ('R. Milyard "GearJunky"')."""
        f, rng = self.fake, self.rng
        r = rng.random()
        if r < style["single"]:
            return self._handle(style) if rng.random() < style["handles"] else f.first_name()
        first, last = f.first_name(), f.last_name()
        v = f"{first} {last[0]}." if r < style["single"] + style["initial"] else f"{first} {last}"
        if rng.random() < style["quoted"]:
            v += f' "{self._handle(style)}"'
        return v

    def _handle(self, style: dict) -> str:
        """A user handle shaped as the seed's are: CamelCase, lowercase, with digits or an
        underscore in the shares the seed has them."""
        f, rng = self.fake, self.rng
        first, last = f.first_name(), f.last_name()
        if rng.random() < style["camel"]:
            v = first + last if rng.random() < 0.6 else first[0] + last
        else:
            v = (
                first + ("_" if rng.random() < style["underscore"] else "") + last[: rng.randint(1, len(last))]
            ).lower()
        if rng.random() < style["digits"]:
            v += str(rng.choice([rng.randrange(1, 100), rng.randrange(1960, 2010)]))
        return v

    def fill(self, fields: dict) -> dict:
        """Give the row's personal columns fresh values (one per entity where a key owns them)."""
        self._town = None  # a new row: a new town unless its location column draws one
        for c in self.cols:
            owner = self.owner[c.name]
            if owner and fields.get(owner) is not None:
                fields[c.name] = self.memo.setdefault((c.name, fields[owner]), self.value(c.name))
            else:
                fields[c.name] = self.value(c.name)
        return fields

    def repair(self, row: dict) -> int:
        """A row the model wrote: seed people's values in personal columns become fresh ones.
        Returns how many were replaced."""
        n = 0
        for c in self.cols:
            if row.get(c.name) and same_person_form(row[c.name]) in self._seed_norm[c.name]:
                row[c.name] = self.value(c.name)
                n += 1
        return n

    def scrub(self, text: str) -> tuple[str, int]:
        """Text with emails, phone numbers, links and seed people's names and handles replaced by
        fresh values. Returns (text, how many were replaced)."""
        if not text:
            return text, 0
        count = 0

        def sub(pattern, make):
            nonlocal text, count
            text, n = pattern.subn(lambda m: make(m.group(0)), text)
            count += n

        sub(EMAIL, lambda _: self.fake.email())
        sub(URL, lambda _: self.fake.url())
        sub(PHONE, lambda _: self.fake.phone_number())
        if self._people_re is not None:
            sub(self._people_re, self._like)
        return text, count

    def _names_seed_person(self, v: str) -> bool:
        """A fresh value with a seed person in it ("Brian Brown" when the seed has a "Brian")."""
        return any(w in self._taken for w in same_person_form(v).split())

    def _like(self, seen: str) -> str:
        """A fresh value shaped like the seed person's value found in a text, never a seed person."""
        taken = self._taken
        for _ in range(50):
            if seen.startswith("@"):
                v = "@" + self.fake.user_name()
            elif " " in seen:
                v = self.fake.name()
            else:
                v = self.fake.user_name() if seen.islower() else self.fake.first_name()
            if same_person_form(v) not in taken and not self._names_seed_person(v):
                return v
        return "someone"


def seed_people(df: pd.DataFrame, schema: Schema) -> set[str]:
    """The seed's values that single a person out: personal cells that are not everyday words of
    its texts, and @handles its texts mention rarely (a handle in many texts, "@united" in airline
    tweets, is what the table is about, not a person). What written text is scrubbed of, in
    prompts sent off the machine and in the output, and what the report looks for in the output."""
    texts = [str(v) for c in schema.by_role(Role.TEXT) for v in df[c.name].dropna()]
    people = {v for c in schema.by_role(Role.PERSONAL) for v in df[c.name].dropna().astype(str)}
    mentioned = {h for t in texts for h in HANDLE.findall(t)}
    return identifying(people | mentioned, texts)


def _style(values: list[str]) -> dict:
    n = max(1, len(values))
    return {
        "camel": sum(bool(re.search(r"[a-z][A-Z]", v)) for v in values) / n,
        "digits": sum(any(ch.isdigit() for ch in v) for v in values) / n,
        "underscore": sum("_" in v for v in values) / n,
        "single": sum(" " not in v.strip() for v in values) / n,  # shares of a name column's forms
        "handles": sum(" " not in v and bool(re.search(r"\d|_|[a-z][A-Z]|^[a-z]+$", v)) for v in values)
        / max(1, sum(" " not in v.strip() for v in values)),
        "initial": sum(bool(re.search(r"\s[A-Z]\.(\s|$)", v)) for v in values) / n,
        "quoted": sum('"' in v for v in values) / n,
        "at": sum(v.startswith("@") for v in values) >= 0.7 * n,
        "lower": sum(v == v.lower() for v in values) >= 0.9 * n,
        "comma": sum(", " in v for v in values) / n,  # a share: towns written "Dallas, TX" this often
        "bracket": sum(v.startswith("[") for v in values) >= 0.5 * n,
    }


def _alternation(values: set[str]):
    """One regex for seed people's names and handles as whole words (longest first)."""
    words = sorted({v.strip() for v in values if v.strip()}, key=len, reverse=True)
    if not words:
        return None
    # case-insensitive, as the report's count is: "brian" in a text is the seed's "Brian"
    return re.compile(r"(?<![\w@])(?:" + "|".join(re.escape(w) for w in words[:5000]) + r")(?!\w)", re.I)


class PeopleMask:
    """Seed rows as they may be shown to a service off this machine: every personal cell replaced
    by a fresh value (one seed person, one fresh value, wherever they appear) and the texts
    scrubbed of emails, phone numbers, links and seed people's names and handles, by the rules
    the output follows."""

    def __init__(self, df: pd.DataFrame, schema: Schema, random_seed: int = 0):
        self.people = People(df, schema, random_seed + 7919)  # not the draws the run's own rows get
        self.texts = [c.name for c in schema.by_role(Role.TEXT, Role.SHORT_TEXT)]
        # row IDs and the keys of people (a reviewer ID singles a person out as a name does); a
        # product key (an ASIN) stays, as the rows' own keys may reuse it
        person_keys = {k for k in self.people.owner.values() if k}
        self.ids = {
            c.name: c.id_pattern
            for c in schema.by_role(Role.ID, Role.KEY)
            if c.id_pattern is not None and (c.role == Role.ID or c.name in person_keys)
        }
        self.seed_ids = {c: set(df[c].dropna().astype(str)) for c in self.ids}
        self.fresh: dict[tuple[str, str], str] = {}
        self.replaced = 0

    def value(self, col: str, v):
        if v is None or (isinstance(v, float) and v != v):
            return v
        key = (col, str(v))
        if key not in self.fresh:
            self.fresh[key] = (
                self._fresh_id(col) if col in self.ids else self.people.value(col) or self.people._draw(col)
            )
        self.replaced += 1
        return self.fresh[key]

    def _fresh_id(self, col: str) -> str:
        for _ in range(50):
            v = self.ids[col].sample(self.people.rng)
            if v not in self.seed_ids[col]:
                return v
        return v

    def row(self, row: dict) -> dict:
        out = dict(row)
        for c in [*(c.name for c in self.people.cols), *self.ids]:
            if c in out:
                out[c] = self.value(c, out[c])
        for c in self.texts:
            if isinstance(out.get(c), str) and out[c]:
                out[c], k = self.people.scrub(out[c])
                self.replaced += k
        return out

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame([self.row(r) for r in df.to_dict("records")], index=df.index, columns=df.columns)
        out.attrs = dict(df.attrs)
        return out
