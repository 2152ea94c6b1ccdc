"""A model of the seed's structured columns, sampled per label (SDV's Gaussian copula).

The conditional plan asks the language model only for free text; everything else in a row
(categories, names, numbers, counts, dates) comes from here, already valid. Why SDV and these
settings (measured in bench/conditional.py and on the bundled drug reviews, 200 rows):
* one GaussianCopulaSynthesizer per label, so vote counts and drugs follow the row's label
  (mean helpful votes by label 17/22/30 vs the seed's 15/21/30; one copula over all rows: 25/18/32);
* a `FixedCombinations` constraint over the open-vocabulary columns (drug name, condition),
  because a copula over frequency-encoded categories scrambles pairs: 91% of (drugName,
  condition) pairs were never seen in the seed without it, 0-1% with it.
IDs are not modelled: each row gets a fresh value of the learned pattern (never a seed ID).
A label with fewer than MIN_GROUP rows is too small to fit; its rows' structured values are
resampled as whole tuples instead (said in `notes`).
"""

from __future__ import annotations

import contextlib
import io
import random
from collections import defaultdict

import numpy as np
import pandas as pd

from syngen.common.errors import ConfigError
from syngen.common.fitted_cache import digest, fitted
from syngen.common.quiet import quiet_libraries
from syngen.common.text import has_date, has_time
from syngen.seed.schema import Role, Schema
from syngen.seed.timestamps import EPOCHS, format_time, parse_time, plain

MIN_GROUP = 10  # rows a label needs for its own copula
_FITTED: dict = {}  # (seed content, columns, fixed) -> fitted synthesizers per label; a few kept
POOL = 64  # rows sampled per call to SDV; sampling one row at a time costs ~10 ms each
_SDTYPE = {
    Role.CATEGORICAL: "categorical",
    Role.SHORT_TEXT: "categorical",
    Role.LABEL: "categorical",
    Role.NUMERIC: "numerical",
    Role.COUNT: "numerical",
    Role.TIMESTAMP: "datetime",
}


def _epoch(spec) -> bool:
    """Epoch times are modelled as the whole numbers they are (SDV reads them as numbers)."""
    return spec.role == Role.TIMESTAMP and spec.fmt in EPOCHS


def epoch_step(values: pd.Series, fmt: str) -> int:
    """The coarsest of a day, an hour, a minute, a second (in the epoch's unit) that every seed
    value is a whole number of."""
    per_second = 1000 if fmt == EPOCHS[1] else 1
    nums = [int(v) for v in values.dropna()]
    for seconds in (86400, 3600, 60, 1):
        step = seconds * per_second
        if nums and all(x % step == 0 for x in nums):
            return step
    return 1


def _format_number(x, integer: bool, spec) -> str | None:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    if spec.unit:  # $46.28: written back the way the seed writes it
        return spec.unit.show(float(round(x)) if integer else float(x))  # $5.00 keeps its decimals
    if integer:
        return str(int(round(float(x))))
    v = float(x)
    return str(int(v)) if v.is_integer() else f"{v:.6g}"


