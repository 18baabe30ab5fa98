"""containers/pip-volumes turns the builder's `pip config list` into read-only volumes and a pip.conf that
names only the mounted copies, so the image never depends on where the builder keeps its wheels."""

from __future__ import annotations

import configparser
import stat
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "containers" / "pip-volumes"


def _volumes(tmp_path: Path, listing: str, *extra: str) -> tuple[list[str], configparser.ConfigParser]:
    pip = tmp_path / "pip"
    pip.write_text("#!/bin/sh\ncat <<'EOF'\n" + listing + "EOF\n")
    pip.chmod(pip.stat().st_mode | stat.S_IXUSR)
    out = tmp_path / "out"
    result = subprocess.run(
        [str(SCRIPT), "--out", str(out), "--pip", str(pip), *extra],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    config = configparser.ConfigParser()
    config.read(out / "pip.conf")
    return result.stdout.splitlines(), config


def test_local_places_are_mounted_under_one_folder_and_urls_kept(tmp_path: Path) -> None:
    wheels, index, cert = tmp_path / "wheels", tmp_path / "mirror" / "simple", tmp_path / "ca.pem"
    wheels.mkdir()
    index.mkdir(parents=True)
    cert.write_text("-----BEGIN CERTIFICATE-----\n")
    listing = (
        f"global.cert='{cert}'\n"
        "global.find-links='/nonexistent/folder'\n"
        f":env:.find-links='{wheels} https://example.invalid/links'\n"
        f"global.extra-index-url='file://{index} https://example.invalid/simple'\n"
        "global.constraint='/etc/xdg/pip/constraints.txt'\n"
    )
    volumes, config = _volumes(tmp_path, listing, "--cache", str(tmp_path / "cache"))
    out = tmp_path / "out"
    assert volumes == [
        f"{out}:/run/ukiyoe-pip:ro",
        f"{wheels}:/run/ukiyoe-pip/find-links-0:ro",
        f"{index.parent}:/run/ukiyoe-pip/extra-index-url-0:ro",
        f"{tmp_path / 'cache'}:/run/ukiyoe-pip/cache",
    ]
    settings = config["global"]
    # The environment wins over the files, as in pip; a missing folder is dropped.
    assert settings["find-links"] == "/run/ukiyoe-pip/find-links-0 https://example.invalid/links"
    assert settings["extra-index-url"] == (
        "file:///run/ukiyoe-pip/extra-index-url-0/simple https://example.invalid/simple"
    )
    assert settings["cert"] == "/run/ukiyoe-pip/cert.pem"
    assert (out / "cert.pem").read_text() == cert.read_text()
    assert "constraint" not in settings, "only how to reach packages is handed over"
    assert (out / "find-links-0").is_dir() and (out / "extra-index-url-0").is_dir()
    assert str(tmp_path) not in (out / "pip.conf").read_text()


def test_no_pip_configuration_gives_an_empty_one(tmp_path: Path) -> None:
    volumes, config = _volumes(tmp_path, "")
    assert volumes == [f"{tmp_path / 'out'}:/run/ukiyoe-pip:ro"]
    assert dict(config["global"]) == {}
