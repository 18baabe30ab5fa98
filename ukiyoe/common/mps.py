"""CUDA MPS for many small runs on one GPU: their kernels run side by side instead of taking turns.

Without it the driver time-slices the GPU between processes, so eleven runs of small networks add up to
little more than one (benchmarks/RESULTS.md, "Many runs at once"). The daemon is private to the block:
its pipes and logs live in a fresh directory under /tmp (a short path: the pipes are Unix sockets), and
on the way out it is told to quit (MPS lets the clients still running finish first).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ukiyoe.common.errors import UkiyoeError

CONTROL = "nvidia-cuda-mps-control"


def control_program() -> str:
    """The MPS control program's path; one error when this machine has none."""
    control = shutil.which(CONTROL)
    if control is None:
        raise UkiyoeError(f"--mps: {CONTROL} is not on PATH (it ships with the NVIDIA driver)")
    return control


@contextmanager
def mps_daemon() -> Iterator[dict[str, str]]:
    """Starts an MPS control daemon and points this process's children at it (the environment is restored
    afterwards); yields the variables a client needs."""
    control = control_program()
    short = "/tmp" if Path("/tmp").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="ukiyoe-mps-", dir=short, ignore_cleanup_errors=True) as folder:
        env = {f"CUDA_MPS_{kind.upper()}_DIRECTORY": str(Path(folder) / kind) for kind in ("pipe", "log")}
        for path in env.values():
            Path(path).mkdir()
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            _start(control)
            try:
                yield env
            finally:
                with contextlib.suppress(OSError, subprocess.SubprocessError):
                    subprocess.run([control], input="quit\n", capture_output=True, text=True, timeout=60)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _start(control: str) -> None:
    """``CONTROL -d``, its failure as one line."""
    try:
        started = subprocess.run([control, "-d"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise UkiyoeError(f"--mps: {CONTROL} -d failed: {error}") from None
    if started.returncode != 0:
        reason = (started.stderr or started.stdout).strip().splitlines()[-1:] or [str(started.returncode)]
        raise UkiyoeError(f"--mps: {CONTROL} -d failed: {reason[0]}")
