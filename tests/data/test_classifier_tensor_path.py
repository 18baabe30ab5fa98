"""A classifier read of float images on their device gives the numbers the stored-pixel path gives."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ukiyoe.common.images import nchw_to_nhwc, to_uint8
from ukiyoe.data import load_mode_classifier


@pytest.mark.parametrize("prepared", ["synthetic_dir", "mnist_dir"])
def test_tensor_path_matches_the_stored_pixel_path(prepared, request):
    directory = request.getfixturevalue(prepared)
    classifier = load_mode_classifier(directory)
    generator = torch.Generator().manual_seed(3)
    size = 32
    # values off the pixel grid and beyond [-1, 1], as a generator's samples are
    images = torch.rand(40, 3, size, size, generator=generator) * 2.4 - 1.2
    images[:4] = torch.round((images[:4].clamp(-1, 1) + 1) * 127.5) / 127.5 - 1 + 0.5 / 127.5  # half steps
    labels, confidence, features = classifier.classify_and_embed(nchw_to_nhwc(to_uint8(images)))
    t_labels, t_confidence, t_features = classifier.classify_and_embed_tensor(images)
    assert np.array_equal(t_labels.numpy(), labels)
    assert np.array_equal(t_confidence.numpy(), confidence)
    assert np.array_equal(t_features.numpy(), features)
    assert t_features.shape == (40, classifier.embed_dim)
