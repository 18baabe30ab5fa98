"""The compare stage (before/after report, ``stage.run``) and ``ukiyoe ablate`` (per-fix ablation over a DVC
queue). Modules are imported where used, so registering the command line stays light."""
