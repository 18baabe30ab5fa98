"""Training options: every knob of the train stage, bound in gin (``experiments/components/training.gin``)."""

from __future__ import annotations

from dataclasses import dataclass

import gin

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.ranges import Between, declare, one_of

AMP_MODES = (None, "bf16")
SPEEDS = ("eager", "fast")


@gin.configurable
@declare(
    epochs=Between(1),
    batch_size=Between(1),
    seed=Between(0),
    ema_beta=Between(0, 1, high_open=True),
    checkpoint_every=Between(1),
    sample_every=Between(1),
    sample_count=Between(1),
    keep_last=Between(1),
    amp=one_of(*(mode for mode in AMP_MODES if mode is not None)),
    cpu_threads=Between(0),
    speed=one_of(*SPEEDS),
)
@dataclass(frozen=True)
class TrainOptions:
    """What the loop does, how often it saves and samples, and how it uses the hardware.

    A step is one discriminator step on one real batch; an epoch is one pass of the discriminator over the
    prepared data, so ``checkpoint_every`` counts real batches. The lazy regulariser's interval belongs to
    the loss (``R1Penalty.interval``), the D steps per G step to ``NCriticSchedule``. ``speed = 'fast'``
    reads step values every watchdog interval instead of every step and replays CUDA graphs on one GPU
    (``ukiyoe.train.phases``); ``'eager'`` is the reference. ``compile`` runs the generator's mapping and
    synthesis through ``torch.compile``, and with ``'fast'`` the NCA's step on training batches too.
    ``background_checkpoints`` writes each checkpoint on a second thread while the next steps run
    (``ukiyoe.train.checkpoint_writer``; a crash during a write loses that checkpoint, not older ones).
    """

    epochs: int = 1
    batch_size: int = 16
    seed: int = 0
    ema_beta: float = 0.99
    checkpoint_every: int = 100
    sample_every: int = 1
    sample_count: int = 16
    keep_last: int = 3
    background_checkpoints: bool = True
    deterministic: bool = False
    device: str = "auto"
    amp: str | None = None
    channels_last: bool = False
    compile: bool = False
    fused_optimizers: bool = True
    cpu_threads: int = 0
    speed: str = "eager"

    def __post_init__(self) -> None:
        if self.device != "auto" and self.device.split(":")[0] not in ("cpu", "cuda", "mps"):
            raise ConfigError(
                f"TrainOptions.device must be 'auto', 'cpu', 'cuda[:N]' or 'mps', got {self.device!r}"
            )
