"""Fixtures of the config compiler's tests; the toy modules of this folder are importable by name."""

from __future__ import annotations

import sys
from pathlib import Path

import gin
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from config_tree import BASE_GIN, COLLAPSED_GIN, FIXED_GIN, LR_FIX_GIN, NETWORKS_GIN, PARAMS_YAML, write_tree  # noqa: E402


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``tmp_path`` holding experiments/{base,fixed,collapsed}.gin, components/, fixes/ and params.yaml."""
    return write_tree(tmp_path, {
        "experiments/base.gin": BASE_GIN,
        "experiments/components/networks.gin": NETWORKS_GIN,
        "experiments/fixes/lr.gin": LR_FIX_GIN,
        "experiments/fixed.gin": FIXED_GIN,
        "experiments/collapsed.gin": COLLAPSED_GIN,
        "experiments/profiles/small.gin": "toy_train.batch_size = 2\n",
        "params.yaml": PARAMS_YAML,
    })


@pytest.fixture(autouse=True)
def _clean_gin():
    """Leave gin's process-global config empty for whatever test runs next."""
    yield
    gin.clear_config()
