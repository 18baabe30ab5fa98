"""report.html rendered by headless Chromium shows both sample grids and the metrics table.

The check is on pixels, not on markup: the colours of a tile from each grid and the green of the "better"
cells must appear in the screenshot, which proves the embedded PNGs decoded and the table was laid out.
"""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image
from screenshot import WINDOW, find_chromium, screenshot

from ukiyoe.compare.compare import build_comparison
from ukiyoe.compare.outputs import write_outputs

BETTER_CELL = (0xE3, 0xF6, 0xE3)

pytestmark = pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed")


def count_colour(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int = 6) -> int:
    return int((np.abs(pixels.astype(int) - colour).max(axis=-1) <= tolerance).sum())


def test_report_renders_grids_and_table_in_chromium(report_pair, tmp_path):
    out = write_outputs(build_comparison(*report_pair), tmp_path / "compare")
    png = screenshot(out / "report.html", tmp_path / "compare-report.png")
    with Image.open(png) as image:
        assert image.size == WINDOW
        pixels = np.asarray(image.convert("RGB"))

    embedded = re.search(r'id="grids" alt="[^"]*" src="data:image/png;base64,([^"]+)"',
                         (out / "report.html").read_text())
    assert embedded is not None
    with Image.open(io.BytesIO(base64.b64decode(embedded[1]))) as grids:
        rgb, middle = grids.convert("RGB"), grids.height // 2
        before_colour = rgb.getpixel((grids.width // 6, middle))
        after_colour = rgb.getpixel((grids.width // 2 + 20, middle))

    assert count_colour(pixels, before_colour) > 10_000, "before grid (one colour, collapsed) not visible"
    assert count_colour(pixels, after_colour) > 1_000, "after grid not visible"
    assert count_colour(pixels, BETTER_CELL) > 2_000, "metrics table (green 'better' cells) not visible"
