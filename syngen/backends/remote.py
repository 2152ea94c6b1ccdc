"""Shared machinery for backends that call a server: concurrency, retries, circuit breaker.

Each remote backend implements `_call(prompt) -> GenerationResult` with its official client
(client-side retries switched off) and `_classify(exc) -> Failure`. This module sends the
prompts of a batch concurrently, retries what is worth retrying with exponential backoff and
jitter (honouring Retry-After), and opens a circuit after repeated failures so a dead server
stops the run with one clear message instead of stalling it.
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from syngen.backends.base import SAMPLING_OPTIONS, Backend, GenerationResult, Option
from syngen.common.errors import BackendError, first_line

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}

REMOTE_OPTIONS = SAMPLING_OPTIONS + [
    Option("concurrency", int, 4, "requests in flight at once", 1, 64),
    Option("timeout", float, 60.0, "seconds to wait for one response", 0.1, 3600),
    Option("max_retries", int, 4, "retries per request on connection errors, 408/409/429/5xx", 0, 20),
    Option("backoff", float, 1.0, "first retry delay in seconds (doubles each retry, with jitter)", 0.0, 60),
    Option("circuit_after", int, 8, "consecutive failed requests that stop the run", 1, 1000),
]


@dataclass
class Failure:
    """What went wrong with one request, in words a user can act on."""

    message: str
    retryable: bool
    status: int | None = None
    retry_after: float | None = None


def retry_after_seconds(headers) -> float | None:
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def redact(text: str, secret: str | None) -> str:
    """Keys must never reach messages, logs or files, even when a library echoes them."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


class RemoteBackend(Backend):
    """Base for ollama / cohere / openai."""

    options = REMOTE_OPTIONS
    default_model = ""
    url_env: str | None = None  # environment variable naming the server, if the service has one
    default_url: str | None = None  # where the server usually is (None: the client library's default)

    def __init__(self, model: str | None = None, api_key: str | None = None, base_url: str | None = None, **options):
        super().__init__(model=model or self.default_model, **options)
        self.base_url = base_url or (os.environ.get(self.url_env) if self.url_env else None) or self.default_url
        if self.settings.get("mode") == "completion":  # backends that can also send raw prompts
            self.kind = "completion"
        self._api_key = api_key or (os.environ.get(self.key_env) if self.key_env else None)
        if self.needs_key and not self._api_key:
            raise BackendError(
                f"backend {self.name} needs an API key: set {self.key_env} in the "
                "environment (or st.secrets for the app)"
            )
        self._lock = threading.Lock()
        self._consecutive_failures = 0
        self._client = None
        self.cancel_event: threading.Event | None = None

    @property
    def destination(self) -> str:
        from urllib.parse import urlparse

        url = self.base_url or self.public_url
        if not url:
            return f"{self.name}'s default server"
        u = urlparse(url if "://" in url else f"http://{url}")
        return u.netloc or url

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r})"

    # subclasses -------------------------------------------------------------
    def _make_client(self):
        raise NotImplementedError

    def _call(self, prompt) -> GenerationResult:
        raise NotImplementedError

    def _classify(self, exc: Exception) -> Failure:
        raise NotImplementedError

    # shared -----------------------------------------------------------------
    @property
    def client(self):
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    # the failures every service shares, worded the same everywhere
    def _timed_out(self, where: str) -> Failure:
        return Failure(f"{self.name}: no answer from {where} within {self.settings['timeout']:g}s", True)

    def _unreachable(self, where: str, hint: str) -> Failure:
        return Failure(f"{self.name}: cannot connect to {where}; {hint}", True)

    def _unexpected(self, where: str, exc: Exception) -> Failure:
        return Failure(
            f"{self.name}: unexpected response from {where} ({type(exc).__name__}: {first_line(exc)})", False
        )

    precheck_hint = ""  # what to do when the server does not answer (e.g. "start it with ollama serve")
    public_url = ""  # where the client library goes when no base URL is set

    def precheck(self) -> None:
        """Open a TCP connection to the server (2 s at most): a dead server fails the run in
        seconds with one line, instead of after a minute of retries."""
        import socket
        from urllib.parse import urlparse

        url = self.base_url or self.public_url
        if not url:
            return
        u = urlparse(url if "://" in url else f"http://{url}")
        port = u.port or (443 if u.scheme == "https" else 80)
        try:
            with socket.create_connection((u.hostname or "127.0.0.1", port), timeout=2.0):
                pass
        except OSError as exc:
            why = (
                "connection refused"
                if isinstance(exc, ConnectionRefusedError)
                else ("no answer within 2 s" if isinstance(exc, TimeoutError) else first_line(exc))
            )
            raise BackendError(
                f"{self.name}: cannot reach {url} ({why}){'; ' + self.precheck_hint if self.precheck_hint else ''}"
            ) from None

    def circuit_open(self) -> bool:
        return self._consecutive_failures >= self.settings["circuit_after"]

    def refusing(self) -> str | None:
        return f"{self.settings['circuit_after']} requests failed in a row" if self.circuit_open() else None

    def generate(self, prompts, random_seed=None):
        out = [None] * len(prompts)
        for i, res in self.generate_iter(prompts, random_seed):
            out[i] = res
        return out

    def generate_iter(self, prompts, random_seed=None, cancel=None, on_progress=None):
        """Send up to `concurrency` requests at once; yield results in order of completion."""
        if not prompts:
            return
        if random_seed is not None:
            self.settings["seed"] = random_seed
        if cancel is not None:
            self.cancel_event = cancel
        workers = min(self.settings["concurrency"], len(prompts))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"syngen-{self.name}")
        futures = {pool.submit(self._one, p): i for i, p in enumerate(prompts)}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            # On cancel (or the consumer stopping early) queued requests are dropped at once.
            pool.shutdown(wait=False, cancel_futures=True)

    def _one(self, prompt) -> GenerationResult:
        s = self.settings
        attempt = 0
        while True:
            if self.circuit_open():
                return GenerationResult(
                    error=f"{self.name}: stopped after {self._consecutive_failures} "
                    "failed requests in a row (circuit open)"
                )
            if self.cancel_event is not None and self.cancel_event.is_set():
                return GenerationResult(error="cancelled")
            t = time.perf_counter()
            try:
                res = self._call(prompt)
                res.latency_s = time.perf_counter() - t
                res.meta["attempts"] = attempt + 1
                with self._lock:
                    self._consecutive_failures = 0
                return res
            except Exception as exc:  # classified below; nothing is swallowed silently
                fail = self._classify(exc)
            if not fail.retryable or attempt >= s["max_retries"]:
                with self._lock:
                    self._consecutive_failures += 1
                tries = f" (after {attempt + 1} attempts)" if attempt else ""
                return GenerationResult(
                    error=redact(fail.message, self._api_key) + tries,
                    latency_s=time.perf_counter() - t,
                    meta={"status": fail.status, "attempts": attempt + 1},
                )
            delay = (
                fail.retry_after
                if fail.retry_after is not None
                else s["backoff"] * (2**attempt) * (0.5 + random.random())
            )
            attempt += 1
            self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        # Wake early on cancel so a user never waits out a long Retry-After.
        if self.cancel_event is not None:
            self.cancel_event.wait(seconds)
        else:
            time.sleep(seconds)

    def close(self) -> None:
        client, self._client = self._client, None
        closer = getattr(client, "close", None)
        if callable(closer):
            closer()
