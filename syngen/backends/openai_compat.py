"""OpenAI and OpenAI-compatible servers (vLLM, llama.cpp server, LM Studio) via `openai`."""

from __future__ import annotations

from syngen.backends.base import GenerationResult, Option
from syngen.backends.remote import REMOTE_OPTIONS, RETRYABLE_STATUS, Failure, RemoteBackend, retry_after_seconds
from syngen.common.errors import BackendError, first_line


class OpenAIBackend(RemoteBackend):
    precheck_hint = "is the server running?"
    public_url = "https://api.openai.com/v1"
    name = "openai"
    kind = "chat"
    needs_key = False  # local servers need none; api.openai.com does (checked below)
    key_env = "OPENAI_API_KEY"
    default_model = "gpt-4o-mini"
    url_env = "OPENAI_BASE_URL"
    options = REMOTE_OPTIONS + [
        Option(
            "mode", str, "chat", "chat completions or raw completions (base models)", choices=("chat", "completion")
        ),
    ]

    def __init__(self, model=None, api_key=None, base_url=None, **options):
        super().__init__(model, api_key, base_url, **options)
        if not self.base_url and not self._api_key:
            raise BackendError(
                "backend openai needs OPENAI_API_KEY for api.openai.com; for a local "
                "server (vLLM, llama.cpp, LM Studio) pass --base-url http://HOST:PORT/v1"
            )

    def _make_client(self):
        try:
            import openai
        except ImportError:
            raise BackendError("backend openai needs the package 'openai': pip install -r requirements.txt") from None
        # Our own retry loop applies to every backend alike, so the client's is switched off.
        return openai.OpenAI(
            api_key=self._api_key or "not-needed",
            base_url=self.base_url,
            timeout=self.settings["timeout"],
            max_retries=0,
        )

    def _params(self) -> dict:
        s = self.settings
        p = dict(
            model=self.model,
            temperature=s["temperature"],
            top_p=s["top_p"],
            max_tokens=s["max_new_tokens"],
            seed=s["seed"],
        )
        if self.base_url and s["top_k"] and not self._no_top_k:
            p["extra_body"] = {"top_k": s["top_k"]}  # vLLM / llama.cpp accept it; api.openai.com does not
        return p

    _no_top_k = False  # set when the server refused top_k (transformers serve validates strictly)

    def _call(self, prompt) -> GenerationResult:
        import openai

        try:
            return self._request(prompt)
        except openai.UnprocessableEntityError as exc:
            if self._no_top_k or "top_k" not in f"{exc} {exc.body} {exc.response.text}":
                raise
            self._no_top_k = True  # this server samples without it; ask again, once
            return self._request(prompt)

    def _request(self, prompt) -> GenerationResult:
        if self.kind == "completion":
            r = self.client.completions.create(prompt=prompt.completion, **self._params())
            choice = r.choices[0] if r.choices else None
            text = choice.text if choice else ""
        else:
            r = self.client.chat.completions.create(messages=prompt.messages, **self._params())
            choice = r.choices[0] if r.choices else None
            text = (choice.message.content or "") if choice else ""
        usage = getattr(r, "usage", None)
        return GenerationResult(
            text=text or "",
            finish_reason=(choice.finish_reason if choice else "") or "",
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )

    def _classify(self, exc: Exception) -> Failure:
        import openai

        where = self.base_url or "api.openai.com"
        if isinstance(exc, openai.APITimeoutError):
            return self._timed_out(where)
        if isinstance(exc, openai.APIConnectionError):
            return self._unreachable(where, "is the server running?")
        if isinstance(exc, openai.AuthenticationError):
            return Failure("openai: the API key was rejected (401); check OPENAI_API_KEY", False, 401)
        if isinstance(exc, openai.NotFoundError):
            return Failure(f"openai: model '{self.model}' or endpoint not found on {where} (404)", False, 404)
        if isinstance(exc, openai.APIStatusError):
            code = exc.status_code
            return Failure(
                f"openai: HTTP {code} from {where}: {first_line(exc)}",
                code in RETRYABLE_STATUS,
                code,
                retry_after_seconds(exc.response.headers),
            )
        return self._unexpected(where, exc)
