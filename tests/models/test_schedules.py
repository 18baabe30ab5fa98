"""Schedules are pure functions of the 1-based epoch."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from ukiyoe.common.errors import ConfigError
from ukiyoe.gan.schedules import (
    INTEGRATION,
    ISOLATED,
    ISOLATION_PERIOD,
    GrowthCurriculum,
    IsolationSchedule,
    LearningRates,
    NCriticSchedule,
)


def test_n_critic_switches_after_epoch_100():
    schedule = NCriticSchedule(early=3, late=2, switch_after_epoch=100)
    assert [schedule(e) for e in (1, 99, 100, 101, 500)] == [3, 3, 3, 2, 2]


def test_epochs_are_one_based():
    with pytest.raises(ValueError, match="1-based"):
        NCriticSchedule()(0)


def test_isolation_phases_and_linear_ramp():
    schedule = IsolationSchedule(
        enabled=True, isolation_end=200, period_end=250, ramp_epochs=50, max_weight=0.5
    )
    assert [schedule.phase(e) for e in (1, 200, 201, 250, 251)] == [
        ISOLATED,
        ISOLATED,
        ISOLATION_PERIOD,
        ISOLATION_PERIOD,
        INTEGRATION,
    ]
    assert [schedule.weight(e) for e in (1, 200, 250)] == [0.0, 0.0, 0.0]
    assert schedule.weight(251) == pytest.approx(0.5 / 50)
    assert schedule.weight(275) == pytest.approx(0.25)
    assert schedule.weight(300) == schedule.weight(1000) == 0.5


def test_demo_ramp_and_critic_training_per_phase():
    schedule = IsolationSchedule(
        enabled=True,
        isolation_end=4,
        period_end=6,
        ramp_epochs=3,
        max_weight=1.0,
        critic_trains_in_isolation=True,
        critic_trains_in_period=False,
    )
    assert [round(schedule.weight(e), 3) for e in range(1, 11)] == [0, 0, 0, 0, 0, 0, 0.333, 0.667, 1, 1]
    assert [schedule.critic_trains(e) for e in (1, 4, 5, 6, 7)] == [True, True, False, False, True]


def test_disabled_isolation_means_full_weight_from_epoch_one():
    schedule = IsolationSchedule(enabled=False, max_weight=0.7)
    assert schedule.phase(1) == INTEGRATION and schedule.weight(1) == 0.7 and schedule.critic_trains(1)


@given(
    isolation=st.integers(0, 50),
    period=st.integers(0, 50),
    ramp=st.integers(0, 50),
    weight=st.floats(0, 10),
    epochs=st.lists(st.integers(1, 300), min_size=2, max_size=2),
)
def test_isolation_weight_is_monotone_and_bounded(isolation, period, ramp, weight, epochs):
    schedule = IsolationSchedule(
        enabled=True,
        isolation_end=isolation,
        period_end=isolation + period,
        ramp_epochs=ramp,
        max_weight=weight,
    )
    early, late = sorted(epochs)
    assert 0.0 <= schedule.weight(early) <= schedule.weight(late) <= weight
    assert schedule.phase(early) <= schedule.phase(late)


def test_growth_curriculum_ramps_steps_and_decays_the_boost():
    curriculum = GrowthCurriculum(
        enabled=True, ramp_epochs=4, start_scale=0.2, boost=0.5, boost_decay_epochs=5
    )
    assert [round(curriculum.nca_step_scale(e), 2) for e in (1, 3, 5, 9)] == [0.2, 0.6, 1.0, 1.0]
    assert [round(curriculum.growth_boost(e), 2) for e in (1, 2, 6, 7)] == [0.5, 0.4, 0.0, 0.0]
    disabled = GrowthCurriculum(enabled=False, ramp_epochs=4, boost=0.5)
    assert disabled.nca_step_scale(1) == 1.0 and disabled.growth_boost(1) == 0.0


def test_learning_rates_per_network_with_warmup():
    rates = LearningRates(generator=5e-5, nca=1e-4, discriminator=2e-4, critic=1e-4, warmup_epochs=2)
    optimizers = {name: torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1.0) for name in rates.base}
    rates.apply(optimizers, epoch=1)
    assert optimizers["generator"].param_groups[0]["lr"] == pytest.approx(2.5e-5)
    rates.apply(optimizers, epoch=3)
    assert optimizers["discriminator"].param_groups[0]["lr"] == pytest.approx(2e-4)


@pytest.mark.parametrize(
    "bad",
    [
        lambda: LearningRates(generator=0.0),
        lambda: NCriticSchedule(early=0),
        lambda: IsolationSchedule(isolation_end=10, period_end=5),
        lambda: GrowthCurriculum(start_scale=0.0),
    ],
)
def test_bad_schedule_values_are_config_errors(bad):
    with pytest.raises(ConfigError):
        bad()
