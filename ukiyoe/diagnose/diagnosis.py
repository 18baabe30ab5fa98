"""Measure one image set against a prepared reference: headline metrics with intervals, details, score.

This is the stage's core, independent of checkpoints and files, so the calibration battery and
``--samples`` go through exactly the code path a checkpoint does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ukiyoe.common.errors import CheckpointError
from ukiyoe.common.images import to_signed, to_uint8
from ukiyoe.diagnose.bootstrap import INTERVAL_METRICS, intervals
from ukiyoe.diagnose.features import FeatureSpace, choose_feature_space
from ukiyoe.diagnose.headline import headline
from ukiyoe.diagnose.images import resize_uint8, to_nhwc, to_signed_float
from ukiyoe.diagnose.measures import SampleMeasures, measure
from ukiyoe.diagnose.metrics import METRICS, MetricInputs
from ukiyoe.diagnose.metrics.image_statistics import TypicalRange
from ukiyoe.diagnose.metrics.memorization import TrainIndex
from ukiyoe.diagnose.metrics.modes import stacked_mnist_protocol
from ukiyoe.diagnose.options import DiagnoseOptions
from ukiyoe.diagnose.reference import Reference
from ukiyoe.diagnose.score import collapse_score
from ukiyoe.diagnose.sizing import check_sample_count

HEADLINE_KEYS = (
    "collapse_score",
    "severity",
    "memorization",
    "modes_covered",
    "num_modes",
    "mode_kl",
    "coverage",
    "precision",
    "unrecognised_rate",
    "near_duplicate_rate",
    "copy_share",
    "num_samples",
)


@dataclass
class Diagnosis:
    """``metrics`` (headline, written to metrics.json), ``details`` (details.json) and the figure arrays."""

    metrics: dict[str, Any]
    details: dict[str, Any]
    feature_space: FeatureSpace
    fake_images: np.ndarray
    real_images: np.ndarray
    fake_features: np.ndarray
    real_features: np.ndarray
    train_images: np.ndarray
    copy_order: np.ndarray  # samples, most copy-like first


def signed_tensor(samples: np.ndarray | torch.Tensor, device: str) -> torch.Tensor:
    """Any accepted sample array → float (N, 3, H, W) in [-1, 1] on ``device``."""
    if isinstance(samples, torch.Tensor):
        if samples.dtype == torch.uint8:
            samples = to_signed(samples)
        if samples.ndim != 4 or samples.shape[1] != 3:
            raise CheckpointError(f"generator samples must be (N, 3, H, W), got {tuple(samples.shape)}")
        return samples.detach().to(device=device, dtype=torch.float32)
    nhwc = to_signed_float(to_nhwc(np.asarray(samples), "samples"), "samples")
    return torch.from_numpy(np.ascontiguousarray(nhwc)).to(device).permute(0, 3, 1, 2)


def standardise(fake: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale both feature sets by one factor so the real features have unit mean variance per dimension.

    Every distance-based metric is invariant to it; FID/KID become readable across feature spaces.
    """
    scale = float(np.sqrt(np.mean(np.var(real.astype(np.float64), axis=0))))
    scale = scale if scale > 0 else 1.0
    return (fake / scale).astype(np.float32), (real / scale).astype(np.float32)


