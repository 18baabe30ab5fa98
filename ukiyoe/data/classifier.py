"""The mode classifier: a small in-house CNN that names the mode of an image (which motif and palette,
or which digit triple), so that mode coverage can be counted without downloaded weights.

Saved as ``classifier.pt`` (a state_dict, read with ``weights_only=True``) beside ``classifier.json``
(architecture numbers and held-out accuracy); nothing in either file can execute code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ukiyoe.common.errors import DataError
from ukiyoe.common.files import json_text
from ukiyoe.common.images import quantize, to_signed

INPUT_SIZE = 32
KINDS = ("modes", "digit_triple")  # one label per image, or one digit per colour channel


@dataclass(frozen=True)
class ClassifierSpec:
    """Architecture numbers: enough to rebuild the network before loading its weights."""

    kind: str
    in_channels: int
    num_classes: int
    widths: tuple[int, int, int]
    embed_dim: int

    def validate(self, where: str) -> None:
        ok = (
            self.kind in KINDS
            and self.in_channels in (1, 3)
            and 2 <= self.num_classes <= 10_000
            and len(self.widths) == 3
            and all(isinstance(w, int) and 1 <= w <= 512 for w in self.widths)
            and 1 <= self.embed_dim <= 4096
        )
        if not ok:
            raise DataError(f"{where}: invalid classifier architecture {asdict(self)}")


class ModeNet(nn.Module):
    """Three strided conv stages on a 32x32 view of the input, a feature layer, a linear head."""

    def __init__(self, spec: ClassifierSpec):
        super().__init__()
        w1, w2, w3 = spec.widths
        self.features = nn.Sequential(
            nn.Conv2d(spec.in_channels, w1, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(w1, w2, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(w2, w3, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(w3 * (INPUT_SIZE // 8) ** 2, spec.embed_dim),
            nn.ReLU(),
        )
        self.head = nn.Linear(spec.embed_dim, spec.num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != INPUT_SIZE or x.shape[-2] != INPUT_SIZE:
            x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="area")
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


def to_input(images: np.ndarray, in_channels: int) -> torch.Tensor:
    """uint8 NHWC (or NHW for one channel) to float NCHW in [-1, 1]."""
    array = np.asarray(images)
    if array.ndim == 3 and in_channels == 1:
        array = array[..., None]
    if array.dtype != np.uint8 or array.ndim != 4 or array.shape[-1] != in_channels:
        raise DataError(
            f"classifier input must be uint8 (N, H, W, {in_channels}), got {array.dtype} {array.shape}"
        )
    return to_signed(torch.from_numpy(np.ascontiguousarray(array)).permute(0, 3, 1, 2))


class ModeClassifier:
    """Predicts mode labels and penultimate features for uint8 NHWC RGB images."""

    def __init__(self, net: ModeNet, spec: ClassifierSpec, info: dict[str, Any]):
        self.net = net.eval()
        self.spec = spec
        self.info = info
        self.num_modes: int = int(info["num_modes"])
        self.accuracy: float = float(info["accuracy"])

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def to(self, device: str | torch.device) -> ModeClassifier:
        """Run on ``device`` (the diagnose stage moves it to the GPU when it measures there)."""
        self.net.to(device)
        return self

    @property
    def embed_dim(self) -> int:
        """Width of ``embed``'s features (one block per colour channel for stacked digits)."""
        return self.spec.embed_dim * (3 if self.spec.kind == "digit_triple" else 1)

    def _batches(self, images: np.ndarray, batch_size: int):
        """(start, network input) per batch; stacked digits give three single-channel inputs per image."""
        array = np.asarray(images)
        if array.dtype != np.uint8 or array.ndim != 4 or array.shape[-1] != 3:
            raise DataError(
                f"mode classifier input must be uint8 (N, H, W, 3), got {array.dtype} {array.shape}"
            )
        for start in range(0, len(array), batch_size):
            chunk = torch.from_numpy(np.ascontiguousarray(array[start : start + batch_size]))
            yield start, self._network_input(chunk.permute(0, 3, 1, 2).to(self.device))

    def _network_input(self, pixels: torch.Tensor) -> torch.Tensor:
        """uint8 NCHW pixels as the network reads them: contiguous (both entry points give the same
        layout, hence the same numbers), stacked digits as three single-channel images per image."""
        if self.spec.kind == "digit_triple":  # each colour channel is one digit
            pixels = pixels.reshape(-1, 1, *pixels.shape[2:])
        return to_signed(pixels.contiguous())

    def classify_and_embed(self, images: np.ndarray, batch_size: int = 512
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``classify``'s labels and confidences and ``embed``'s features from one forward pass (the head
        reads the features)."""
        count = len(images)
        labels, confidence = np.empty(count, np.int64), np.empty(count, np.float64)
        features = np.empty((count, self.embed_dim), np.float32)
        for start, x in self._batches(images, batch_size):
            digit, probability, embedded = (part.cpu().numpy() for part in self._read(x))
            labels[start : start + len(digit)] = digit
            confidence[start : start + len(digit)] = probability
            features[start : start + len(digit)] = embedded
        return labels, confidence, features

    def classify_and_embed_tensor(self, images: torch.Tensor
                                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``classify_and_embed`` of float NCHW images in [-1, 1], on the classifier's device: the pixels
        are rounded there as stored images are (the same numbers), and nothing is read back."""
        return self._read(self._network_input(quantize(images.to(self.device))))

    @torch.no_grad()
    def _read(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Labels, confidences (float64) and features of one network input, per image."""
        embedded = self.net.embed(x)
        top = F.softmax(self.net.head(embedded).double(), dim=1).max(dim=1)
        probability, digit = top.values, top.indices
        if self.spec.kind == "digit_triple":
            probability = probability.reshape(-1, 3).prod(dim=1)
            digit = (digit.reshape(-1, 3) * torch.tensor([100, 10, 1], device=digit.device)).sum(dim=1)
        return digit, probability, embedded.float().reshape(len(digit), self.embed_dim)

    def classify(self, images: np.ndarray, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
        """Mode label (int64) and confidence in [0, 1] per image: the top softmax probability, for stacked
        digits the product of the three channels' (the probability that the whole triple is right)."""
        labels, confidence, _ = self.classify_and_embed(images, batch_size)
        return labels, confidence

    def predict(self, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Mode label per image (int64); for stacked digits ``100*a + 10*b + c``."""
        return self.classify(images, batch_size)[0]

    def embed(self, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Penultimate features per image, float32 (N, D): an in-house feature space."""
        return self.classify_and_embed(images, batch_size)[2]


def save_classifier(net: ModeNet, spec: ClassifierSpec, info: dict[str, Any], directory: Path) -> None:
    torch.save(net.state_dict(), directory / "classifier.pt")
    document = {**asdict(spec), "widths": list(spec.widths), **info}
    (directory / "classifier.json").write_text(json_text(document))


def load_mode_classifier(prepared_dir: str | Path) -> ModeClassifier | None:
    """The prepared data set's classifier, or None where its modes are unknown (no classifier files)."""
    directory = Path(prepared_dir)
    weights, described = directory / "classifier.pt", directory / "classifier.json"
    if not weights.exists() and not described.exists():
        return None
    if not (weights.exists() and described.exists()):
        raise DataError(f"{directory}: classifier.pt and classifier.json must both be present")
    try:
        info = json.loads(described.read_text())
        spec = ClassifierSpec(
            kind=info["kind"],
            in_channels=info["in_channels"],
            num_classes=info["num_classes"],
            widths=tuple(info["widths"]),
            embed_dim=info["embed_dim"],
        )
        info["num_modes"], info["accuracy"] = int(info["num_modes"]), float(info["accuracy"])
    except (ValueError, KeyError, TypeError) as error:
        raise DataError(f"{described}: malformed classifier description ({error!r})") from None
    spec.validate(str(described))
    net = ModeNet(spec)
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        net.load_state_dict(state, strict=True)
    except Exception as error:  # any failure to unpickle or to match shapes means a corrupt file
        raise DataError(
            f"{weights}: cannot load classifier weights ({type(error).__name__}: {error})"
        ) from None
    return ModeClassifier(net, spec, info)
