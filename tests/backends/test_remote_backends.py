"""Each remote backend, with its unmodified official client, against a local server that speaks
the service's wire format. We assert the exact requests and drive every fault."""

import threading
import time

import pytest
from wire import Reply, dead_port

from syngen.backends import create_backend
from syngen.common.errors import BackendError
from syngen.prompting.prompts import Prompt

KEY = "sk-test-PLANTED-7f3a9c"
MESSAGES = [{"role": "system", "content": "You answer with CSV only."}, {"role": "user", "content": "Write 2 rows."}]
PROMPT = Prompt(messages=MESSAGES, completion="a,b\n1,2\n", prefill="", columns=["a", "b"], exemplars=[], rows=2)
FAST = dict(backoff=0.01, timeout=5, seed=3, temperature=0.7, top_p=0.9, top_k=40, max_new_tokens=128)


def openai_ok(text="a,b\n3,4\n", finish="stop"):
    return Reply(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish,
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16},
        }
    )


def cohere_ok(text="a,b\n3,4\n", finish="COMPLETE"):
    return Reply(
        {
            "id": "c-1",
            "finish_reason": finish,
            "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
            "usage": {
                "billed_units": {"input_tokens": 11, "output_tokens": 5},
                "tokens": {"input_tokens": 11, "output_tokens": 5},
            },
        }
    )


def ollama_ok(text="a,b\n3,4\n", finish="stop"):
    return Reply(
        {
            "model": "llama3.2",
            "created_at": "2026-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": text},
            "done": True,
            "done_reason": finish,
            "total_duration": 1,
            "load_duration": 1,
            "prompt_eval_count": 11,
            "prompt_eval_duration": 1,
            "eval_count": 5,
            "eval_duration": 1,
        }
    )


# name -> (chat path, ok reply factory, how to build the backend for a server url)
SERVICES = {
    "openai": (
        "/v1/chat/completions",
        openai_ok,
        lambda url, **o: create_backend("openai", "m", api_key=KEY, base_url=url + "/v1", **o),
    ),
    "cohere": (
        "/v2/chat",
        cohere_ok,
        lambda url, **o: create_backend("cohere", "command-r-plus-08-2024", api_key=KEY, base_url=url, **o),
    ),
    "ollama": ("/api/chat", ollama_ok, lambda url, **o: create_backend("ollama", "llama3.2", base_url=url, **o)),
}
NAMES = sorted(SERVICES)


def make(name, server, **opts):
    return SERVICES[name][2](server.url, **(FAST | opts))


@pytest.mark.parametrize("name", NAMES)
def test_success_and_exact_request(name, server):
    path, ok, _ = SERVICES[name]
    server.script(path, ok())
    res = make(name, server).generate([PROMPT])[0]
    assert res.error is None and res.text == "a,b\n3,4\n"
    assert (res.prompt_tokens, res.completion_tokens) == (11, 5)
    body = server.bodies(path)[0]
    if name == "openai":
        assert body == {
            "model": "m",
            "messages": MESSAGES,
            "temperature": 0.7,
            "top_p": 0.9,
            "max_tokens": 128,
            "seed": 3,
            "top_k": 40,
        }
        assert server.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"
    elif name == "cohere":
        assert body == {
            "model": "command-r-plus-08-2024",
            "messages": MESSAGES,
            "temperature": 0.7,
            "p": 0.9,
            "k": 40,
            "max_tokens": 128,
            "seed": 3,
            "stream": False,
        }
        assert server.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"
    else:
        assert body["model"] == "llama3.2" and body["messages"] == MESSAGES and body["stream"] is False
        assert body["options"] == {"temperature": 0.7, "top_p": 0.9, "top_k": 40, "num_predict": 128, "seed": 3}


