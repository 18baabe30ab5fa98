"""The full profile's schedule (the seed's 300 epochs) compressed to a shorter run, as ``--bind`` lines, so
GPU evidence of a few epochs still passes every phase in order. ``python benchmarks/compressed_schedule.py
EPOCHS`` prints them, one per line, for the shell scripts."""

from __future__ import annotations

import sys

# The full profile's schedule boundaries (epochs of its 300), scaled to the run's length.
FULL_EPOCHS = 300
FULL_SCHEDULE = {
    "NCriticSchedule.switch_after_epoch": 100,
    "IsolationSchedule.isolation_end": 200,
    "IsolationSchedule.period_end": 250,
    "GrowthCurriculum.ramp_epochs": 50,
    "GrowthCurriculum.boost_decay_epochs": 100,
}


def schedule_binds(epochs: int) -> list[str]:
    """The full profile's phase boundaries scaled to ``epochs`` (each at least one epoch), as --bind lines."""
    scale = epochs / FULL_EPOCHS
    scaled = {key: max(1, round(value * scale)) for key, value in FULL_SCHEDULE.items()}
    period_end = min(scaled["IsolationSchedule.period_end"], max(1, epochs - 1))
    scaled["IsolationSchedule.period_end"] = period_end
    scaled["IsolationSchedule.isolation_end"] = min(scaled["IsolationSchedule.isolation_end"], period_end)
    scaled["IsolationSchedule.ramp_epochs"] = max(1, epochs - period_end)
    scaled["ZeroCenteredPenalties.decay_epochs"] = max(1, epochs - 1)
    return [f"{key} = {value}" for key, value in sorted(scaled.items())]


if __name__ == "__main__":
    print("\n".join(schedule_binds(int(sys.argv[1]))))
