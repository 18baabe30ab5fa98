"""Gin files cannot run code: foreign imports and dynamic registration are refused before gin reads them.

Each attack is first shown to work against plain gin (the marker file appears), then shown not to run
through the compiler (no marker, module never imported).
"""

from __future__ import annotations

import sys
from pathlib import Path

import config_toy_configurables as toy
import gin
import pytest
from config_tree import TOY_MODULES, write_tree

from ukiyoe.common.errors import ConfigError
from ukiyoe.config import activate, compile_experiment, load_compiled
from ukiyoe.config.compiled import config_hash


@pytest.fixture
def evil_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """An importable module whose top-level code writes a marker file."""
    name = f"config_evil_{tmp_path.name.replace('-', '_')}"
    marker = tmp_path / "imported.marker"
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    monkeypatch.syspath_prepend(str(tmp_path / "evil"))
    yield name, marker
    sys.modules.pop(name, None)


def test_import_attack_runs_under_plain_gin(evil_module: tuple[str, Path]) -> None:
    name, marker = evil_module
    gin.parse_config(f"import {name}\n")
    assert marker.read_text() == "ran"
    gin.clear_config()


def test_import_attack_is_refused_before_running(tree: Path, evil_module: tuple[str, Path]) -> None:
    name, marker = evil_module
    write_tree(tree, {"experiments/fixes/lr.gin": f"toy_build_optimizers.nca_lr = 1e-4\nimport {name}\n"})
    with pytest.raises(ConfigError) as caught:
        compile_experiment(tree / "experiments/fixed.gin", tree / "params.yaml", modules=TOY_MODULES)
    assert str(caught.value) == (
        f"experiments/fixes/lr.gin:2: 'import {name}' is forbidden: gin files may import only "
        "config_toy_configurables (importing runs a module's code)")
    assert not marker.exists()
    assert name not in sys.modules


def dynamic_registration_attack(marker: Path) -> str:
    return (
        "from __gin__ import dynamic_registration\n"
        "import os\n"
        "import config_toy_configurables\n"
        f"os.system.command = 'touch {marker}'\n"
        "config_toy_configurables.toy_train.tag = @os.system()\n"
    )


def test_dynamic_registration_attack_runs_under_plain_gin(tmp_path: Path) -> None:
    marker = tmp_path / "system.marker"
    gin.parse_config(dynamic_registration_attack(marker))
    toy.toy_train()
    assert marker.exists()
    gin.clear_config()


def test_dynamic_registration_attack_is_refused(tree: Path) -> None:
    marker = tree / "system.marker"
    write_tree(tree, {"experiments/fixed.gin": "include 'base.gin'\n" + dynamic_registration_attack(marker)})
    gin.clear_config()
    with pytest.raises(ConfigError) as caught:
        compile_experiment(tree / "experiments/fixed.gin", tree / "params.yaml", modules=TOY_MODULES)
    assert str(caught.value).startswith(
        "experiments/fixed.gin:2: 'from __gin__ import dynamic_registration' is forbidden")
    toy.toy_train()
    assert not marker.exists()


def test_a_forbidden_import_in_a_profile_is_refused(tree: Path) -> None:
    write_tree(tree, {"experiments/profiles/small.gin": "import os\n", "params.yaml": "profile: small\n"})
    with pytest.raises(ConfigError, match=r"experiments/profiles/small.gin:1: 'import os' is forbidden"):
        compile_experiment(tree / "experiments/fixed.gin", tree / "params.yaml", modules=TOY_MODULES)


def test_allowed_module_imports_are_accepted(tree: Path) -> None:
    write_tree(tree, {"experiments/fixed.gin": "import config_toy_configurables\ninclude 'base.gin'\n"})
    compiled = compile_experiment(tree / "experiments/fixed.gin", tree / "params.yaml", modules=TOY_MODULES)
    assert compiled.flat["toy_train.seed"] == 7


def test_activate_refuses_a_compiled_config_with_statements_other_than_bindings(
    tree: Path, evil_module: tuple[str, Path]
) -> None:
    name, marker = evil_module
    out = compile_experiment(tree / "experiments/fixed.gin", tree / "params.yaml", out=tree / "c",
                             modules=TOY_MODULES).directory
    tampered = f"import {name}\n" + (out / "operative.gin").read_text()
    (out / "operative.gin").write_text(tampered)
    (out / "config.sha256").write_text(config_hash(tampered) + "\n")
    with pytest.raises(ConfigError, match="only bindings are allowed in a compiled config"):
        activate(load_compiled(out), modules=TOY_MODULES)
    assert not marker.exists()
