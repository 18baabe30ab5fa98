"""`ukiyoe plots` renders dvc.yaml's plots offline: real DVC, the pinned Vega libraries, headless Chromium.

The curves come from ukiyoe's own history writer, with the watchdog's columns blank on the epochs it did not
measure, as a real run writes them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from screenshot import dump_dom, find_chromium

from ukiyoe.cli import main
from ukiyoe.common.history import write_history
from ukiyoe.plots.vendor import DEFAULT_CACHE, read_lock

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / DEFAULT_CACHE
LINE_PATH = re.compile(r'<path aria-label="(?P<label>[^"]*)"[^>]*aria-roledescription="line mark"[^>]*'
                       r'd="(?P<d>[^"]*)"[^>]*?(?:stroke="(?P<stroke>[^"]*)")?')


def _vendored() -> bool:
    return all((CACHE / lib.tarball).is_file() for lib in read_lock())


pytestmark = [
    pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed"),
    pytest.mark.skipif(not _vendored() and shutil.which("npm") is None,
                       reason="the pinned Vega tarballs are not fetched and npm is not installed"),
]


def history_rows(epochs: int, collapsed: bool) -> list[dict[str, object]]:
    rows = []
    for epoch in range(1, epochs + 1):
        g_slope, alive_drop = (0.5, 0.08) if collapsed else (0.05, 0.0)
        row: dict[str, object] = {"epoch": epoch, "step": 8 * epoch, "d_loss": 1.4 / epoch,
                                  "critic_loss": 0.9 - 0.02 * epoch, "g_loss": 1.0 + g_slope * epoch,
                                  "nca/alive_ratio": 1.0 - alive_drop * epoch}
        if epoch % 2 == 0:  # the watchdog measures every second epoch; other rows leave its cells blank
            row.update({"watchdog/diversity": 0.6 - (0.05 * epoch if collapsed else 0.0),
                        "watchdog/duplicate_rate": 0.04 * epoch if collapsed else 0.0,
                        "watchdog/mode_coverage": 0.9 - (0.1 * epoch if collapsed else 0.0),
                        "watchdog/feature_duplicates": 0.05 * epoch if collapsed else 0.0})
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    repo = tmp_path_factory.mktemp("plots-project")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=repo, check=True)
    shutil.copy(REPO / "dvc.yaml", repo / "dvc.yaml")
    shutil.copy(REPO / "params.yaml", repo / "params.yaml")
    (repo / "ukiyoe" / "plots").mkdir(parents=True)
    shutil.copy(REPO / "ukiyoe/plots/curves.json", repo / "ukiyoe/plots/curves.json")
    for side, collapsed in (("collapsed", True), ("fixed", False)):
        write_history(repo / "metrics" / "train" / side / "history.csv", history_rows(6, collapsed))
    out = repo / "reports" / "plots"
    assert main(["plots", "--repo", str(repo), "--out", str(out), "--cache", str(CACHE)]) == 0
    return out / "index.html", dump_dom(out / "index.html")


def test_page_loads_nothing_from_the_network(page: tuple[Path, str]) -> None:
    html = page[0].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"<link[^>]*\bhref=\"?https?:", html)
    for lib in read_lock():
        assert f"{lib.package} {lib.version}" in html


def test_every_chart_draws_its_curves(page: tuple[Path, str]) -> None:
    _, dom = page
    lines = [match for match in LINE_PATH.finditer(dom) if match["d"].count("L") >= 1]
    assert len(lines) >= 3, f"{len(lines)} curves drawn"
    for title in ("Losses per epoch", "Collapse indicators per epoch", "NCA refiner"):
        assert title in dom
    labels = " ".join(match["label"] for match in lines)
    columns = ("g_loss", "d_loss", "critic_loss", "watchdog/mode_coverage", "watchdog/feature_duplicates")
    for column in columns:
        assert column in labels
    assert "collapsed/history.csv" in labels and "fixed/history.csv" in labels


def test_unmeasured_epochs_are_skipped_not_drawn_as_zero(page: tuple[Path, str]) -> None:
    _, dom = page
    diversity = [m for m in LINE_PATH.finditer(dom) if "watchdog/mode_coverage" in m["label"]]
    assert len(diversity) == 2
    for match in diversity:
        assert match["d"].count("L") == 2  # epochs 2, 4 and 6: three points, not six
        assert "epoch: 2;" in match["label"]


@pytest.mark.skipif(not _vendored(), reason="the pinned Vega tarballs are not fetched (make plots-vendor)")
def test_a_changed_tarball_never_reaches_a_page(tmp_path: Path) -> None:
    from ukiyoe.common.errors import UkiyoeError
    from ukiyoe.plots.page import build_template

    cache = tmp_path / "cache"
    shutil.copytree(CACHE, cache)
    tarball = cache / read_lock()[1].tarball
    data = bytearray(tarball.read_bytes())
    data[len(data) // 2] ^= 0x01
    tarball.write_bytes(bytes(data))
    with pytest.raises(UkiyoeError, match=r"sha256 .* differs from vendor.lock's .* for vega-lite 5\.21\.0"):
        build_template(cache)
