"""Read seed tables from disk or an upload (CSV/TSV/JSON/JSONL/Parquet/Excel) as frames of text;
syngen.seed.text_formats reads the text formats, syngen.seed.clean cleans the result.

Every value is read as text: roles and types are inferred later by `syngen.seed.schema`, so IDs
with leading zeros or dates in odd formats survive loading untouched.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd

from syngen.common.errors import DataError, first_line
from syngen.seed.text_formats import json_records, jsonl_records, name_columns, read_delimited, read_text, records_frame


def max_bytes_default() -> int:
    """The load size limit: SYNGEN_MAX_MB megabytes (default 200)."""
    try:
        return int(float(os.environ.get("SYNGEN_MAX_MB", "200")) * 1024 * 1024)
    except ValueError:
        return 200 * 1024 * 1024


SUPPORTED = ".csv .tsv .txt .json .jsonl .ndjson .parquet .xlsx .xls"


def bundled(path: Path) -> Path:
    """A relative path that is not here but is in the project's folder (`data/drug_reviews/
    train.csv`, the default seed) as that file: `syngen generate` works from any folder."""
    if path.is_absolute() or path.exists() or path.parts[:1] != ("data",):
        return path
    home = Path(__file__).resolve().parents[2] / path
    return home if home.is_file() else path


def load_table(path: str | Path, max_bytes: int | None = None, ragged: str = "skip") -> pd.DataFrame:
    """Load a CSV/TSV/JSON/JSONL/Parquet/Excel file as a frame of strings (None for missing).
    `ragged`: rows with too many fields are skipped, or with "truncate" cut to the header width
    (for judging model output as the seed SynGen's author read it)."""
    path = bundled(Path(path))
    max_bytes = max_bytes or max_bytes_default()
    if not path.exists():
        raise DataError(f"{path}: file not found; check the path (bundled data: data/drug_reviews/train.csv)")
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give a data file ({SUPPORTED})")
    size = path.stat().st_size
    if size > max_bytes:
        raise DataError(
            f"{path.name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB limit; "
            "use a sample of the file (or raise SYNGEN_MAX_MB)"
        )
    if size == 0:
        raise DataError(f"{path.name}: the file is empty; give a table with a header row and data rows")
    return _load_bytes(path.read_bytes(), path.suffix.lower(), path.name, ragged)


def load_upload(data: bytes, filename: str, max_bytes: int | None = None) -> pd.DataFrame:
    """Same as `load_table` for bytes already in memory (an upload in the app)."""
    max_bytes = max_bytes or max_bytes_default()
    if len(data) > max_bytes:
        raise DataError(
            f"{filename}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB limit; use a sample of the file"
        )
    if not data:
        raise DataError(f"{filename}: the file is empty; give a table with a header row and data rows")
    return _load_bytes(data, Path(filename).suffix.lower(), filename)


def _load_bytes(data: bytes, suffix: str, name: str, ragged: str = "skip") -> pd.DataFrame:
    read_notes: list[str] = []
    try:
        if suffix in (".csv", ".tsv", ".txt", ""):
            text, read_notes = read_text(data, name)
            df = read_delimited(text, name, "\t" if suffix == ".tsv" else None, ragged)
        elif suffix == ".json":
            text, read_notes = read_text(data, name)
            df = records_frame(json_records(text, name), name)
        elif suffix in (".jsonl", ".ndjson"):
            text, read_notes = read_text(data, name)
            records, notes = jsonl_records(text, name)
            df = records_frame(records, name, notes)
        elif suffix == ".parquet":
            df = pd.read_parquet(io.BytesIO(data))
        elif suffix in (".xlsx", ".xls"):
            sheets = pd.ExcelFile(io.BytesIO(data)).sheet_names
            df = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str)
            if len(sheets) > 1:
                df.attrs["notes"] = [
                    f"read the first sheet '{sheets[0]}' of {len(sheets)} "
                    f"({', '.join(sheets)}); save the sheet you want as CSV to use another"
                ]
        else:
            raise DataError(f"{name}: unsupported file type '{suffix}'; use one of {SUPPORTED}")
    except DataError:
        raise
    except Exception as exc:  # parser libraries raise many types; the user needs one line
        raise DataError(
            f"{name}: could not be read as {suffix or 'a table'} ({first_line(exc)}); check the file is a valid table"
        ) from None
    df.attrs["notes"] = read_notes + list(df.attrs.get("notes", []))
    return _as_strings(df, name)


def _as_strings(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if df.shape[1] == 0 or len(df) == 0:
        raise DataError(f"{name}: no columns or no rows found")
    cols = [str(c).strip() for c in df.columns]
    cols = ["" if c.startswith("Unnamed: ") else c for c in cols]  # pandas' name for an empty header
    cols, name_notes = name_columns(cols)
    notes = list(df.attrs.get("notes", [])) + [n for n in name_notes if n not in df.attrs.get("notes", [])]
    df = df.copy()
    df.columns = cols
    out = {}
    for c in cols:
        out[c] = [None if _missing(v) else _to_str(v) for v in df[c].tolist()]
    frame = pd.DataFrame(out, dtype=object)
    frame.attrs.update({k: df.attrs[k] for k in ("nested", "arrays", "delimiter") if k in df.attrs}, notes=notes)
    return frame


def _missing(v) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _to_str(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def dataset_name(path: str | Path) -> str:
    """Short dataset name for file naming: folder name for generic split files (train.csv)."""
    p = Path(path)
    stem = p.stem
    kept_upload = p.parent.parent.name == ".uploads"  # the app's copy of an upload: its folder is a hash
    if (
        stem.lower() in {"train", "test", "valid", "validation", "data", "dev", "seed"}
        and p.parent.name
        and not kept_upload
    ):
        return p.parent.name
    return stem