class StructureModel:
    """Fit on the seed once; `sample(label)` returns one row of the sampled columns."""

    def __init__(
        self, df: pd.DataFrame, schema: Schema, columns: list[str], random_seed: int = 0, fixed: list[str] | None = None
    ):
        self.schema, self.random_seed = schema, random_seed
        label = schema.label
        self.columns = [c for c in columns if c != label and schema.col(c).role in _SDTYPE]
        # Whole numbers (counts, epoch times, or numeric columns holding integers) come back as integers.
        self.integer = {
            c: schema.col(c).role != Role.NUMERIC or all(float(v).is_integer() for v in self._numbers(df, c).dropna())
            for c in self.columns
            if schema.col(c).role in (Role.NUMERIC, Role.COUNT) or _epoch(schema.col(c))
        }
        # A timestamp that writes another's instant in another format (reviewTime "02 28, 2014"
        # beside unixReviewTime 1393545600) is derived from it, so the two always agree.
        self.derived = same_instants(df, schema, self.columns)
        # Epoch times keep the seed's resolution: all on whole days give new ones on whole days.
        self.step = {c: epoch_step(df[c], schema.col(c).fmt) for c in self.columns if _epoch(schema.col(c))}
        self.columns = [c for c in self.columns if c not in self.derived]
        self.fixed = [c for c in (fixed or []) if c in self.columns]
        self.notes: list[str] = []
        self.rng = random.Random(random_seed)
        self._frame = self._typed(df)
        self._models: dict = {}
        self._pool: dict = defaultdict(list)
        groups = df[label].astype(str).tolist() if label else ["*"] * len(df)
        self._labels = np.array(groups, dtype=object)
        self._groups = {g: self._frame[[x == g for x in groups]] for g in sorted(set(groups))}
        self._slices: dict[str, np.ndarray] = {}  # a target's scenarios: name -> seed rows it draws from
        if self.columns:
            self._fit()

    def _typed(self, df: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=df.index)
        for c in self.columns:
            if c in self.integer:
                out[c] = self._numbers(df, c)
            else:
                out[c] = df[c].astype(object).where(df[c].notna(), None)
        return out.reset_index(drop=True)

    def _numbers(self, df: pd.DataFrame, c: str) -> pd.Series:
        return pd.to_numeric(self.schema.plain_numbers(df[[c]])[c], errors="coerce")

    def _metadata_dict(self, columns: list[str] | None = None) -> dict:
        cols = {}
        for c in self.columns if columns is None else columns:
            spec = self.schema.col(c)
            cols[c] = {"sdtype": "numerical" if _epoch(spec) else _SDTYPE[spec.role]}
            if spec.role == Role.TIMESTAMP and not _epoch(spec):
                cols[c]["datetime_format"] = plain(spec.fmt)
        return {"tables": {"seed": {"columns": cols}}}

    def _fit(self) -> None:
        meta = self._metadata_dict()
        frame_hash = pd.util.hash_pandas_object(self._frame, index=False).values.tobytes()
        groups = tuple((g, tuple(f.index)) for g, f in self._groups.items())
        key = digest(frame_hash, self.columns, self.fixed, groups, repr(meta), MIN_GROUP, "time resolution")
        if key not in _FITTED:  # the same seed again (the app's preview, a rerun): fit once
            if len(_FITTED) >= 4:
                _FITTED.clear()
            # and once across processes: each `syngen generate` is a new one
            _FITTED[key] = fitted("joint-model", key, "sdv", lambda: self._fit_groups(meta))
        models, notes = _FITTED[key]
        self._models, self.notes = dict(models), list(notes)
        for synth in self._models.values():
            # SDV seeds its sampler with a fixed state after fit; the run's seed varies it.
            synth._set_random_state(self.rng.randrange(2**31))

    def _fit_groups(self, meta: dict) -> tuple[dict, list[str]]:
        models, notes = {}, []
        for g, frame in self._groups.items():
            if len(frame) < MIN_GROUP:
                notes.append(
                    f"label '{g}' has {len(frame)} seed rows (< {MIN_GROUP}): its "
                    "structured values are resampled from those rows"
                )
                continue
            models[g] = self._fit_frame(meta, frame)
        return models, notes

    def _fit_frame(self, meta: dict, frame: pd.DataFrame):
        """One Gaussian copula fitted to `frame` (a label's rows, or a target's slice of them)."""
        try:
            with quiet_libraries("sdv", "rdt", "copulas", "SingleTableSynthesizer"):
                from sdv.cag import FixedCombinations
                from sdv.metadata import Metadata
                from sdv.single_table import GaussianCopulaSynthesizer

                synth = GaussianCopulaSynthesizer(
                    Metadata.load_from_dict(meta), enforce_min_max_values=True, enforce_rounding=True
                )
                fixed = [c for c in self.fixed if c in frame.columns and frame[c].nunique() > 1]
                if len(fixed) >= 2:
                    synth.add_constraints([FixedCombinations(column_names=fixed)])
                self._keep_time_resolution(synth, frame)
                synth.fit({"seed": frame})
                return synth
        except ImportError as exc:
            raise ConfigError(
                f"the conditional plan needs '{exc.name}': pip install -r requirements.txt (or use --plan rows)"
            ) from None
        except Exception as exc:  # SDV rejects some tables (e.g. one distinct value everywhere)
            raise ConfigError(
                f"cannot model the seed's structured columns ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:160]}); mark the offending column as written "
                "by the model (--generator COLUMN=model) or use --plan rows"
            ) from None

    def _keep_time_resolution(self, synth, frame: pd.DataFrame) -> None:
        """Dates and times come back at the seed's resolution: seed times on whole minutes give
        new ones on whole minutes (SDV's default encoder gave `18:00:04` after `17:53:00`)."""
        from rdt.transformers.datetime import OptimizedTimestampEncoder

        stamps = {
            c: OptimizedTimestampEncoder(datetime_format=plain(self.schema.col(c).fmt))
            for c in frame.columns
            if self.schema.col(c).role == Role.TIMESTAMP and not _epoch(self.schema.col(c))
        }
        if stamps:  # the synthesizer's own min/max clipping keeps them in the seed's range
            synth.auto_assign_transformers({"seed": frame})
            synth.update_transformers(stamps)

    def add_slice(self, name: str, mask) -> None:
        """Rows sampled under `name` come from the seed rows `mask` marks (a target's scenario):
        the rows of the row's label among them, or all of them when the label has none. A slice
        of MIN_GROUP rows or more gets its own copula; a smaller one gives its rows' tuples.
        Fitting to the slice conditions exactly: every row meets the scenario, however rare."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            raise ConfigError(f"the scenario '{name}' matches no seed row")
        self._slices[name] = mask

    def slice_rows(self, name: str, label: str | None) -> pd.DataFrame:
        mask = self._slices[name]
        own = mask & (self._labels == (str(label) if self.schema.label else "*"))
        return self._frame[own if own.any() else mask]

    def _slice_model(self, group: tuple, frame: pd.DataFrame):
        """The copula of a slice (fitted once, on first use), or None for tuples."""
        if group in self._models:
            return self._models[group]
        varying = [c for c in self.columns if frame[c].astype(str).nunique() > 1]
        model = None
        if len(frame) >= MIN_GROUP and varying:
            meta = self._metadata_dict(varying)
            frame_hash = pd.util.hash_pandas_object(frame[varying], index=False).values.tobytes()
            key = digest(frame_hash, varying, self.fixed, repr(meta), "slice")
            model = fitted(
                "joint-model", key, "sdv", lambda: self._fit_frame(meta, frame[varying].reset_index(drop=True))
            )
            model._set_random_state(self.rng.randrange(2**31))
        self._models[group] = model
        return model

    def _refill(self, group) -> None:
        if isinstance(group, tuple):  # (label, scenario)
            frame = self.slice_rows(group[1], group[0])
            model = self._slice_model(group, frame)
        else:
            frame = self._groups[group]
            model = self._models.get(group)
        if model is None:  # small label or slice: whole tuples from its own rows
            idx = [self.rng.randrange(len(frame)) for _ in range(POOL)]
            rows = frame.iloc[idx].to_dict("records")
        else:
            # SDV draws a tqdm bar on stderr when constraints are set; front-ends show progress.
            with (
                quiet_libraries("sdv", "rdt", "copulas", "SingleTableSynthesizer"),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                out = model.sample(POOL)
            out = out["seed"] if isinstance(out, dict) else out
            for c in self.columns:  # a slice's constant columns were left out of its fit
                if c not in out.columns:
                    out[c] = frame[c].iloc[0]
            rows = out.to_dict("records")
        self._pool[group].extend(self._clean(r) for r in rows)

    def _clean(self, row: dict) -> dict:
        out = {}
        for c in self.columns:
            v = row.get(c)
            if c in self.step and v is not None and not (isinstance(v, float) and np.isnan(v)):
                out[c] = str(int(round(float(v) / self.step[c])) * self.step[c])
            elif c in self.integer or self.schema.col(c).role == Role.NUMERIC:
                out[c] = _format_number(v, self.integer.get(c, False), self.schema.col(c))
            elif v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
                out[c] = None
            elif self.schema.col(c).role == Role.TIMESTAMP and self.schema.col(c).fmt != plain(self.schema.col(c).fmt):
                fmt = self.schema.col(c).fmt  # "07 6, 2008": SDV writes padded numbers, the seed does not
                t = parse_time(v, fmt)
                out[c] = format_time(t, fmt) if t is not None else str(v)
            else:
                out[c] = str(v)
        return out

    def _derive(self, row: dict) -> dict:
        for col, source in self.derived.items():
            t = parse_time(row.get(source), self.schema.col(source).fmt) if row.get(source) else None
            row[col] = format_time(t, self.schema.col(col).fmt) if t is not None else None
        return row

    def sample(self, label: str | None = None, scenario: str | None = None) -> dict:
        """One row of the sampled columns for a row of this label (from a scenario's slice)."""
        if not self.columns:
            return {}
        group = str(label) if self.schema.label else "*"
        if group not in self._groups:
            raise ConfigError(f"label '{label}' is not in the seed; it has {sorted(self._groups)}")
        if scenario is not None:
            group = (group, scenario)
        if not self._pool[group]:
            self._refill(group)
        return self._derive(self._pool[group].pop())


def same_instants(df: pd.DataFrame, schema: Schema, columns: list[str], agree: float = 0.98) -> dict[str, str]:
    """{derived column: the column it is derived from} for date columns that, in `agree` of the
    seed's rows, hold another timestamp column's instant in their own format. The one with a time
    of day (or an epoch) is kept as the source."""
    stamps = [c for c in columns if schema.col(c).role == Role.TIMESTAMP and has_date(schema.col(c).fmt)]
    stamps.sort(key=lambda c: not has_time(schema.col(c).fmt))  # finer first: sources before what they give
    derived: dict[str, str] = {}
    for a in stamps:
        if a in derived:
            continue
        fa = schema.col(a).fmt
        for b in stamps:
            if b == a or b in derived or b in derived.values():
                continue
            fb = schema.col(b).fmt
            pairs = [(x, y) for x, y in zip(df[a], df[b]) if x is not None and y is not None]
            if len(pairs) < 5:
                continue
            same = 0
            for x, y in pairs:
                t = parse_time(x, fa)
                same += t is not None and format_time(t, fb) == str(y).strip()
            if same >= agree * len(pairs):
                derived[b] = a
    return derived
