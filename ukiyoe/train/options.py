"""Training options: every knob of the train stage, bound in gin (``experiments/components/training.gin``)."""

from __future__ import annotations

from dataclasses import dataclass

import gin

from ukiyoe.errors import ConfigError

AMP_MODES = (None, "bf16")


@gin.configurable
@dataclass(frozen=True)
class TrainOptions:
    """What the loop does, how often it saves and samples, and how it uses the hardware.

    A step is one discriminator step on one real batch; an epoch is one pass of the discriminator over the
    prepared data, so ``checkpoint_every`` counts real batches. The lazy regulariser's interval belongs to
    the loss (``R1Penalty.interval``), the D steps per G step to ``NCriticSchedule``.
    """

    epochs: int = 1
    batch_size: int = 16
    seed: int = 0
    ema_beta: float = 0.99
    checkpoint_every: int = 100
    sample_every: int = 1
    sample_count: int = 16
    keep_last: int = 3
    deterministic: bool = False
    device: str = "auto"
    amp: str | None = None
    channels_last: bool = False
    compile: bool = False
    fused_optimizers: bool = True
    cpu_threads: int = 0

    def __post_init__(self) -> None:
        positive = ("epochs", "batch_size", "checkpoint_every", "sample_every", "sample_count", "keep_last")
        for name in positive:
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"TrainOptions.{name} must be >= 1, got {getattr(self, name)!r}")
        if not 0.0 <= self.ema_beta < 1.0:
            raise ConfigError(f"TrainOptions.ema_beta must be in [0, 1), got {self.ema_beta!r}")
        if self.cpu_threads < 0:
            raise ConfigError(
                f"TrainOptions.cpu_threads must be >= 0 (0: torch's default), got {self.cpu_threads!r}"
            )
        if self.amp not in AMP_MODES:
            raise ConfigError(f"TrainOptions.amp must be one of {AMP_MODES}, got {self.amp!r}")
        if self.device != "auto" and self.device.split(":")[0] not in ("cpu", "cuda", "mps"):
            raise ConfigError(
                f"TrainOptions.device must be 'auto', 'cpu', 'cuda[:N]' or 'mps', got {self.device!r}"
            )
