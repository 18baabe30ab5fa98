"""Why two unhealthy sides can look alike: the training budget each side had, said in the report.

A fix that works needs training to show it; a short run (the CPU demo's) leaves both sides unconverged, so
equal scores there say the budget is too small, not that the fixes fail. The note states each side's budget
and where the committed evidence separated the sides, instead of guessing a threshold.
"""

from __future__ import annotations

import json

from ukiyoe.compare.sides import ReportSide
from ukiyoe.compare.verdict import HEALTHY
from ukiyoe.config.compiled import FLAT

EVIDENCE = ("In the committed Stacked MNIST evidence (docs/evidence/stacked-mnist/) collapsed, fixed and "
            "modern separated after 137k-168k images per run, while variants of the modern objective trained "
            "for 12k images were all within noise of each other.")


def images_seen(side: ReportSide) -> int | None:
    """D steps of the diagnosed checkpoint × the batch size of its compiled config, when both are known."""
    step = side.card.get("checkpoint_step")
    if not isinstance(step, int) or side.config_dir is None:
        return None
    try:
        flat = json.loads((side.config_dir / FLAT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    batch = flat.get("TrainOptions.batch_size") if isinstance(flat, dict) else None
    return step * batch if isinstance(batch, int) else None


def budget_note(before: ReportSide, after: ReportSide) -> str | None:
    """A plain sentence when neither side is healthy; None when one is."""
    if HEALTHY in (before.metrics.get("severity"), after.metrics.get("severity")):
        return None
    seen = {side.label: images_seen(side) for side in (before, after)}
    shown = ", ".join(f"{label} {count:,} images" if count is not None else f"{label} unknown"
                      for label, count in seen.items())
    return (f"Neither side is healthy. Training budget (D steps × batch): {shown}. {EVIDENCE} If both sides "
            "score alike here, the budget is the first suspect: compare the fixes at a budget like the "
            "evidence's before concluding that they do not work.")
