"""Diagnose stage: metrics of generated samples, the calibrated collapse score and the per-side report."""