def test_completion_modes_send_the_raw_prefix(server):
    server.script(
        "/v1/completions",
        Reply(
            {
                "id": "c",
                "object": "text_completion",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "text": "5,6\n", "finish_reason": "length", "logprobs": None}],
                "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
            }
        ),
    )
    b = create_backend("openai", "m", base_url=server.url + "/v1", mode="completion", **FAST)
    assert b.kind == "completion"
    res = b.generate([PROMPT])[0]
    assert res.text == "5,6\n" and res.finish_reason == "length"
    assert server.bodies("/v1/completions")[0]["prompt"] == "a,b\n1,2\n"
    server.script(
        "/api/generate",
        Reply(
            {
                "model": "llama3.2",
                "created_at": "2026-01-01T00:00:00Z",
                "response": "7,8\n",
                "done": True,
                "done_reason": "stop",
            }
        ),
    )
    o = create_backend("ollama", "llama3.2", base_url=server.url, mode="completion", **FAST)
    assert o.generate([PROMPT])[0].text == "7,8\n"
    body = server.bodies("/api/generate")[0]
    assert body["prompt"] == "a,b\n1,2\n" and body["raw"] is True


@pytest.mark.parametrize("name", NAMES)
def test_refused_connection_is_retried_then_reported(name):
    class Dead:
        url = f"http://127.0.0.1:{dead_port()}"

    res = make(name, Dead, max_retries=2).generate([PROMPT])[0]
    assert res.text == "" and "connect" in res.error and "after 3 attempts" in res.error
    assert res.meta["attempts"] == 3


@pytest.mark.parametrize("name", NAMES)
def test_slow_response_times_out(name, server):
    path, ok, _ = SERVICES[name]
    slow = ok()
    slow.delay = 1.5
    server.script(path, slow)
    res = make(name, server, timeout=0.3, max_retries=0).generate([PROMPT])[0]
    assert res.error and ("within 0.3s" in res.error or "connect" in res.error)


@pytest.mark.parametrize("name", NAMES)
def test_429_with_retry_after_is_honoured(name, server):
    path, ok, _ = SERVICES[name]
    server.script(path, Reply({"error": "slow down", "message": "slow down"}, 429, {"Retry-After": "0.4"}), ok())
    res = make(name, server).generate([PROMPT])[0]
    assert res.error is None and res.meta["attempts"] == 2
    first, second = [r["t"] for r in server.requests]
    assert second - first >= 0.4  # waited as the server asked, not our 10 ms backoff


@pytest.mark.parametrize("name", NAMES)
def test_500_is_retried_and_persistent_500_reported(name, server):
    path, ok, _ = SERVICES[name]
    err = Reply({"error": "boom", "message": "boom"}, 500)
    server.script(path, err, ok())
    assert make(name, server).generate([PROMPT])[0].error is None
    server.script(path, *[Reply({"error": "boom", "message": "boom"}, 503) for _ in range(3)])
    res = make(name, server, max_retries=2).generate([PROMPT])[0]
    assert "503" in res.error and "after 3 attempts" in res.error


@pytest.mark.parametrize("name", NAMES)
def test_malformed_json_is_a_clear_error_not_a_crash(name, server):
    path, _, _ = SERVICES[name]
    server.script(path, Reply("{not json", 200))
    res = make(name, server, max_retries=0).generate([PROMPT])[0]
    assert res.error and res.error.startswith(name + ":")


@pytest.mark.parametrize("name", NAMES)
def test_empty_and_truncated_completions(name, server):
    path, ok, _ = SERVICES[name]
    trunc = {"openai": "length", "cohere": "MAX_TOKENS", "ollama": "length"}[name]
    server.script(path, ok(text=""), ok(text="a,b\n3,", finish=trunc))
    b = make(name, server)
    empty, cut = b.generate([PROMPT])[0], b.generate([PROMPT])[0]
    assert empty.error is None and empty.text == ""
    assert cut.text == "a,b\n3," and cut.finish_reason == "length"


@pytest.mark.parametrize("name", ["openai", "cohere"])
def test_rejected_key_names_the_variable_and_never_echoes_it(name, server):
    path, _, _ = SERVICES[name]
    server.script(
        path, Reply({"error": {"message": f"Incorrect API key provided: {KEY}"}, "message": f"bad key {KEY}"}, 401)
    )
    b = make(name, server)
    res = b.generate([PROMPT])[0]
    env = {"openai": "OPENAI_API_KEY", "cohere": "COHERE_API_KEY"}[name]
    assert env in res.error and KEY not in res.error and res.meta["attempts"] == 1
    assert KEY not in repr(b)


