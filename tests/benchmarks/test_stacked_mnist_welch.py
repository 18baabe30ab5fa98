"""The Welch comparison of Stacked MNIST evidence files: per-seed values by variant, tested over seeds."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from scipy.stats import ttest_ind

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "stacked_mnist_welch.py"


@pytest.fixture(scope="module")
def welch():
    spec = importlib.util.spec_from_file_location("stacked_mnist_welch", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_results(path: Path, runs: dict[str, list[tuple[int, float, float]]]) -> Path:
    rows = [{"variant": variant, "seed": seed, "modes": modes, "kl": kl}  # seeds last to first: the
            for variant, seeds in runs.items() for seed, modes, kl in seeds[::-1]]  # script sorts them
    path.write_text(json.dumps({"runs": rows}))
    return path


def test_each_variant_is_tested_against_the_reference_over_its_seeds(welch, tmp_path, capsys) -> None:
    modern = [(0, 998, 0.30), (1, 990, 1.04), (2, 996, 0.51)]
    reference = write_results(tmp_path / "ref.json", {"modern": modern})
    other = write_results(tmp_path / "other.json", {
        "a": [(0, 1000, 0.22), (1, 1000, 0.47), (2, 999, 0.51)],
        "b": [(0, 900, 1.9), (1, 905, 2.1)],
    })
    rows = welch.main(["--reference", f"{reference}:modern", str(other)])
    assert [(row["variant"], row["seeds"]) for row in rows] == [("a", 3), ("b", 2)]
    kl_p = ttest_ind([0.22, 0.47, 0.51], [0.30, 1.04, 0.51], equal_var=False).pvalue
    assert rows[0]["kl"] == pytest.approx(kl_p)
    assert rows[1]["modes"] == pytest.approx(ttest_ind([900, 905], [998, 990, 996], equal_var=False).pvalue)
    assert "| a | 3 |" in capsys.readouterr().out


def test_a_reference_variant_that_is_not_in_its_file_is_one_error(welch, tmp_path) -> None:
    reference = write_results(tmp_path / "ref.json", {"fixed": [(0, 990, 0.6), (1, 992, 0.5)]})
    with pytest.raises(SystemExit, match="no runs of variant 'modern'"):
        welch.main(["--reference", f"{reference}:modern", str(reference)])
