"""Feature spaces for the distribution metrics: the data's mode classifier, or a fixed random CNN.

Naeem et al. (2020) show that a randomly initialised CNN embedding is enough for PRDC to separate
fidelity from diversity; it needs no downloaded weights, and its fixed seed makes reports comparable.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ukiyoe.common.images import to_signed

RANDOM_CNN_SEED = 20200711


class FeatureSpace(Protocol):
    name: str
    description: str

    def embed(self, images: np.ndarray) -> np.ndarray:
        """uint8 NHWC images → float32 (N, D) features."""
        ...


class RandomCNNFeatures:
    """A four-stage random ReLU CNN (seed fixed) pooled at three scales: 896 features per image.

    Spatial pooling (4×4, 2×2, global) keeps layout, which separates modes better than global pooling alone.
    """

    name = "random_cnn"
    description = f"randomly initialised 4-stage CNN (seed {RANDOM_CNN_SEED}), 896-d, Naeem et al. 2020"

    def __init__(self, device: str = "cpu", batch_size: int = 500) -> None:
        import torch
        from torch import nn

        generator = torch.Generator().manual_seed(RANDOM_CNN_SEED)
        widths = (3, 16, 32, 64, 128)
        layers: list[nn.Module] = []
        for index, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            conv = nn.Conv2d(c_in, c_out, 3, padding=1)
            with torch.no_grad():
                scale = (2.0 / (c_in * 9)) ** 0.5
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * scale)
                conv.bias.zero_()
            layers.append(conv)
            layers.append(nn.ReLU())
            if index < len(widths) - 2:
                layers.append(nn.AvgPool2d(2))
        self._stages = nn.Sequential(*layers).to(device).eval()
        self._device = device
        self._batch_size = batch_size

    def embed(self, images: np.ndarray) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        outputs = []
        with torch.inference_mode():
            for start in range(0, len(images), self._batch_size):
                batch = torch.from_numpy(np.array(images[start : start + self._batch_size]))
                x = to_signed(batch.to(self._device).permute(0, 3, 1, 2))
                stage2 = self._stages[:5](x)
                stage3 = self._stages[5:8](stage2)
                stage4 = self._stages[8:](stage3)
                pooled = [
                    F.adaptive_avg_pool2d(stage, size).flatten(1)
                    for stage, size in ((stage2, 4), (stage3, 2), (stage4, 1))
                ]
                outputs.append(torch.cat(pooled, dim=1).float().cpu())
        return torch.cat(outputs).numpy()


class ClassifierFeatures:
    """The prepared data's mode classifier embedding (trained on the real modes, so mode-aware)."""

    name = "classifier"

    def __init__(self, classifier: Any) -> None:
        self._classifier = classifier
        self.description = f"mode classifier embedding ({classifier.num_modes} modes) from the prepared data"

    def embed(self, images: np.ndarray) -> np.ndarray:
        return np.asarray(self._classifier.embed(images), dtype=np.float32).reshape(len(images), -1)


def choose_feature_space(choice: str, classifier: Any | None, device: str = "cpu") -> FeatureSpace:
    """``auto`` picks the classifier embedding when the data has one, else the random CNN."""
    from ukiyoe.common.errors import DataError

    if choice == "classifier" and classifier is None:
        raise DataError(
            "DiagnoseOptions.feature_space is 'classifier' but the prepared data has no classifier.pt"
        )
    if choice in ("auto", "classifier") and classifier is not None:
        return ClassifierFeatures(classifier)
    return RandomCNNFeatures(device=device)
