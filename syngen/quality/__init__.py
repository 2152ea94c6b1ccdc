"""Quality of synthetic rows against their seed: pure metrics, a report, plotly figures."""

from .metrics import Metric
from .report import QualityReport, build_report

__all__ = ["Metric", "QualityReport", "build_report"]
