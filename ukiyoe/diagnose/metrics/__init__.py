"""One module per metric; importing this package fills the ``METRICS`` registry of detail metrics (the
headline metrics are aggregates of per-sample measures: ``ukiyoe.diagnose.headline``)."""

from ukiyoe.diagnose.metrics import duplicates, fid, ndb, pixels, prdc  # noqa: F401
from ukiyoe.diagnose.metrics.base import METRICS, MetricInputs, MetricValues, register

__all__ = ["METRICS", "MetricInputs", "MetricValues", "register"]
