"""Ollama via the official `ollama` client; host from the option or OLLAMA_HOST."""

from __future__ import annotations

import threading

from syngen.backends.base import GenerationResult, Option
from syngen.backends.remote import REMOTE_OPTIONS, RETRYABLE_STATUS, Failure, RemoteBackend, retry_after_seconds
from syngen.common.errors import BackendError


class OllamaBackend(RemoteBackend):
    precheck_hint = "start it with `ollama serve` (or set OLLAMA_HOST)"
    name = "ollama"
    kind = "chat"
    default_model = "llama3.2"
    url_env = "OLLAMA_HOST"
    default_url = "http://127.0.0.1:11434"
    options = REMOTE_OPTIONS + [
        Option(
            "mode",
            str,
            "chat",
            "/api/chat, or /api/generate with raw=true for base models",
            choices=("chat", "completion"),
        ),
    ]

    def _make_client(self):
        try:
            import ollama
        except ImportError:
            raise BackendError("backend ollama needs the package 'ollama': pip install -r requirements.txt") from None
        # The ollama client drops response headers from its errors; a response hook keeps the
        # Retry-After of the last response per thread so 429s are honoured like elsewhere.
        self._tls = threading.local()

        def remember(response):
            self._tls.retry_after = response.headers.get("retry-after")

        return ollama.Client(host=self.base_url, timeout=self.settings["timeout"], event_hooks={"response": [remember]})

    def _options(self) -> dict:
        s = self.settings
        return {
            "temperature": s["temperature"],
            "top_p": s["top_p"],
            "top_k": s["top_k"],
            "num_predict": s["max_new_tokens"],
            "seed": s["seed"],
        }

    def _call(self, prompt) -> GenerationResult:
        if self.kind == "completion":
            r = self.client.generate(model=self.model, prompt=prompt.completion, raw=True, options=self._options())
            text = r.response or ""
        else:
            r = self.client.chat(model=self.model, messages=prompt.messages, options=self._options())
            text = r.message.content or ""
        return GenerationResult(
            text=text,
            finish_reason=r.done_reason or "",
            prompt_tokens=r.prompt_eval_count or 0,
            completion_tokens=r.eval_count or 0,
        )

    def list_models(self) -> list[str]:
        """Installed model names (for the app's model picker)."""
        try:
            return [m.model for m in self.client.list().models]
        except Exception as exc:
            raise BackendError(self._classify(exc).message) from None

    def _classify(self, exc: Exception) -> Failure:
        import httpx
        import ollama

        if isinstance(exc, httpx.TimeoutException):
            return self._timed_out(self.base_url)
        if isinstance(exc, (ConnectionError, httpx.TransportError)):
            return self._unreachable(self.base_url, "start it with `ollama serve` (or set OLLAMA_HOST)")
        if isinstance(exc, ollama.ResponseError):
            code = exc.status_code
            if code == 404 or "not found" in str(exc.error).lower():
                return Failure(
                    f"ollama: model '{self.model}' is not installed; run `ollama pull {self.model}`", False, code
                )
            after = retry_after_seconds({"retry-after": getattr(getattr(self, "_tls", None), "retry_after", None)})
            return Failure(f"ollama: HTTP {code}: {exc.error}", code in RETRYABLE_STATUS, code, after)
        return self._unexpected(self.base_url, exc)
