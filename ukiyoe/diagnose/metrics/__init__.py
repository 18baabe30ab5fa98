"""One module per metric; importing this package fills the ``METRICS`` registry in report order."""

from ukiyoe.diagnose.metrics import duplicates, fid, modes, ndb, pixels, prdc  # noqa: F401
from ukiyoe.diagnose.metrics.base import METRICS, MetricInputs, MetricValues, register

__all__ = ["METRICS", "MetricInputs", "MetricValues", "register"]
