"""The config compiler: experiment gin files + params.yaml + ``--bind`` → a resolved, hashed config.

See docs/config.md. Importing this package does not import torch; compiling imports the configurable
modules.
"""

from ukiyoe.config.compiled import CompiledConfig, activate, load_compiled, to_sacred_config
from ukiyoe.config.compiler import compile_experiment
from ukiyoe.config.diff import DiffRow, diff_configs, load_or_compile
from ukiyoe.config.explain import ExplainRow, explain_rows

__all__ = [
    "CompiledConfig",
    "DiffRow",
    "ExplainRow",
    "activate",
    "compile_experiment",
    "diff_configs",
    "explain_rows",
    "load_compiled",
    "load_or_compile",
    "to_sacred_config",
]
