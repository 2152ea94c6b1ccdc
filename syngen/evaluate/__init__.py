"""Quality of synthetic rows against their seed (pure metrics, a report, plotly figures) and
their utility for a model trained on them. Names load on first use: the run loop imports the
label classifier and copy index from here without loading the report's plotting."""

from __future__ import annotations

import importlib

_NAMES = {"Metric": "metrics", "QualityReport": "report", "build_report": "report"}


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(importlib.import_module(f"syngen.evaluate.{_NAMES[name]}"), name)
    raise AttributeError(f"module 'syngen.evaluate' has no attribute {name!r}")


__all__ = list(_NAMES)
