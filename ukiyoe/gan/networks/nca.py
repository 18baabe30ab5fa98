"""Neural cellular automaton that refines the generator's image, each cell conditioned on the style w.

State per cell: RGB, alpha (alive channel) and ``hidden_channels``. Each step every cell perceives its 3×3
neighbourhood through fixed depthwise filters, a small 1×1-conv net proposes an update, and a random half of
the cells (``fire_rate``) apply it. Cells whose neighbourhood alpha falls to ``alive_threshold`` or below die.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import gin
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.checkpoint import checkpoint

from ukiyoe.common.errors import ConfigError
from ukiyoe.common.ranges import Between, declare, one_of

IDENTITY = torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
SOBEL_X = torch.outer(torch.tensor([1.0, 2.0, 1.0]), torch.tensor([-1.0, 0.0, 1.0])) / 8.0
LAPLACIAN = torch.tensor([[1.0, 2.0, 1.0], [2.0, -12.0, 2.0], [1.0, 2.0, 1.0]]) / 16.0
RGBA = 4
CONDITIONINGS = ("mlp", "raw", "none")


@dataclass
class NCAOutput:
    """The refined image and what the training loop logs or penalises about the automaton."""

    image: torch.Tensor
    alive_ratio: torch.Tensor
    growth_deficit: torch.Tensor
    steps: int


# w_dim comes from the mapping network (Generator passes it), so gin may not bind it here.
@gin.configurable(module="ukiyoe.gan", denylist=["w_dim"])
@declare(
    hidden_channels=Between(0),
    update_channels=Between(1),
    conditioning=one_of(*CONDITIONINGS),
    conditioning_hidden=Between(1),
    dropout=Between(0, 1, high_open=True),
    fire_rate=Between(0, 1, low_open=True),
    alive_threshold=Between(0, 1),
    min_steps=Between(1),
    max_steps=Between(1),
)
class NCARefiner(nn.Module):
    """Refines an image in [-1, 1] over a random number of steps in [``min_steps``, ``max_steps``].

    ``conditioning``: ``"mlp"`` feeds w through w_dim → conditioning_hidden → w_dim to every cell; ``"raw"``
    feeds w unchanged (poorly scaled next to the perception inputs); ``"none"`` ignores w.
    ``normalization`` adds a per-cell LayerNorm in the update net. ``zero_init_update`` starts the rule as
    "do nothing", so the refiner is the identity until it learns otherwise. The defaults reproduce the seed's
    poorly conditioned automaton; ``experiments/fixes/nca_conditioning.gin`` turns on the better one.
    """

    def __init__(
        self,
        w_dim: int = 128,
        hidden_channels: int = 12,
        update_channels: int = 128,
        conditioning: str = "raw",
        conditioning_hidden: int = 64,
        normalization: bool = False,
        dropout: float = 0.0,
        laplacian: bool = False,
        fire_rate: float = 0.5,
        alive_threshold: float = 0.1,
        alive_masking: bool = True,
        zero_init_update: bool = False,
        min_steps: int = 8,
        max_steps: int = 16,
        checkpoint_steps: bool = False,
    ):
        super().__init__()
        if min_steps > max_steps:
            raise ConfigError(f"NCARefiner.min_steps, max_steps: need {min_steps} <= {max_steps}")
        self.state_channels = RGBA + hidden_channels
        self.fire_rate = fire_rate
        self.alive_threshold = alive_threshold
        self.alive_masking = alive_masking
        self.min_steps, self.max_steps = min_steps, max_steps
        self.checkpoint_steps = checkpoint_steps
        self.fused_perception = False
        self._fixed_steps: int | None = None
        self._compiled: tuple[int, Callable[..., torch.Tensor]] | None = None  # (batch size, step)
        kernels = torch.stack([IDENTITY, SOBEL_X, SOBEL_X.T] + ([LAPLACIAN] if laplacian else []))
        # Depthwise filtering written as one dense conv with block-diagonal weights: same result, and several
        # times faster on CPU than a grouped conv with this few channels.
        filters = torch.zeros(self.state_channels, len(kernels), self.state_channels, 3, 3)
        for channel in range(self.state_channels):
            filters[channel, :, channel] = kernels
        self.register_buffer("filters", filters.flatten(0, 1), persistent=False)
        perception_channels = self.state_channels * len(kernels)

        self.conditioning = conditioning
        if conditioning == "mlp":
            self.condition = nn.Sequential(
                nn.Linear(w_dim, conditioning_hidden), nn.ReLU(), nn.Linear(conditioning_hidden, w_dim)
            )
        # The update net's 1×1 convs run as Linear layers over channels-last cells (faster on CPU).
        self.perception_in = nn.Linear(perception_channels, update_channels)
        self.condition_in = nn.Linear(w_dim, update_channels, bias=False) if conditioning != "none" else None
        self.update_body = nn.Sequential(
            nn.LayerNorm(update_channels) if normalization else nn.Identity(),
            nn.ReLU(),
            nn.Dropout(dropout) if dropout > 0 else nn.Identity(),
        )
        self.update_out = nn.Linear(update_channels, self.state_channels)
        if zero_init_update:
            nn.init.zeros_(self.update_out.weight)
            nn.init.zeros_(self.update_out.bias)

    def sample_steps(self, step_scale: float = 1.0) -> int:
        """Draws the number of steps from the global torch RNG (so seeding makes it reproducible)."""
        if self._fixed_steps is not None:
            return self._fixed_steps
        steps = int(torch.randint(self.min_steps, self.max_steps + 1, (1,)).item())
        return max(1, round(steps * step_scale))

    @contextmanager
    def steps_drawn(self, steps: int) -> Iterator[None]:
        """``sample_steps`` returns ``steps`` inside the block without drawing: a caller that drew the count
        beforehand (to pick the CUDA graph recorded for it) leaves the RNG stream as a plain call would."""
        previous, self._fixed_steps = self._fixed_steps, steps
        try:
            yield
        finally:
            self._fixed_steps = previous  # nested blocks give back the outer block's count

    def prefer_speed(self, compiled_batch: int | None = None) -> None:
        """Same rule, fewer kernels: the fixed perception filters are folded into the first update layer
        (one 3×3 conv instead of conv + linear) and activations are kept instead of recomputed (checkpointing
        cannot be recorded in a CUDA graph; memory grows with the step count).

        ``compiled_batch``: steps on batches of this size also go through ``torch.compile``, which fuses a
        step's normalisation, masks and update into a few kernels. Only that size (the training batch), so
        samples and the watchdog's batches of other sizes do not recompile; random draws stay PyTorch's own
        (inductor's ``fallback_random``, set for the whole process: compiled G draws its noise as eager
        does too), so a compiled step draws the masks the plain one does.
        """
        self.fused_perception = True
        self.checkpoint_steps = False
        self._compiled = None
        if compiled_batch is not None:
            import torch._inductor.config as inductor_config

            inductor_config.fallback_random = True
            self._compiled = (compiled_batch, torch.compile(self._step, dynamic=False, fullgraph=True))

    def forward(self, image: torch.Tensor, w: torch.Tensor, steps: int | None = None,
                step_scale: float = 1.0) -> NCAOutput:
        steps = self.sample_steps(step_scale) if steps is None else steps
        batch, _, height, width = image.shape
        # The state stays fp32 under autocast: many small updates accumulate into it.
        image = image.float()
        alpha = image.new_ones(batch, 1, height, width)
        hidden = image.new_zeros(batch, self.state_channels - RGBA, height, width)
        state = torch.cat([image, alpha, hidden], dim=1)
        if self.fused_perception and state.is_cuda:
            state = state.contiguous(memory_format=torch.channels_last)
        bias = self._condition_bias(w)
        fused = self._fused_weight() if self.fused_perception else None
        step = self._compiled[1] if self._compiled is not None and self._compiled[0] == batch else self._step
        for _ in range(steps):
            if self.checkpoint_steps and torch.is_grad_enabled():
                state = checkpoint(step, state, bias, fused, use_reentrant=False)
            else:
                state = step(state, bias, fused)
        alive = self._alive(state).to(state.dtype)
        deficit = F.relu(1.0 - state[:, 3:4]).mean()
        return NCAOutput(state[:, :3].clamp(-1.0, 1.0), alive.mean().detach(), deficit, steps)

    def _condition_bias(self, w: torch.Tensor) -> torch.Tensor | None:
        """The w-conditioning as a per-sample bias of the first update layer (= concatenating it per cell)."""
        if self.condition_in is None:
            return None
        if self.conditioning == "mlp":
            w = self.condition(w)
        return self.condition_in(w)[:, None, None, :]

    def _alive(self, state: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(state[:, 3:4], 3, stride=1, padding=1) > self.alive_threshold

    def _fused_weight(self) -> torch.Tensor:
        """perception_in ∘ filters as one 3×3 conv weight (update_channels, state_channels, 3, 3)."""
        return torch.einsum("up,pchw->uchw", self.perception_in.weight, self.filters)

    def _step(self, state: torch.Tensor, bias: torch.Tensor | None, fused: torch.Tensor | None = None
              ) -> torch.Tensor:
        if fused is not None:
            # Contiguous cells-last, as the Linear path gives (free for a channels_last state): dropout
            # then draws its mask in the same element order.
            cells = F.conv2d(state, fused, self.perception_in.bias, padding=1)
            hidden = cells.permute(0, 2, 3, 1).contiguous()
        else:
            perception = F.conv2d(state, self.filters, padding=1).permute(0, 2, 3, 1)
            hidden = self.perception_in(perception)
        if bias is not None:
            hidden = hidden + bias
        update = self.update_out(self.update_body(hidden)).permute(0, 3, 1, 2)
        fire = torch.rand(state.shape[0], 1, state.shape[2], state.shape[3], device=state.device)
        updated = state + update * (fire < self.fire_rate).to(state.dtype)
        if not self.alive_masking:
            return updated
        alive = self._alive(state) & self._alive(updated)
        return updated * alive.to(state.dtype)
