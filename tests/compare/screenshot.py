"""Render a page in headless Chromium and save a PNG (or dump the DOM after its scripts ran), to check
that the page shows what it claims.

``python tests/compare/screenshot.py reports/compare/report.html docs/images/compare-report.png`` refreshes
the image in the docs. The browser is isolated: its own profile directory, no network services, no GPU.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from ukiyoe.common.errors import UkiyoeError

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1200, 1600)


def find_chromium() -> Path | None:
    if CHROMIUM.is_file():
        return CHROMIUM
    names = ("chromium", "chromium-browser", "google-chrome")
    found = next((path for name in names if (path := shutil.which(name))), None)
    return Path(found) if found else None


def _browser_command(browser: Path, profile: str, *flags: str) -> list[str]:
    return [
        str(browser), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={profile}", *flags,
    ]


def _run_browser(html_path: Path, timeout: float, *flags: str) -> subprocess.CompletedProcess[str]:
    browser = find_chromium()
    if browser is None:
        raise UkiyoeError("chromium not found (install it: apt-get install -y chromium)")
    if not html_path.is_file():
        raise UkiyoeError(f"{html_path}: no such page")
    with tempfile.TemporaryDirectory(prefix="ukiyoe-chromium-") as profile:
        command = [*_browser_command(browser, profile, *flags), html_path.resolve().as_uri()]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise UkiyoeError(f"chromium did not finish rendering {html_path} in {timeout:.0f} s") from None


def screenshot(html_path: Path, png_path: Path, window: tuple[int, int] = WINDOW,
               timeout: float = 60.0) -> Path:
    """Save a window-sized screenshot of ``html_path``; a missing browser or a failed render is an error."""
    png_path.parent.mkdir(parents=True, exist_ok=True)
    done = _run_browser(html_path, timeout, f"--screenshot={png_path.resolve()}",
                        f"--window-size={window[0]},{window[1]}")
    if done.returncode != 0 or not png_path.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise UkiyoeError(f"chromium could not render {html_path}: {last}")
    return png_path


def dump_dom(html_path: Path, script_budget_ms: int = 10_000, timeout: float = 60.0) -> str:
    """The page's DOM after its scripts ran (up to ``script_budget_ms`` of virtual time), as HTML text."""
    done = _run_browser(html_path, timeout, f"--virtual-time-budget={script_budget_ms}", "--dump-dom")
    if done.returncode != 0 or "<html" not in done.stdout:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise UkiyoeError(f"chromium could not render {html_path}: {last}")
    return done.stdout


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
