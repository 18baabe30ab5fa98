"""Training dynamics from history.csv: trend and balance labels, blank cells, prefixed columns."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.compare.history import balance, loss_trend, read_history, summarize


def test_blank_cells_and_phase_prefixes(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,G/g_loss,D/d_real,D/d_fake,note\n1,2.0,1.0,,x\n2,,1.5,0.2,y\n3,1.0,2.5,-0.5,z\n"
                    "4,1.0,2.5,-0.5,\n")
    dynamics = summarize(read_history(path))
    assert dynamics.epochs == 4
    assert dynamics.g_loss_start == 2.0 and dynamics.g_loss_end == 1.0
    assert dynamics.g_loss_trend == "falling (-50%)"
    assert dynamics.d_gap == pytest.approx(3.0)
    assert dynamics.d_balance == "D ahead"


def test_history_without_curves_is_not_judged(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,step\n1,10\n")
    dynamics = summarize(read_history(path))
    assert (dynamics.g_loss_trend, dynamics.d_balance) == ("n/a", "n/a")


def test_unreadable_history_is_one_error(tmp_path):
    with pytest.raises(UkiyoeError, match="cannot read training history"):
        read_history(tmp_path / "missing.csv")


@given(st.floats(-100, 100))
def test_balance_labels_follow_the_gap(gap):
    label = balance(gap)
    expected = ("G ahead" if gap <= -0.5 else "balanced" if gap < 0.5 else "D ahead" if gap < 4
                else "D dominates")
    assert label == expected


@given(st.floats(0.1, 100), st.floats(0.1, 100))
def test_trend_direction_matches_the_change(start, end):
    label = loss_trend(start, end)
    change = (end - start) / start
    assert label.startswith("rising" if change > 0.1 else "falling" if change < -0.1 else "flat")
