"""Seed lists as people type them: ``0-15``, ``3,7,9``, ``0-3,10,20-22``."""

from __future__ import annotations

import re

from ukiyoe.common.errors import UkiyoeError

MAX_SEEDS = 4096
MAX_SEED = 2**31 - 1
_PART = re.compile(r"([0-9]{1,10})(?:-([0-9]{1,10}))?")  # ASCII digits only: \d also matches ٣


def parse_seeds(text: str, limit: int = MAX_SEEDS) -> list[int]:
    """Distinct seeds in the order given; a range is inclusive. Anything else is one error naming the part."""
    seeds: list[int] = []
    for part in text.split(","):
        match = _PART.fullmatch(part.strip())
        if match is None:
            raise UkiyoeError(f"--seeds {text!r}: {part.strip()!r} is not a seed or a range like 0-15")
        first = int(match[1])
        last = int(match[2]) if match[2] is not None else first
        if last < first:
            raise UkiyoeError(f"--seeds {text!r}: range {part.strip()} runs backwards")
        if last > MAX_SEED:
            raise UkiyoeError(f"--seeds {text!r}: seeds go up to {MAX_SEED}")
        if len(seeds) + (last - first + 1) > limit:
            raise UkiyoeError(f"--seeds {text!r}: more than {limit} seeds")
        seeds.extend(seed for seed in range(first, last + 1) if seed not in seeds)
    return seeds
