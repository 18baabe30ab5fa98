"""Render a report.html in headless Chromium and save a PNG, to check that the page shows what it claims.

``python tests/compare/screenshot.py reports/compare/report.html docs/images/compare-report.png`` refreshes
the image in the docs. The browser is isolated: its own profile directory, no network services, no GPU.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from ukiyoe.errors import UkiyoeError

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1200, 1600)


def find_chromium() -> Path | None:
    if CHROMIUM.is_file():
        return CHROMIUM
    names = ("chromium", "chromium-browser", "google-chrome")
    found = next((path for name in names if (path := shutil.which(name))), None)
    return Path(found) if found else None


def screenshot(html_path: Path, png_path: Path, window: tuple[int, int] = WINDOW,
               timeout: float = 60.0) -> Path:
    """Save a window-sized screenshot of ``html_path``; a missing browser or a failed render is an error."""
    browser = find_chromium()
    if browser is None:
        raise UkiyoeError("chromium not found (install it: apt-get install -y chromium)")
    if not html_path.is_file():
        raise UkiyoeError(f"{html_path}: no such report")
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ukiyoe-chromium-") as profile:
        command = [
            str(browser), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={profile}", f"--screenshot={png_path.resolve()}",
            f"--window-size={window[0]},{window[1]}", html_path.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise UkiyoeError(f"chromium did not finish rendering {html_path} in {timeout:.0f} s") from None
    if done.returncode != 0 or not png_path.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise UkiyoeError(f"chromium could not render {html_path}: {last}")
    return png_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    args = parser.parse_args()
    try:
        print(screenshot(args.html, args.png))
    except UkiyoeError as error:
        print(f"screenshot: error: {error}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
