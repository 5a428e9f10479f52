"""Look inside training, and decide what to do next.

* `monitor`: `Monitor` (per-layer activations and gradients through forward hooks,
  flags, NaN localisation), `probe`, `LayerStats`, `format_stats`, `NonFiniteError`.
* `strategy`: `bias_variance_report` and `error_analysis`, the course's error diagnoses.
"""
from __future__ import annotations

from .monitor import (EXPLODING, SATURATION, VANISHING, LayerStats, Monitor, NonFiniteError, finite, format_stats,
                      probe)
from .strategy import (ACTIONS, AttributeCount, BiasVarianceReport, ErrorAnalysis, bias_variance_report,
                       error_analysis)

__all__ = ["ACTIONS", "AttributeCount", "BiasVarianceReport", "ErrorAnalysis", "EXPLODING", "LayerStats", "Monitor",
           "NonFiniteError", "SATURATION", "VANISHING", "bias_variance_report", "error_analysis", "finite",
           "format_stats", "probe"]
