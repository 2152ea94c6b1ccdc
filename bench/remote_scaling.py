"""Remote backends: speed-up from concurrent requests against a local server with a fixed delay.

    python bench/remote_scaling.py [--delay 0.25] [--requests 32]

The server (tests/backends/wire.py) speaks the OpenAI wire format and waits `--delay` seconds per
request; the unmodified `openai` client sends the requests through syngen's OpenAI backend.
Goal: speed-up >= 0.8 x C up to C = 8. Writes bench/results/remote_scaling.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "backends")]

from wire import Reply, WireServer  # noqa: E402

from syngen.backends import create_backend  # noqa: E402
from syngen.prompting.prompts import Prompt  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=0.25)
    ap.add_argument("--requests", type=int, default=32)
    a = ap.parse_args()
    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "a,b\n1,2\n"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9},
    }
    server = WireServer(default=lambda path, b: Reply(dict(body), delay=a.delay))
    prompt = Prompt(
        messages=[{"role": "user", "content": "rows"}],
        completion="",
        prefill="",
        columns=["a", "b"],
        exemplars=[],
        rows=1,
    )
    rows = []
    serial = None
    print(f"{a.requests} requests, {a.delay}s server delay each")
    for c in (1, 2, 4, 8, 16):
        b = create_backend("openai", "m", base_url=server.url + "/v1", concurrency=c)
        b.generate([prompt] * c)  # warm-up: client creation and connections are not the thing measured
        t = time.perf_counter()
        results = b.generate([prompt] * a.requests)
        dt = time.perf_counter() - t
        assert all(r.error is None for r in results), [r.error for r in results if r.error][:1]
        serial = serial or dt
        speedup = serial / dt
        rows.append(
            {
                "concurrency": c,
                "seconds": round(dt, 3),
                "speedup": round(speedup, 2),
                "efficiency": round(speedup / c, 2),
            }
        )
        print(f"C={c:2d}: {dt:6.2f}s  speed-up {speedup:5.2f}x  ({speedup / c:.0%} of ideal)", flush=True)
        b.close()
    server.close()
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "remote_scaling.json").write_text(
        json.dumps(
            {"date": time.strftime("%Y-%m-%d"), "delay_s": a.delay, "requests": a.requests, "rows": rows}, indent=2
        )
    )


if __name__ == "__main__":
    main()
