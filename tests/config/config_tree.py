"""A throw-away experiment tree (experiments/ + params.yaml) over the toy configurables."""

from __future__ import annotations

from pathlib import Path

TOY_MODULES = ("config_toy_configurables",)

BASE_GIN = """\
# the base every experiment includes
include 'components/networks.gin'
toy_train.epochs = %EPOCHS
toy_train.seed = %SEED
EPOCHS = 3
"""
NETWORKS_GIN = """\
ToyGenerator.z_dim = 64
ToyGenerator.channels = 32
"""
LR_FIX_GIN = """\
# learning-rate fix
toy_build_optimizers.generator_lr = %GEN_LR
toy_build_optimizers.discriminator_lr = %DISC_LR
"""
FIXED_GIN = """\
include 'base.gin'
include 'fixes/lr.gin'
"""
COLLAPSED_GIN = """\
include 'base.gin'
toy_build_optimizers.generator_lr = 0.001
toy_build_optimizers.discriminator_lr = %DISC_LR
"""
PARAMS_YAML = """\
seed: 7
gen_lr: 5e-05
disc_lr: 0.0002
epochs: 5
data:
  source: synthetic
"""


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
