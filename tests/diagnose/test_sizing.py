"""Sample counts sized by the modes: what real draws cover, the protocol default, the refusal floor."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.common.errors import DataError
from ukiyoe.diagnose.sizing import (
    check_sample_count,
    default_samples,
    draws_to_cover,
    expected_covered,
    minimum_samples,
)

UNIFORM_1000, UNIFORM_40 = np.full(1000, 1e-3), np.full(40, 1 / 40)


def test_two_thousand_draws_cannot_show_a_thousand_modes() -> None:
    assert 860 < expected_covered(UNIFORM_1000, 2000) < 870  # 1000 (1 - e^-2)
    assert draws_to_cover(UNIFORM_1000, 0.99) == 4603
    assert default_samples(UNIFORM_1000) == 26_000  # the PacGAN protocol
    with pytest.raises(DataError, match="2000 samples are too few for a verdict; need at least 2302"):
        check_sample_count(2000, UNIFORM_1000)


def test_forty_modes_need_far_fewer() -> None:
    assert draws_to_cover(UNIFORM_40, 0.99) == 182
    assert default_samples(UNIFORM_40) == 2000 and minimum_samples(UNIFORM_40) == 200
    assert minimum_samples(None) == 200 and default_samples(None) == 2000


@given(st.integers(2, 400), st.floats(0.5, 0.995))
def test_the_cover_is_reached_first_at_the_returned_count(modes: int, share: float) -> None:
    prior = np.random.default_rng(modes).dirichlet(np.ones(modes) * 5)
    count = draws_to_cover(prior, share)
    assert expected_covered(prior, count) >= share * modes > expected_covered(prior, count - 1)
