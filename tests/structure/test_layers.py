"""The house reads like the pipeline: data → gan → train / diagnose → compare, with config beside gan.

Checked by module-import inspection (``imports.py``), so a lazy import inside a function counts too.
"""

from __future__ import annotations

import pytest
from imports import all_modules, direct_imports

# For each layer, the packages its modules may never import.
FORBIDDEN = {
    "ukiyoe.data": ("ukiyoe.gan", "ukiyoe.config", "ukiyoe.train", "ukiyoe.diagnose", "ukiyoe.compare"),
    "ukiyoe.gan": ("ukiyoe.train", "ukiyoe.diagnose", "ukiyoe.compare", "ukiyoe.data",
                   "ukiyoe.configurables"),
    "ukiyoe.config": ("ukiyoe.gan", "ukiyoe.train", "ukiyoe.diagnose", "ukiyoe.compare", "ukiyoe.data"),
    "ukiyoe.train": ("ukiyoe.diagnose", "ukiyoe.compare"),
    "ukiyoe.diagnose": ("ukiyoe.train", "ukiyoe.compare"),
    "ukiyoe.compare": ("ukiyoe.train", "ukiyoe.diagnose", "ukiyoe.gan"),
    "ukiyoe.validate": ("ukiyoe.gan", "ukiyoe.train", "ukiyoe.diagnose", "ukiyoe.compare", "ukiyoe.data"),
    "ukiyoe.plots": ("ukiyoe.gan", "ukiyoe.train", "ukiyoe.diagnose", "ukiyoe.data", "ukiyoe.config"),
    "ukiyoe.sample": ("ukiyoe.train", "ukiyoe.diagnose", "ukiyoe.compare", "ukiyoe.data", "ukiyoe.config"),
}
# The convention homes (ukiyoe/common/) sit below every layer: they import nothing of the layers.
FOUNDATION = tuple(name for name in all_modules() if name.startswith("ukiyoe.common"))
# A command line is the one place that may name the experiment's configurable modules.
COMMAND_LINES = ("ukiyoe.config.cli",)


def _inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _violations(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for name in all_modules():
        if not _inside(name, layer) or name in COMMAND_LINES:
            continue
        found += [f"{name} imports {target}" for target in sorted(direct_imports(name))
                  if any(_inside(target, banned) for banned in forbidden)]
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_upwards_or_sideways(layer: str) -> None:
    assert _violations(layer, FORBIDDEN[layer]) == []


def test_conventions_import_no_layer() -> None:
    layers = tuple(FORBIDDEN)
    found = [f"{name} imports {target}" for name in FOUNDATION for target in sorted(direct_imports(name))
             if any(_inside(target, layer) for layer in layers)]
    assert found == []


def test_the_inspection_sees_lazy_and_string_imports() -> None:
    """The checks above are only as good as the graph: it must include imports made inside functions and
    the configurable modules the command line names as strings."""
    assert "ukiyoe.gan.export" in direct_imports("ukiyoe.diagnose.stage")  # imported inside draw_samples
    assert "ukiyoe.train.watchdog" in direct_imports("ukiyoe.configurables")
    assert "ukiyoe.gan" in direct_imports("ukiyoe.gan.loss")  # a parent package runs on import