class Diagnoser:
    """A reference prepared once (train-split index, held-out features) for any number of sample sets."""

    def __init__(self, reference: Reference, options: DiagnoseOptions | None = None, device: str = "cpu"):
        self.reference, self.options, self.device = reference, options or DiagnoseOptions(), device
        if reference.classifier is not None:
            reference.classifier.to(device)
        self.space = choose_feature_space(self.options.feature_space, reference.classifier, device=device)
        self.heldout_features = self.space.embed(reference.heldout)
        self.train_index = TrainIndex(reference.train, reference.heldout, device)
        self.typical = TypicalRange(reference.heldout)
        classifier = reference.classifier
        self.heldout_confidence = None if classifier is None else classifier.classify(reference.heldout)[1]

    def prdc_reference(self, count: int) -> np.ndarray:
        """Held-out indices the k-NN metrics use: at most as many as samples, since PRDC coverage depends
        on the ratio of generated to real points (a fixed-seed subset when the held-out split is larger)."""
        held = len(self.reference.heldout)
        if held <= count:
            return np.arange(held)
        return np.sort(np.random.default_rng(self.options.seed).choice(held, size=count, replace=False))

    def inputs(self, values: torch.Tensor, fake_images: np.ndarray) -> MetricInputs:
        chosen = self.prdc_reference(len(fake_images))
        fake_features, real_features = standardise(
            self.space.embed(fake_images), self.heldout_features[chosen]
        )
        dtype = torch.float64 if self.device == "cpu" else torch.float32
        return MetricInputs(
            fake_values=values,
            fake_images=fake_images,
            real_images=self.reference.heldout[chosen],
            fake_features=torch.from_numpy(fake_features).to(device=self.device, dtype=dtype),
            real_features=torch.from_numpy(real_features).to(device=self.device, dtype=dtype),
            options=self.options,
        )

    def __call__(self, samples: np.ndarray | torch.Tensor) -> Diagnosis:
        """Score ``samples`` (uint8 or [-1, 1] floats, NHWC or NCHW)."""
        check_sample_count(len(samples), self.reference.mode_prior, "samples")
        values = signed_tensor(samples, self.device)
        height, width = self.reference.resolution
        fake_images = resize_uint8(to_uint8(values.permute(0, 2, 3, 1).cpu().numpy()), height, width)
        inputs = self.inputs(values, fake_images)
        copy_distances = self.train_index.distances(fake_images)
        measures = measure(inputs, self.reference, copy_distances, self.typical, self.heldout_confidence)
        metrics, details = self.summarise(measures, copy_distances.z_u(), len(fake_images))
        for compute in METRICS.values():
            details.update(compute(inputs))
        details["copy_threshold"] = copy_distances.threshold
        return Diagnosis(
            metrics,
            details,
            self.space,
            fake_images,
            self.reference.heldout,
            inputs.fake_features.float().cpu().numpy(),
            inputs.real_features.float().cpu().numpy(),
            np.asarray(self.reference.train),
            np.argsort(copy_distances.samples, kind="stable"),
        )

    def summarise(
        self, measures: SampleMeasures, z_u: float, count: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Headline metrics (with their intervals) and the details behind them."""
        values = headline(measures, np.ones(count))
        values["memorization_z_u"] = z_u
        values.update(collapse_score(values))
        values.update(num_samples=count, num_modes=len(measures.mode_prior))
        ci95 = intervals(measures, values, self.options.bootstrap_replicates, self.options.seed)
        metrics = {key: values[key] for key in HEADLINE_KEYS}
        metrics["ci95"] = {name: ci95[name] for name in INTERVAL_METRICS}
        details = {key: value for key, value in values.items() if key not in HEADLINE_KEYS}
        details.update(
            mode_source=measures.mode_source,
            heldout_pass_rate=measures.heldout_pass_rate,
            num_heldout=len(self.reference.heldout),
            num_train=len(self.reference.train),
            feature_space=self.space.name,
            reference="held-out split (never trained on); memorization against the train split",
        )
        protocol = stacked_mnist_protocol(measures.modes, self.reference.classifier)
        if protocol is not None:
            details["stacked_mnist_protocol"] = protocol
        return metrics, details


def diagnose_samples(
    samples: np.ndarray | torch.Tensor,
    reference: Reference,
    options: DiagnoseOptions | None = None,
    device: str = "cpu",
) -> Diagnosis:
    """One-off convenience: build a ``Diagnoser`` for ``reference`` and score ``samples``."""
    return Diagnoser(reference, options, device)(samples)
