"""What every fuzz case checks: a bounded run time, a one-line UkiyoeError naming the input, nothing left
behind; plus mutation strategies over real files."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ukiyoe.common.errors import UkiyoeError

CASE_SECONDS = 10  # far above any honest case (milliseconds); a hang fails here instead of stalling CI


def fuzz_settings(examples: int) -> settings:
    """Deterministic and database-free, so CI runs the same cases every time and writes nothing."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
        ],
    )


class Hang(AssertionError):
    pass


@contextlib.contextmanager
def time_limit(seconds: float = CASE_SECONDS) -> Iterator[None]:
    """Fail a case that runs over ``seconds``; pytest-timeout's own timer (the same signal) is put back."""

    def expire(signum, frame):
        raise Hang(f"a fuzz case ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:
            left = max(outer_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


def assert_one_line(error: UkiyoeError, *names: str) -> str:
    """The message is one printable line and names one of ``names`` (the file, or its shown form)."""
    message = str(error)
    assert message and "\n" not in message and "\r" not in message, repr(message)
    assert "Traceback" not in message and " object at 0x" not in message, message
    assert any(name in message for name in names), (message, names)
    return message


def tree_snapshot(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@st.composite
def mutated(draw: st.DrawFn, original: bytes, max_edits: int = 4) -> bytes:
    """``original`` with a few edits: truncation, byte flips, deleted, duplicated or inserted spans."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, max_edits))):
        kind = draw(st.sampled_from(["truncate", "flip", "delete", "duplicate", "insert"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)
