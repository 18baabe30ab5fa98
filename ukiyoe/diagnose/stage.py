"""The diagnose stage end to end: resolve inputs, draw or read samples, measure, write the report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukiyoe.common.errors import CheckpointError, DataError, UkiyoeError


@dataclass(frozen=True)
class DiagnoseRequest:
    """What the command line asked for; ``checkpoint`` may be None only when ``samples`` is given."""

    data: Path
    out: Path
    checkpoint: Path | None = None
    samples: Path | None = None
    num_samples: int | None = None
    train_metrics: Path | None = None
    device: str = "auto"
    options: Path | None = None  # default experiments/diagnose.gin


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UkiyoeError(f"--device {device}: no CUDA device is available on this machine")
    return device


def default_train_metrics(checkpoint: Path | None) -> Path | None:
    return Path("metrics/train") / checkpoint.resolve().name if checkpoint is not None else None


def check_inputs(request: DiagnoseRequest) -> None:
    """Fail early, with one line, on anything missing."""
    if request.checkpoint is None and request.samples is None:
        raise CheckpointError("give --checkpoint DIR or --samples PATH")
    if request.checkpoint is not None:
        from ukiyoe.gan.export import require_checkpoint_directory

        require_checkpoint_directory(request.checkpoint)
    if not (request.data / "images.npy").is_file():
        raise DataError(f"{request.data}: prepared data not found (no images.npy; run `ukiyoe prepare`)")
    if request.samples is not None and not request.samples.exists():
        raise DataError(f"{request.samples}: sample set not found")
    if request.num_samples is not None and request.num_samples < 1:
        raise DataError(f"--num-samples must be >= 1, got {request.num_samples}")
    if request.options is not None and not request.options.is_file():
        raise DataError(f"--options: {request.options}: diagnose options file not found")


def draw_samples(
    request: DiagnoseRequest, count: int, seed: int, batch_size: int, device: str, resolution: int
) -> tuple[Any, dict]:
    """Samples from the checkpoint's EMA generator, or the ``--samples`` image set (first ``count``)."""
    if request.samples is not None:
        from ukiyoe.diagnose.images import load_image_set

        images = load_image_set(request.samples, resolution)
        return (images[:count] if request.num_samples is not None else images), {}
    from ukiyoe.gan.export import load_generator

    generator = load_generator(request.checkpoint, device)
    samples = generator.sample(count, seed, batch_size)
    return samples, dict(generator.meta)


def run(request: DiagnoseRequest) -> dict[str, Any]:
    """Run the stage; returns the metrics written to ``<out>/metrics.json``."""
    from ukiyoe.diagnose.card import build_card
    from ukiyoe.diagnose.diagnosis import Diagnoser
    from ukiyoe.diagnose.options import load_options
    from ukiyoe.diagnose.reference import load_reference
    from ukiyoe.diagnose.report import write_report
    from ukiyoe.diagnose.sizing import check_sample_count, default_samples

    check_inputs(request)
    options = load_options(request.options).replace(num_samples=request.num_samples)
    device = resolve_device(request.device)
    reference = load_reference(request.data)
    count = options.num_samples or default_samples(reference.mode_prior)
    if request.samples is None:  # an image set is checked on what it holds, by the diagnoser
        check_sample_count(count, reference.mode_prior, "--num-samples")
    samples, meta = draw_samples(
        request, count, options.seed, options.batch_size, device, reference.resolution[0]
    )
    diagnosis = Diagnoser(reference, options, device)(samples)
    train_metrics = request.train_metrics or default_train_metrics(request.checkpoint)
    card = build_card(
        checkpoint=request.checkpoint,
        data=request.data,
        samples=request.samples,
        training_metrics=train_metrics,
        seed=options.seed,
        num_samples=len(diagnosis.fake_images),
        feature_space=diagnosis.feature_space.name,
        meta=meta,
    )
    history = train_metrics / "history.csv" if train_metrics is not None else None
    return write_report(diagnosis, card, options, request.out, history)
