"""Models fitted from the seed alone (the label gate's classifier, the joint model of the
structured columns), kept on disk between processes.

Each `syngen generate` is a new process; fitting both again cost ~4-5 s before the first row
(bench/embedded/first_row.py). A second run on the same seed loads them instead. The key
hashes everything the fit reads plus the fitting library's version, so a changed seed, setting or
library fits anew; an unreadable file is fitted anew and overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from importlib.metadata import PackageNotFoundError, version
from typing import Callable, TypeVar

from syngen.common.cache_dir import cache_root

T = TypeVar("T")
FORMAT = 1  # bump when what is stored, or how it is fitted, changes: older files are then ignored


def digest(*parts) -> str:
    """A stable hash (Python's hash() changes per process) of strings, bytes and nested tuples."""
    h = hashlib.sha256()

    def feed(x):
        if isinstance(x, (list, tuple)):
            h.update(b"(%d" % len(x))
            for y in x:
                feed(y)
            h.update(b")")
        else:
            b = x if isinstance(x, bytes) else str(x).encode("utf-8", "surrogatepass")
            h.update(b"%d:" % len(b) + b)

    feed(parts)
    return h.hexdigest()[:24]


def _library(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def fitted(kind: str, key: str, library: str, fit: Callable[[], T]) -> T:
    """Load `kind`/`key` from the disk cache, or `fit()` and store it. Set SYNGEN_FIT_CACHE=0 to
    always fit (nothing is read or written)."""
    if os.environ.get("SYNGEN_FIT_CACHE", "1") == "0":
        return fit()
    path = cache_root() / "fitted" / kind / f"{digest(key, library, _library(library), FORMAT)}.pkl"
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except Exception:  # noqa: BLE001  (not there, truncated by a crash, an unusable folder): fit
        pass
    obj = fit()
    try:
        import cloudpickle as dumper  # SDV's own choice for saving synthesizers
    except ImportError:
        dumper = pickle
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # another process may read the same key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            dumper.dump(obj, f)
        tmp.replace(path)
    except Exception:  # noqa: BLE001  (a read-only or full disk: the run goes on without the cache)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return obj
