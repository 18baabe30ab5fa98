"""The compare stage end to end on real report directories, through the CLI."""

from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.compare.compare import build_comparison


def test_compare_writes_deltas_verdict_config_diff_and_figures(report_pair, tmp_path, capsys, run):
    before, after = report_pair
    out = tmp_path / "reports" / "compare"
    assert run(["compare", "--before", str(before), "--after", str(after), "--out", str(out)]) == 0
    assert "verdict: fixed" in capsys.readouterr().out

    metrics = json.loads((out / "details.json").read_text())
    assert metrics["collapse_score_before"] == 12
    assert metrics["collapse_score_after"] == 2
    assert metrics["collapse_score_delta"] == -10
    assert metrics["collapse_score_change"] == "better"
    assert metrics["coverage_change"] == "better"
    assert metrics["verdict"] == "fixed"
    assert metrics["severity_before"] == "critical"
    assert metrics["g_loss_trend_before"].startswith("rising")
    assert metrics["d_balance_before"] == "D dominates"
    assert metrics["d_balance_after"] == "balanced"
    assert all(isinstance(value, int | float | str) for value in metrics.values())

    markdown = (out / "report.md").read_text()
    assert "**Verdict: fixed**" in markdown
    assert "| LearningRates.generator | 0.002 | 0.0001 | changed | params.yaml:gen_lr |" in markdown
    assert "| LearningRates.nca | 0.002 | 0.002 | same | experiments/base.gin:1 |" in markdown
    assert "| gen/torch.optim.Adam.lr | 0.002 | 0.0001 | changed |" in markdown
    assert "| Discriminator.dropout | 0 | 0.3 | experiments/fixes/dropout.gin:1 |" in markdown
    isolation = "| IsolationSchedule.isolate_epochs | (unset) | 5 | experiments/fixes/isolation.gin:2 |"
    assert isolation in markdown
    assert "TrainOptions.epochs" not in markdown
    assert "| experiments/fixes/dropout.gin | no | yes |" in markdown
    assert "experiments: experiments/collapsed.gin -> experiments/fixed.gin" in markdown
    assert "| value range | 0.043 .. 0.102 | -1 .. 1 |" in markdown

    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2
    assert "src=\"http" not in page and "<script" not in page
    with Image.open(out / "grids.png") as grids:
        assert grids.height > 384 and grids.width > 3 * 384
    assert (out / "loss_trend.png").stat().st_size > 1000


def test_after_side_still_collapsed_is_improved_not_fixed(report_pair, tmp_path):
    before, after = report_pair
    metrics = json.loads((after / "metrics.json").read_text())
    metrics.update(collapse_score=7, severity="warning")
    (after / "metrics.json").write_text(json.dumps(metrics))
    comparison = build_comparison(before, after)
    assert comparison.verdict.word == "improved"
    assert "not healthy" in comparison.verdict.reason


def test_swapped_sides_are_worse(report_pair):
    before, after = report_pair
    comparison = build_comparison(after, before)
    assert comparison.verdict.word == "worse"
    judgements = {row.spec.key: row.judgement for row in comparison.rows}
    assert judgements["collapse_score"] == judgements["coverage"] == "worse"


def test_identical_sides_are_unchanged(report_pair):
    before, _ = report_pair
    assert build_comparison(before, before).verdict.word == "unchanged"


def test_missing_report_dir_is_one_clear_error(report_pair, tmp_path, capsys, run):
    _, after = report_pair
    missing = tmp_path / "reports" / "nowhere"
    code = run(["compare", "--before", str(missing), "--after", str(after), "--out", str(tmp_path / "o")])
    out = capsys.readouterr().err.strip()
    assert code == 2
    assert out == (f"ukiyoe compare: error: before report directory {missing} does not exist; "
                   "run 'ukiyoe diagnose' for that side first")
    assert not (tmp_path / "o").exists()


def test_missing_metrics_file_names_it(report_pair):
    before, after = report_pair
    (after / "metrics.json").unlink()
    with pytest.raises(UkiyoeError, match=r"after report .*metrics.json is missing"):
        build_comparison(before, after)


def test_report_without_history_or_config_still_compares(report_pair, tmp_path):
    before, after = report_pair
    shutil.rmtree(tmp_path / "metrics")
    shutil.rmtree(tmp_path / "checkpoints" / "collapsed")
    comparison = build_comparison(before, after)
    assert comparison.verdict.word == "fixed"
    assert comparison.dynamics == {"before": None, "after": None}
    assert "no compiled config found for the before side" in comparison.config.note
    assert set(comparison.figures) == {"grids.png"}


def test_malformed_metrics_json_names_the_file(report_pair):
    before, after = report_pair
    (before / "metrics.json").write_text("[1, 2]")
    with pytest.raises(UkiyoeError, match=r"before .*metrics.json: expected a JSON object, found list"):
        build_comparison(before, after)


def test_compiled_config_edited_after_compiling_is_an_error(report_pair, tmp_path):
    before, after = report_pair
    operative = tmp_path / "checkpoints" / "fixed" / "config" / "operative.gin"
    operative.write_text(operative.read_text() + "Discriminator.dropout = 0.0\n")
    with pytest.raises(UkiyoeError, match=r"operative.gin: sha256 differs from config.sha256"):
        build_comparison(before, after)


def test_dvc_metrics_file_is_the_short_before_after_headline(report_pair, tmp_path, run):
    """`dvc exp show` keeps the first metrics column: both collapse scores in one cell, then the verdict; the
    training speed comes from the headline summary.json, not from details.json; a missing value is omitted."""
    before, after = report_pair
    out = tmp_path / "compare"
    assert run(["compare", "--before", str(before), "--after", str(after), "--out", str(out)]) == 0
    headline = json.loads((out / "metrics.json").read_text())
    assert list(headline)[:4] == ["collapse", "verdict", "collapse_before", "collapse_after"]
    assert (headline["collapse"], headline["verdict"]) == ("12 → 2", "fixed")
    assert (headline["collapse_before"], headline["collapse_after"]) == (12, 2)
    assert headline["modes_after"] == 960 and headline["fid_before"] == 210.5
    assert headline["img_per_s_before"] == 310.5 and headline["train_s_before"] == 42.0
    assert "img_per_s_after" not in headline and "memorization_after" not in headline
    assert len(headline) <= 21 and all(len(key) <= 18 for key in headline)


def test_report_details_json_fills_in_what_metrics_json_leaves_out(report_pair, tmp_path, run):
    before, after = report_pair
    metrics = json.loads((after / "metrics.json").read_text())
    headline = {key: metrics.pop(key) for key in ("collapse_score", "severity", "coverage", "modes_covered")}
    (after / "metrics.json").write_text(json.dumps(headline))
    (after / "details.json").write_text(json.dumps({**metrics, "coverage": -1.0}))
    comparison = build_comparison(before, after)
    assert comparison.after.metrics["recall"] == 0.83
    assert comparison.after.metrics["coverage"] == 0.91
