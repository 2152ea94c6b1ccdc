"""Give back the pages of a mapped weights file that converted tensors were read from.

transformers maps a safetensors file (privately, copy-on-write) and every tensor is a view into
that one mapping, which lives as long as any of them does. When the decoder body is converted
(bfloat16, packed float16), its float32 views die but the mapping stays, held by the float32
head, and the ~400 MB of body pages read during the conversion stay resident: peak RSS of
`syngen generate -n 4` counted them (bench/embedded/rss.py). madvise(MADV_DONTNEED) drops
them from the process; a page read again comes back from the file.

Only pages that lie wholly inside dead tensors' ranges and inside a file-backed mapping are
dropped, never a page a live tensor touches: a private page written after loading (an adapter
merged in place) holds data the file does not, and anonymous memory may have been reused."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import mmap
import sys

MADV_DONTNEED = 4  # Linux


@functools.cache
def libc():
    """The C library, loaded once (None where it cannot be)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def ranges(tensors) -> list[tuple[int, int]]:
    """(start, end) addresses of the tensors' storages."""
    out = []
    for t in tensors:
        storage = t.untyped_storage()
        if storage.nbytes():
            out.append((storage.data_ptr(), storage.data_ptr() + storage.nbytes()))
    return out


def _file_mappings() -> list[tuple[int, int]]:
    """(start, end) of this process's mappings that have a file behind them."""
    out = []
    with open("/proc/self/maps", encoding="utf-8") as f:
        for line in f:
            parts = line.split(maxsplit=5)
            if len(parts) == 6 and parts[5].startswith("/"):
                start, end = (int(x, 16) for x in parts[0].split("-"))
                out.append((start, end))
    return out


def droppable(dead, live, mappings, page: int = mmap.PAGESIZE) -> list[tuple[int, int]]:
    """Page-aligned parts of the dead ranges inside a mapping that no live range touches."""
    out = []
    for start, end in dead:
        if not any(m0 <= start and end <= m1 for m0, m1 in mappings):
            continue
        lo, hi = -(-start // page) * page, end // page * page
        for l0, l1 in sorted(live):
            if l1 <= lo or l0 >= hi:
                continue
            if l0 // page * page > lo:
                out.append((lo, l0 // page * page))
            lo = max(lo, -(-l1 // page) * page)
        if hi > lo:
            out.append((lo, hi))
    return out


def release(dead, live) -> int:
    """Drop the pages of `dead` ranges (tensors no longer used) that are safe to drop; returns
    the bytes given back. A no-op where /proc or madvise is missing (not Linux)."""
    if not sys.platform.startswith("linux") or libc() is None:
        return 0
    try:
        spans = droppable(dead, live, _file_mappings())
    except OSError:
        return 0
    given = 0
    for lo, hi in spans:
        if libc().madvise(ctypes.c_void_p(lo), ctypes.c_size_t(hi - lo), MADV_DONTNEED) == 0:
            given += hi - lo
    return given
