"""Quality of synthetic rows against their seed: pure metrics, a report, plotly figures."""

from syngen.evaluate.metrics import Metric
from syngen.evaluate.report import QualityReport, build_report

__all__ = ["Metric", "QualityReport", "build_report"]
