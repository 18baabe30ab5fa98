"""containers/run builds the engine commands a reproducible run needs (docker, podman, buildah); checked
with dry runs and stand-in engines."""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "containers" / "run"
ENTRYPOINT = REPO / "containers" / "entrypoint.sh"
NO_ENGINE = "/nonexistent/docker"
# A root caller runs as the image's user; anyone else as themselves.
RUN_USER = "10001:10001" if os.getuid() == 0 else f"{os.getuid()}:{os.getgid()}"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home"), "UKIYOE_ENGINE": NO_ENGINE}
    env.update(extra)
    return env


def _run(
    tmp_path: Path, *args: str, script: Path = RUN, cwd: Path = REPO, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(script), *args], cwd=cwd, env=_env(tmp_path, **env), capture_output=True, text=True, timeout=30
    )


def _dry_run(tmp_path: Path, *args: str, **env: str) -> list[str]:
    result = _run(tmp_path, *args, UKIYOE_DRY_RUN="1", **env)
    assert result.returncode == 0, result.stderr
    return shlex.split(result.stdout.strip().splitlines()[-1])


def _option_values(argv: list[str], option: str) -> list[str]:
    return [argv[i + 1] for i, word in enumerate(argv[:-1]) if word == option]


def test_help_explains_usage(tmp_path: Path) -> None:
    result = _run(tmp_path, "--help")
    assert result.returncode == 0
    assert "containers/run dvc repro" in result.stdout and "UKIYOE_DRY_RUN" in result.stdout


def test_dry_run_prints_a_gpu_run_as_the_caller_in_the_mounted_repo(tmp_path: Path) -> None:
    env = {"DVC_NO_ANALYTICS": "1", "OMP_NUM_THREADS": "1", "UKIYOE_GPUS": "all"}
    argv = _dry_run(tmp_path, "dvc", "exp", "run", "-S", "gen_lr=5e-5", **env)
    assert argv[:2] == [NO_ENGINE, "run"]
    assert _option_values(argv, "--gpus") == ["all"]
    assert _option_values(argv, "--user") == [RUN_USER]
    assert f"type=bind,source={REPO},target={REPO}" in _option_values(argv, "--mount")
    assert _option_values(argv, "--workdir") == [str(REPO)]
    envs = _option_values(argv, "--env")
    assert {
        "HOME=/home/ukiyoe",
        f"PYTHONPATH={REPO}",
        "UKIYOE_IMAGE=ukiyoe:cuda",
        "DVC_NO_ANALYTICS",
        "OMP_NUM_THREADS",
    } <= set(envs)
    assert any(value.startswith("UKIYOE_IMAGE_DIGEST=") for value in envs)
    assert not {"UKIYOE_GPUS", "UKIYOE_DRY_RUN", "UKIYOE_ENGINE"} & set(envs), "launcher settings leaked in"
    assert argv[-6:] == ["ukiyoe:cuda", "dvc", "exp", "run", "-S", "gen_lr=5e-5"]


def test_gpu_selection_and_read_only_mounts(tmp_path: Path) -> None:
    prints = tmp_path / "prints"
    prints.mkdir()
    argv = _dry_run(tmp_path, "ukiyoe", "prepare", UKIYOE_GPUS="none", UKIYOE_MOUNTS=f"{prints}:")
    assert "--gpus" not in argv
    assert f"type=bind,source={prints},target={prints},readonly" in _option_values(argv, "--mount")
    argv = _dry_run(
        tmp_path, "dvc", "repro", UKIYOE_GPUS='"device=0,1"', UKIYOE_IMAGE="ukiyoe@sha256:" + "0" * 64
    )
    assert _option_values(argv, "--gpus") == ['"device=0,1"']
    assert argv[-3:] == ["ukiyoe@sha256:" + "0" * 64, "dvc", "repro"]


