"""A scripted backend for unit tests of orchestration: replays given outputs, no model."""

from __future__ import annotations

import time
from typing import Callable

from syngen.backends.base import Backend, GenerationResult


class ScriptedBackend(Backend):
    """Returns `outputs` in turn (cycling). An item may be a string, an Exception (returned
    as an error result) or a callable(prompt) -> str for prompt-dependent answers."""

    name = "scripted"
    kind = "completion"
    in_process = True  # a test stand-in; tests of what leaves the machine set it to False

    def __init__(self, model: str | None = "script", outputs: list | None = None, kind: str = "completion", **options):
        super().__init__(model=model or "script", **options)
        self.outputs = list(outputs or [""])
        self.kind = kind
        self.calls: list = []  # prompts seen, for assertions

    def generate(self, prompts, random_seed=None):
        results = []
        for p in prompts:
            item = self.outputs[len(self.calls) % len(self.outputs)]
            self.calls.append(p)
            t = time.perf_counter()
            if isinstance(item, Exception):
                results.append(GenerationResult(error=f"{type(item).__name__}: {item}"))
                continue
            text = item(p) if isinstance(item, Callable) else item
            results.append(
                GenerationResult(
                    text=text,
                    completion_tokens=len(text.split()),
                    latency_s=time.perf_counter() - t,
                    finish_reason="stop",
                )
            )
        return results
