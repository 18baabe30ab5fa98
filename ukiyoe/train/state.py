"""The checkpoint payload of a Trainer: what is saved, and how a run continues from it.

A payload restored into a Trainer of the same process count continues exactly; from another process count
the run restarts at the beginning of the epoch the checkpoint was in (a step means a different batch there).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ukiyoe.errors import CheckpointError
from ukiyoe.train.monitor import EpochAverager
from ukiyoe.train.rng import restore_rng_state
from ukiyoe.train.watchdog import WatchdogState

if TYPE_CHECKING:
    from ukiyoe.train.loop import Trainer

log = logging.getLogger(__name__)

CHECKPOINT_FORMAT = 1


def snapshot(trainer: Trainer, rng_states: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything a resume needs, as tensors and plain values (weights-only loadable)."""
    networks = trainer.c.networks.modules()
    return {
        "format": CHECKPOINT_FORMAT,
        "step": trainer.step,
        "epoch": trainer.step // trainer.steps_per_epoch,
        "networks": {name: module.state_dict() for name, module in networks.items()},
        "ema": trainer.c.ema.state_dict(),
        "optimizers": {name: optimizer.state_dict() for name, optimizer in trainer.c.optimizers.items()},
        "loss": trainer.c.loss.state_dict(),
        "loop": {
            "d_since_g": trainer.d_since_g,
            "averager": trainer.averager.state_dict(),
            "history": [dict(row) for row in trainer.history],
            "steps_per_epoch": trainer.steps_per_epoch,
        },
        "rng": rng_states,
        "watchdog": trainer.watch_state.state_dict(),
        "meta": {**trainer.meta, "step": trainer.step, "epoch": trainer.step // trainer.steps_per_epoch},
    }


def restore(trainer: Trainer, payload: dict[str, Any], include_watchdog: bool = True) -> None:
    """Continue from ``payload``; from another process count, at the start of the next epoch."""
    step, averager = int(payload["step"]), payload["loop"]["averager"]
    recorded = payload["loop"]["steps_per_epoch"]
    if (
        payload["meta"].get("world_size", 1) != trainer.context.world_size
        or recorded != trainer.steps_per_epoch
    ):
        if (
            recorded != trainer.steps_per_epoch
            and payload["meta"].get("world_size", 1) == trainer.context.world_size
        ):
            raise CheckpointError(
                f"{trainer.paths.out}: checkpoint has {recorded} steps per epoch, this run "
                f"{trainer.steps_per_epoch} (prepared data or batch size changed)"
            )
        if step % recorded:
            log.warning(
                "checkpoint from %s process(es) is mid-epoch: epoch %d restarts from its beginning",
                payload["meta"].get("world_size", 1),
                step // recorded + 1,
            )
        step, averager = (step // recorded) * trainer.steps_per_epoch, {"sums": {}, "counts": {}}
    for name, module in trainer.c.networks.modules().items():
        module.load_state_dict(payload["networks"][name])
    trainer.c.ema.load_state_dict(payload["ema"])
    for name, optimizer in trainer.c.optimizers.items():
        optimizer.load_state_dict(payload["optimizers"][name])
    trainer.c.loss.load_state_dict(payload["loss"])
    trainer.step, trainer.d_since_g = step, int(payload["loop"]["d_since_g"])
    trainer.history = [dict(row) for row in payload["loop"]["history"]]
    trainer.averager = EpochAverager()
    trainer.averager.load_state_dict(averager)
    states = payload["rng"]
    restore_rng_state(states[trainer.context.rank] if trainer.context.rank < len(states) else states[0])
    if include_watchdog:
        trainer.watch_state = WatchdogState.from_state_dict(payload["watchdog"])