def test_build_dry_run_labels_the_image_with_the_git_revision(tmp_path: Path) -> None:
    result = _run(tmp_path, "--build", UKIYOE_DRY_RUN="1")
    assert result.returncode == 0, result.stderr
    (build,) = [shlex.split(line) for line in result.stdout.splitlines()]
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    assert build[:2] == [NO_ENGINE, "build"] and build[-1] == str(REPO)
    assert _option_values(build, "--file") == [str(REPO / "containers" / "Dockerfile")]
    revision = next(v for v in _option_values(build, "--build-arg") if v.startswith("REVISION="))
    assert revision.removeprefix("REVISION=").removesuffix("-dirty") == (head or "unknown")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ((), {}, "no command given"),
        (("--frobnicate",), {}, "unknown option '--frobnicate'"),
        (("dvc", "repro"), {}, f"container engine '{NO_ENGINE}' not found"),
        (("dvc", "repro"), {"UKIYOE_LOCK": "rocm"}, "UKIYOE_LOCK must be cpu or cuda"),
        (("--local-base", "dvc", "repro"), {}, "--local-base needs --build"),
        (("--build", "--local-base"), {"UKIYOE_DRY_RUN": "1"}, "--local-base needs podman or buildah"),
        (("dvc", "repro"), {"UKIYOE_DRY_RUN": "1", "UKIYOE_MOUNTS": "/nonexistent/prints"}, "does not exist"),
    ],
)
def test_mistakes_fail_with_one_line(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = _run(tmp_path, *args, **env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("containers/run: error: ")
    assert message in result.stderr


def _repo_copy(tmp_path: Path, dvc_config: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "containers").mkdir(parents=True)
    (repo / ".dvc").mkdir()
    shutil.copy2(RUN, repo / "containers" / "run")
    (repo / ".dvc" / "config").write_text(dvc_config)
    return repo


def test_dvc_cache_must_stay_inside_the_mounted_repo(tmp_path: Path) -> None:
    outside = _repo_copy(tmp_path, "[core]\n    remote = x\n[cache]\n    dir = /var/cache/dvc\n")
    result = _run(
        tmp_path, "dvc", "repro", script=outside / "containers" / "run", cwd=outside, UKIYOE_DRY_RUN="1"
    )
    assert result.returncode == 2 and "DVC cache '/var/cache/dvc'" in result.stderr
    shutil.rmtree(outside)
    inside = _repo_copy(tmp_path, "[cache]\n    dir = ../dvc-cache\n")
    result = _run(
        tmp_path, "dvc", "repro", script=inside / "containers" / "run", cwd=inside, UKIYOE_DRY_RUN="1"
    )
    assert result.returncode == 0, result.stderr


def _stand_in_engine(tmp_path: Path, repo_digests: str) -> Path:
    """No container engine exists here: this stands in for `docker image inspect` and records `docker run`."""
    engine = tmp_path / "engine"
    engine.write_text(
        "#!/usr/bin/env bash\n"
        'if [[ "$1 $2" == "image inspect" ]]; then\n'
        '  if [[ "$4" == "{{.Id}}" ]]; then echo sha256:'
        + "1" * 64
        + "; else printf '"
        + repo_digests
        + "'; fi\n"
        "  exit 0\n"
        "fi\n"
        f'printf "%s\\n" "$@" > {tmp_path}/argv\n'
    )
    engine.chmod(engine.stat().st_mode | stat.S_IXUSR)
    return engine


@pytest.mark.parametrize(
    ("repo_digests", "recorded"),
    [
        ("ukiyoe@sha256:" + "2" * 64 + "\\n", "ukiyoe@sha256:" + "2" * 64),
        ("", "sha256:" + "1" * 64),
    ],
)
def test_runs_pass_the_image_digest(tmp_path: Path, repo_digests: str, recorded: str) -> None:
    engine = _stand_in_engine(tmp_path, repo_digests)
    home = tmp_path / "container-home"
    result = _run(tmp_path, "ukiyoe", "diagnose", UKIYOE_ENGINE=str(engine), UKIYOE_CONTAINER_HOME=str(home))
    assert result.returncode == 0, result.stderr
    argv = (tmp_path / "argv").read_text().splitlines()
    assert f"UKIYOE_IMAGE_DIGEST={recorded}" in _option_values(argv, "--env")
    assert f"type=bind,source={home},target=/home/ukiyoe" in _option_values(argv, "--mount")
    assert home.is_dir() and argv[-2:] == ["ukiyoe", "diagnose"]


def test_entrypoint_gives_a_writable_home_and_runs_the_command(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": "/nonexistent/home"}
    result = subprocess.run(
        [str(ENTRYPOINT), "sh", "-c", 'touch "$HOME/probe" && echo "$HOME"'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    home = Path(result.stdout.strip())
    assert home.name.startswith("ukiyoe-home.") and (home / "probe").is_file()
    shutil.rmtree(home)


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to hand a directory to another UID")
def test_entrypoint_warns_about_a_repository_of_another_uid(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    os.chown(tmp_path, 54321, 54321)
    result = subprocess.run(
        [str(ENTRYPOINT), "true"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    assert "belongs to UID 54321" in result.stderr and "containers/run" in result.stderr


def _stand_ins(tmp_path: Path, **scripts: str) -> Path:
    """A folder of stand-in engine commands put first on PATH."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f"#!/usr/bin/env bash\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.mark.parametrize(
    ("docker_info_status", "picked", "reason"),
    [(0, "docker", "its daemon answers"), (1, "podman", "no docker daemon")],
)
def test_the_engine_is_picked_from_what_works_and_named(
    tmp_path: Path, docker_info_status: int, picked: str, reason: str
) -> None:
    folder = _stand_ins(tmp_path, docker=f"exit {docker_info_status}", podman="exit 0")
    env = _env(tmp_path, UKIYOE_DRY_RUN="1", PATH=f"{folder}:{os.environ['PATH']}")
    del env["UKIYOE_ENGINE"]
    result = subprocess.run(
        [str(RUN), "--build"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert f"with {picked} ({reason})" in result.stderr
    assert shlex.split(result.stdout.splitlines()[-1])[0] == picked


def test_buildah_build_is_stamped_isolated_and_gets_the_pip_config_as_volumes(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    pip = _stand_ins(tmp_path, pip=f"echo \"global.find-links='{wheels}'\"")
    result = _run(
        tmp_path,
        "--build",
        "--local-base",
        UKIYOE_ENGINE="/nonexistent/buildah",
        UKIYOE_LOCK="cpu",
        UKIYOE_DRY_RUN="1",
        UKIYOE_PIP_CACHE=str(tmp_path / "pip-cache"),
        PATH=f"{pip}:{os.environ['PATH']}",
        UKIYOE_PIP="pip",
    )
    assert result.returncode == 0, result.stderr
    build = shlex.split(result.stdout.splitlines()[-1])
    assert build[:2] == ["/nonexistent/buildah", "bud"]
    epoch = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    assert _option_values(build, "--timestamp") == [epoch]
    args = _option_values(build, "--build-arg")
    assert {f"SOURCE_DATE_EPOCH={epoch}", "LOCK=cpu", "BASE_IMAGE=localhost/ukiyoe-base:dry-run"} <= set(args)
    assert _option_values(build, "--isolation") == ["chroot"]
    volumes = _option_values(build, "--volume")
    assert any(volume.endswith(":/run/ukiyoe-pip:ro") for volume in volumes)
    assert f"{tmp_path / 'pip-cache'}:/run/ukiyoe-pip/cache" in volumes


def test_buildah_runs_a_working_container_with_chroot_isolation(tmp_path: Path) -> None:
    result = _run(tmp_path, "dvc", "repro", UKIYOE_ENGINE="/nonexistent/buildah", UKIYOE_DRY_RUN="1")
    assert result.returncode == 0, result.stderr
    from_line, run_line = (shlex.split(line) for line in result.stdout.splitlines()[-2:])
    assert from_line == ["/nonexistent/buildah", "from", "--pull=false", "--quiet", "ukiyoe:cuda"]
    assert run_line[:4] == ["/nonexistent/buildah", "run", "--isolation", "chroot"]
    assert _option_values(run_line, "--user") == [RUN_USER]
    assert f"{REPO}:{REPO}" in _option_values(run_line, "--volume")
    assert run_line[-5:] == ["CONTAINER", "--", "/usr/local/bin/ukiyoe-entrypoint", "dvc", "repro"]
    assert "buildah attaches no GPUs" in result.stderr


def test_podman_reaches_gpus_through_cdi(tmp_path: Path) -> None:
    argv = _dry_run(tmp_path, "dvc", "repro", UKIYOE_ENGINE="/nonexistent/podman", UKIYOE_GPUS='"device=0,1"')
    assert _option_values(argv, "--device") == ["nvidia.com/gpu=0", "nvidia.com/gpu=1"]
    assert "--gpus" not in argv