def test_missing_keys_and_models_say_what_to_do(server, monkeypatch):
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(BackendError, match="COHERE_API_KEY"):
        create_backend("cohere")
    with pytest.raises(BackendError, match="OPENAI_API_KEY"):
        create_backend("openai")
    monkeypatch.setenv("COHERE_API_KEY", KEY)
    assert create_backend("cohere", base_url=server.url)._api_key == KEY  # from the environment
    server.script("/api/chat", Reply({"error": "model \"nope\" not found, try pulling it first"}, 404))
    res = create_backend("ollama", "nope", base_url=server.url, **FAST).generate([PROMPT])[0]
    assert "ollama pull nope" in res.error and res.meta["attempts"] == 1
    port = dead_port()
    res = create_backend("ollama", base_url=f"http://127.0.0.1:{port}", max_retries=0).generate([PROMPT])[0]
    assert "ollama serve" in res.error


def test_ollama_lists_installed_models(server):
    server.script(
        "/api/tags",
        Reply(
            {
                "models": [
                    {
                        "name": "llama3.2:latest",
                        "model": "llama3.2:latest",
                        "modified_at": "2026-01-01T00:00:00Z",
                        "size": 1,
                        "digest": "abc",
                        "details": {"format": "gguf", "family": "llama"},
                    }
                ]
            }
        ),
    )
    assert create_backend("ollama", base_url=server.url).list_models() == ["llama3.2:latest"]


@pytest.mark.parametrize("name", NAMES)
def test_concurrent_requests_overlap_and_all_complete(name, server):
    path, ok, _ = SERVICES[name]

    def slow(body):
        r = ok(
            text=f"a,b\n{body['messages'][-1]['content']},x\n"
            if name != "cohere"
            else f"a,b\n{body['messages'][-1]['content']},x\n"
        )
        r.delay = 0.3
        return r

    server.default = lambda path, body: slow(body)
    prompts = [
        Prompt(
            messages=[{"role": "user", "content": f"p{i}"}],
            completion="",
            prefill="",
            columns=["a", "b"],
            exemplars=[],
            rows=1,
        )
        for i in range(8)
    ]
    b = make(name, server, concurrency=4)
    order = [i for i, _ in b.generate_iter(prompts)]
    results = b.generate(prompts)
    assert sorted(order) == list(range(8))
    assert [r.text.split("\n")[1] for r in results] == [f"p{i},x" for i in range(8)]
    starts = sorted(r["t"] for r in server.requests[:8])
    assert starts[3] - starts[0] < 0.3  # four were in flight before the first answer came back


def test_circuit_opens_after_repeated_failures():
    b = create_backend(
        "openai", "m", base_url=f"http://127.0.0.1:{dead_port()}/v1", max_retries=0, circuit_after=2, concurrency=1
    )
    errors = [r.error for r in b.generate([PROMPT] * 4)]
    assert all("connect" in e for e in errors[:2])
    assert all("circuit open" in e for e in errors[2:])
    assert b.circuit_open()


def test_cancel_stops_waiting_for_retry_after(server):
    server.script("/v1/chat/completions", Reply({"error": "later"}, 429, {"Retry-After": "30"}))
    b = make("openai", server)
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    t = time.monotonic()
    res = list(b.generate_iter([PROMPT], cancel=cancel))
    assert res[0][1].error == "cancelled" and time.monotonic() - t < 10


def test_cohere_precheck_and_requests_use_co_api_url(server, monkeypatch):
    """CO_API_URL is the Cohere SDK's own address variable: the precheck must check the address the
    client will use (it used to refuse with "cannot reach https://api.cohere.com")."""
    server.script("/v2/chat", cohere_ok("a,b\n5,6\n"))
    monkeypatch.setenv("CO_API_URL", server.url)
    b = create_backend("cohere", api_key=KEY, **FAST)
    b.precheck()  # reaches the loopback server named by CO_API_URL
    res = b.generate([PROMPT])[0]
    assert res.error is None and "5,6" in res.text and len(server.bodies("/v2/chat")) == 1
    dead = f"http://127.0.0.1:{dead_port()}"
    monkeypatch.setenv("CO_API_URL", dead)
    with pytest.raises(BackendError, match=f"cannot reach {dead}"):
        create_backend("cohere", api_key=KEY).precheck()
