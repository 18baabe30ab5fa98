"""Diagnose stage: metrics of generated samples, the calibrated collapse score and the per-side report."""

from ukiyoe.diagnose.options import DiagnoseOptions

__all__ = ["DiagnoseOptions"]
