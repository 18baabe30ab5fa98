"""Fuzzing the config front-end: random gin token streams and mutations of the repository's real
experiment files and params.yaml. Every outcome is a compiled config or one ConfigError line that names
where the problem was written; nothing is written on failure and no case hangs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.harness import assert_one_line, fuzz_settings, mutated, time_limit, tree_snapshot
from ukiyoe.common.errors import ConfigError, DataError
from ukiyoe.config import compile_experiment
from ukiyoe.configurables import CONFIGURABLE_MODULES
from ukiyoe.data.params import load_params as load_data_params

ROOT = Path(__file__).resolve().parents[2]
GIN_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "experiments").rglob("*.gin"))
TOKENS = [
    "Discriminator",
    "dropout",
    "LearningRates",
    "generator",
    "TrainOptions",
    "epochs",
    "NCARefiner",
    "conditioning",
    "gen/",
    "include",
    "import",
    "from",
    "ukiyoe.gan",
    "os",
    "__gin__",
    "dynamic_registration",
    ".",
    "/",
    "=",
    " = ",
    "@",
    "%",
    "GEN_LR",
    "()",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "'x'",
    "'",
    '"',
    '"""',
    "1",
    "-1.5",
    "1e999",
    "0x1F",
    "True",
    "None",
    "\n",
    " ",
    "  ",
    "#",
    "\\",
    "'../base.gin'",
    "'components/networks.gin'",
    "'/etc/passwd'",
    "'../../params.yaml'",
    "\x00",
    "\t",
    "é",
    "\u202e",
]
token_streams = st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=40).map("".join)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-config")
    shutil.copytree(ROOT / "experiments", root / "experiments")
    shutil.copy(ROOT / "params.yaml", root / "params.yaml")
    return root


def compile_outcome(project: Path, experiment: str = "experiments/fixed.gin") -> None:
    """Compile; a ConfigError must be one line naming a file of the project (or params.yaml)."""
    before = tree_snapshot(project)
    out = project / "compiled"
    try:
        with time_limit():
            compile_experiment(
                project / experiment, project / "params.yaml", out=out, modules=CONFIGURABLE_MODULES
            )
    except ConfigError as error:
        message = assert_one_line(error, "experiments/", "params.yaml")
        assert message.startswith(("experiments/", "params.yaml")), message
        assert tree_snapshot(project) == before and not out.exists()
    else:
        shutil.rmtree(out)


@fuzz_settings(examples=150)
@given(text=token_streams)
def test_random_token_streams_in_an_included_fix(project: Path, text: str) -> None:
    target = project / "experiments" / "fixes" / "n_critic.gin"
    original = (ROOT / "experiments" / "fixes" / "n_critic.gin").read_bytes()
    try:
        target.write_text(text, encoding="utf-8", errors="surrogateescape")
        compile_outcome(project)
    finally:
        target.write_bytes(original)


@fuzz_settings(examples=150)
@given(data=st.data(), relative=st.sampled_from(GIN_FILES))
def test_mutated_real_experiment_files(project: Path, data: st.DataObject, relative: str) -> None:
    original = (ROOT / relative).read_bytes()
    target = project / relative
    try:
        target.write_bytes(data.draw(mutated(original)))
        compile_outcome(
            project,
            "experiments/collapsed.gin" if relative.endswith("collapsed.gin") else "experiments/fixed.gin",
        )
    finally:
        target.write_bytes(original)


@fuzz_settings(examples=150)
@given(data=st.data())
def test_mutated_params_yaml(project: Path, data: st.DataObject) -> None:
    original = (ROOT / "params.yaml").read_bytes()
    target = project / "params.yaml"
    try:
        target.write_bytes(data.draw(mutated(original)))
        compile_outcome(project)
        try:
            with time_limit():
                load_data_params(target)
        except DataError as error:
            assert_one_line(error, str(target))
    finally:
        target.write_bytes(original)


@fuzz_settings(examples=40)
@given(bind=token_streams)
def test_random_binds(project: Path, bind: str) -> None:
    try:
        with time_limit():
            compile_experiment(
                project / "experiments/fixed.gin",
                project / "params.yaml",
                [bind],
                modules=CONFIGURABLE_MODULES,
            )
    except ConfigError as error:
        assert_one_line(error, "--bind", "experiments/", "params.yaml")
