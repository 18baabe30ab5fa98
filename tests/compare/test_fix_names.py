"""Which fix files can become experiments: every accepted name is a valid git ref component."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.compare.ablate import discover_fixes, experiment_name


def test_fixes_are_the_sorted_gin_stems(tmp_path):
    for name in ("n_critic.gin", "learning_rates.gin", "notes.txt"):
        (tmp_path / name).write_text("")
    assert discover_fixes(tmp_path) == ["learning_rates", "n_critic"]


@pytest.mark.parametrize("name", ["none", "bad name", "x..y", ".hidden", "n_critic\n"])
def test_unusable_fix_names_are_rejected_with_the_file(tmp_path, name):
    (tmp_path / f"{name}.gin").write_text("")
    with pytest.raises(UkiyoeError, match=r"fix name .* cannot name an experiment"):
        discover_fixes(tmp_path)


def test_missing_or_empty_fixes_dir(tmp_path):
    with pytest.raises(UkiyoeError, match="does not exist"):
        discover_fixes(tmp_path / "nope")
    with pytest.raises(UkiyoeError, match="no \\*.gin fixes"):
        discover_fixes(tmp_path)


names = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1,
                max_size=12).filter(lambda name: name not in (".", ".."))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names)
def test_accepted_names_are_valid_git_refs(tmp_path, name):
    fixes = tmp_path / "fixes"
    fixes.mkdir(exist_ok=True)
    for old in fixes.iterdir():
        old.unlink()
    try:
        (fixes / f"{name}.gin").write_text("")
    except OSError:
        return
    try:
        accepted = discover_fixes(fixes)
    except UkiyoeError:
        return
    ref = f"refs/exps/ab/{experiment_name('20260101000000', 'out', accepted[0], 0)}"
    assert subprocess.run(["git", "check-ref-format", ref], check=False).returncode == 0
