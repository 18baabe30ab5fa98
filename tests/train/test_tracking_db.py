"""Sacred's SQL observer against real databases (SQLite and a PostgreSQL server this test starts), and
`ukiyoe runs` reading the same runs back, from a database or the file store."""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ukiyoe.cli import main


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))), None)
    return Path(found).resolve().parent if found else None


def _as_server_user() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its tools as the package's 'postgres' user."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser, so the PostgreSQL server cannot be started")
    return ["runuser", "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster listening on a Unix socket only; stopped and removed afterwards."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    if importlib.util.find_spec("psycopg2") is None:
        pytest.skip("psycopg2 is not installed (pip install psycopg2-binary)")
    prefix = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="ukiyoe-pg-"))
    if prefix:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    try:
        subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "sacred",
                        "--no-sync"], check=True, capture_output=True, timeout=120)
        options = f"-c listen_addresses='' -k {root} -p {port} -c fsync=off"
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
                        "-l", str(root / "server.log"), "start"], check=True, capture_output=True, timeout=90)
        yield f"postgresql+psycopg2://sacred@/postgres?host={root}&port={port}"
    finally:
        if data.exists():
            subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


pytestmark = pytest.mark.skipif(importlib.util.find_spec("sqlalchemy") is None,
                                reason="SQLAlchemy is not installed")


def train_into(workspace, observer: str, out: str) -> None:
    args = workspace.train_args(out)
    args[args.index("--observer") + 1] = observer
    assert main(args) == 0


def runs_listing(observer: str, capsys) -> list[str]:
    capsys.readouterr()
    assert main(["runs", "--observer", observer]) == 0
    return capsys.readouterr().out.splitlines()


def config_sha(workspace, out: str) -> str:
    return (workspace.root / out / "config" / "config.sha256").read_text().split()[0]


def check_listing(lines: list[str], sha: str, count: int) -> None:
    assert lines[0].split()[:5] == ["id", "status", "started", "experiment", "config"]
    rows = [line.split() for line in lines[1:]]
    assert len(rows) == count
    for row in rows:
        assert "COMPLETED" in row and sha[:12] in row
        images_per_second = float(row[row.index(sha[:12]) + 1])
        assert images_per_second > 0


def test_postgresql_observer_records_runs_that_ukiyoe_runs_lists(workspace, postgres_url, capsys) -> None:
    import sqlalchemy as sa

    train_into(workspace, postgres_url, "pg-a")
    train_into(workspace, postgres_url, "pg-b")
    check_listing(runs_listing(postgres_url, capsys), config_sha(workspace, "pg-a"), count=2)
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        statuses = connection.execute(sa.text("SELECT status, result FROM run")).all()
    engine.dispose()
    assert [tuple(row) for row in statuses] == [("COMPLETED", None)] * 2


def test_sqlite_observer_and_the_file_store_list_the_same_way(workspace, capsys) -> None:
    database = f"sqlite:///{workspace.root / 'runs.db'}"
    train_into(workspace, database, "lite")
    sha = config_sha(workspace, "lite")
    check_listing(runs_listing(database, capsys), sha, count=1)
    train_into(workspace, f"file://{workspace.root / 'sacred'}", "files")
    check_listing(runs_listing(f"file://{workspace.root / 'sacred'}", capsys), sha, count=1)
    assert workspace.sacred_run()["info"]["summary"]["steps"] > 0


def test_unreachable_database_is_one_error_without_the_password(tmp_path, capsys) -> None:
    url = f"postgresql+psycopg2://lab:s3cret@/nodb?host={tmp_path}&port=1"
    assert main(["runs", "--observer", url]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("ukiyoe runs: error: --observer postgresql+psycopg2://lab:***@")
    assert "\n" not in error
    assert "s3cret" not in error
    assert main(["runs", "--observer", f"file://{tmp_path / 'none'}"]) == 2
    assert "no Sacred file store" in capsys.readouterr().err
