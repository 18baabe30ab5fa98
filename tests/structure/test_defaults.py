"""A default is stated once: where ``components/training.gin`` restates a loop default, the two agree.

That file says the loop runs on its defaults; a literal there that differs from the code's default would
make the code's value a lie nobody runs.
"""

from __future__ import annotations

import ast
import dataclasses

from imports import REPO

from ukiyoe.train.options import TrainOptions
from ukiyoe.train.watchdog import CollapseWatchdog

TRAINING_GIN = REPO / "experiments" / "components" / "training.gin"
CLASSES = {"TrainOptions": TrainOptions, "CollapseWatchdog": CollapseWatchdog}


def _literal_bindings() -> dict[str, object]:
    found = {}
    for line in TRAINING_GIN.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        if value.startswith(("%", "@")):
            continue  # a params.yaml macro or a reference: not a restated default
        found[key] = ast.literal_eval(value)
    return found


def test_training_gin_agrees_with_the_code_defaults() -> None:
    bindings = _literal_bindings()
    assert bindings, TRAINING_GIN
    disagreeing = {}
    for key, value in bindings.items():
        owner, _, name = key.partition(".")
        fields = {f.name: f.default for f in dataclasses.fields(CLASSES[owner])}
        if fields[name] != value:
            disagreeing[key] = (value, fields[name])
    assert disagreeing == {}
