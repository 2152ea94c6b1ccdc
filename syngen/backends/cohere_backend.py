"""Cohere (v2 chat) via the official `cohere` client; key from COHERE_API_KEY, address from the
option or CO_API_URL (as the SDK reads it)."""

from __future__ import annotations

from syngen.backends.base import GenerationResult
from syngen.backends.remote import REMOTE_OPTIONS, RETRYABLE_STATUS, Failure, RemoteBackend, retry_after_seconds
from syngen.common.errors import BackendError, first_line


class CohereBackend(RemoteBackend):
    precheck_hint = "check the network or --base-url"
    public_url = "https://api.cohere.com"
    name = "cohere"
    kind = "chat"
    needs_key = True
    key_env = "COHERE_API_KEY"
    url_env = "CO_API_URL"  # the Cohere SDK's own variable: the precheck and the client use one address
    default_model = "command-r-plus-08-2024"
    options = REMOTE_OPTIONS

    def _make_client(self):
        try:
            import cohere
        except ImportError:
            raise BackendError("backend cohere needs the package 'cohere': pip install -r requirements.txt") from None
        kw = dict(api_key=self._api_key, timeout=self.settings["timeout"], max_retries=0)
        if self.base_url:
            kw["base_url"] = self.base_url
        return cohere.ClientV2(**kw)

    def _call(self, prompt) -> GenerationResult:
        s = self.settings
        kw = dict(
            model=self.model,
            messages=prompt.messages,
            temperature=s["temperature"],
            p=s["top_p"],
            max_tokens=s["max_new_tokens"],
            seed=s["seed"],
        )
        if s["top_k"]:
            kw["k"] = min(s["top_k"], 500)  # Cohere's documented maximum
        r = self.client.chat(**kw)
        parts = getattr(r.message, "content", None) or []
        text = "".join(getattr(p, "text", "") or "" for p in parts)
        tokens = getattr(getattr(r, "usage", None), "tokens", None)
        finish = str(getattr(r, "finish_reason", "") or "")
        return GenerationResult(
            text=text,
            finish_reason="length" if finish == "MAX_TOKENS" else finish.lower(),
            prompt_tokens=int(getattr(tokens, "input_tokens", 0) or 0),
            completion_tokens=int(getattr(tokens, "output_tokens", 0) or 0),
        )

    def _classify(self, exc: Exception) -> Failure:
        import httpx
        from cohere.core.api_error import ApiError

        where = self.base_url or "api.cohere.com"
        if isinstance(exc, httpx.TimeoutException):
            return self._timed_out(where)
        if isinstance(exc, httpx.TransportError):
            return self._unreachable(where, f"check the network or --base-url ({first_line(exc)})")
        if isinstance(exc, ApiError):
            code = exc.status_code or 0
            if code == 401:
                return Failure("cohere: the API key was rejected (401); check COHERE_API_KEY", False, 401)
            if code == 404:
                return Failure(f"cohere: model '{self.model}' not found (404)", False, 404)
            body = exc.body if isinstance(exc.body, (str, dict)) else ""
            detail = body.get("message", "") if isinstance(body, dict) else str(body)[:200]
            return Failure(
                f"cohere: HTTP {code} from {where}{': ' + detail if detail else ''}",
                code in RETRYABLE_STATUS,
                code,
                retry_after_seconds(exc.headers),
            )
        return self._unexpected(where, exc)
