"""FID and KID in the diagnose feature space ("in-house", not comparable with Inception numbers).

The formulas are torchmetrics' (unbiased covariances; KID with the cubic polynomial kernel over random
subsets) and the tests check agreement with its classes fed through a custom feature module; computing them
here on the already-embedded features avoids a second embedding pass and uses symmetric eigensolvers.
Inception FID/KID run only when torch-fidelity and its weights are already cached: nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ukiyoe.diagnose.metrics.base import MetricInputs, MetricValues, register

INCEPTION_WEIGHTS = "weights-inception-2015-12-05-6726825d.pth"


def _psd_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp_min(0).sqrt()) @ vectors.T


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    """‖μr − μf‖² + Tr(Σr + Σf − 2 (Σr Σf)^½), the trace term via the symmetric form √Σr Σf √Σr."""
    real, fake = real.double(), fake.double()
    mean_real, mean_fake = real.mean(0), fake.mean(0)
    cov_real = torch.cov(real.T).reshape(real.shape[1], -1)
    cov_fake = torch.cov(fake.T).reshape(fake.shape[1], -1)
    root = _psd_sqrt(cov_real)
    cross = torch.linalg.eigvalsh(root @ cov_fake @ root).clamp_min(0).sqrt().sum()
    distance = (mean_real - mean_fake).square().sum() + cov_real.trace() + cov_fake.trace() - 2 * cross
    return float(distance)


def kernel_distance(
    real: torch.Tensor, fake: torch.Tensor, subset_size: int, subsets: int, seed: int
) -> tuple[float, float]:
    """KID: unbiased MMD² with k(x, y) = (x·y / d + 1)³, mean and std over random subsets."""
    real, fake = real.double(), fake.double()
    # At most half the smaller set, so that subsets differ and the std says something.
    size = min(subset_size, max(2, min(len(real), len(fake)) // 2))
    generator = torch.Generator().manual_seed(seed)
    dim = real.shape[1]
    # One kernel matrix per pair of sets; every subset then only indexes into them.
    k_rr, k_ff, k_rf = ((a @ b.T / dim + 1.0) ** 3 for a, b in ((real, real), (fake, fake), (real, fake)))
    scores = []
    for _ in range(subsets):
        r = torch.randperm(len(real), generator=generator)[:size].to(real.device)
        f = torch.randperm(len(fake), generator=generator)[:size].to(fake.device)
        rr, ff = k_rr[r][:, r], k_ff[f][:, f]
        within = (rr.sum() - rr.diagonal().sum() + ff.sum() - ff.diagonal().sum()) / (size * (size - 1))
        scores.append(within - 2.0 * k_rf[r][:, f].sum() / size**2)
    stacked = torch.stack(scores)
    return float(stacked.mean()), float(stacked.std(unbiased=False))


def cached_inception_weights() -> Path | None:
    """The torch-fidelity Inception weights if torch-fidelity is installed and they are already on disk."""
    try:
        import torch_fidelity  # noqa: F401
    except ImportError:
        return None
    path = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS
    return path if path.is_file() else None


def inception_fid_kid(inputs: MetricInputs, weights: Path) -> MetricValues:
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.kid import KernelInceptionDistance

    size = min(inputs.options.kid_subset_size, len(inputs.real_images), len(inputs.fake_images))
    fid = FrechetInceptionDistance(feature=2048, feature_extractor_weights_path=str(weights))
    kid = KernelInceptionDistance(subset_size=size, feature_extractor_weights_path=str(weights))
    step = inputs.options.batch_size
    for images, real in ((inputs.real_images, True), (inputs.fake_images, False)):
        for start in range(0, len(images), step):
            batch = torch.from_numpy(np.ascontiguousarray(images[start : start + step])).permute(0, 3, 1, 2)
            fid.update(batch, real=real)
            kid.update(batch, real=real)
    return {"fid_inception": float(fid.compute()), "kid_inception": float(kid.compute()[0])}


@register("fid")
def fid_kid(inputs: MetricInputs) -> MetricValues:
    options = inputs.options
    kid_mean, kid_std = kernel_distance(
        inputs.real_features, inputs.fake_features, options.kid_subset_size, options.kid_subsets, options.seed
    )
    result: MetricValues = {
        "fid_inhouse": frechet_distance(inputs.real_features, inputs.fake_features),
        "kid_inhouse": kid_mean,
        "kid_inhouse_std": kid_std,
    }
    weights = cached_inception_weights()
    if weights is None:
        result["inception_note"] = "Inception FID/KID skipped: torch-fidelity weights not in the local cache"
        return result
    result.update(inception_fid_kid(inputs, weights))
    result["inception_note"] = f"Inception FID/KID from cached weights {weights.name}"
    return result
