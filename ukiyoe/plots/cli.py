"""``ukiyoe plots [REV ...]``: ``dvc plots show`` (``dvc plots diff REV ...``) with the offline template."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plots", help="render dvc.yaml's training-curve plots to HTML that works offline",
        description="Without REV: the workspace's curves (dvc plots show). With REVs (commits, branches, "
                    "experiment names): those curves side by side (dvc plots diff). Vega, Vega-Lite and "
                    "Vega-Embed come from the npm registry once, pinned and verified by "
                    "ukiyoe/plots/vendor.lock.",
    )
    parser.add_argument("revs", nargs="*", metavar="REV", help="revisions or experiments to compare")
    parser.add_argument("--out", type=Path, default=Path("reports/plots"), help="output folder (index.html)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="where the verified npm tarballs live (default: <repo>/.cache/plots-vendor)")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the DVC repository")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from ukiyoe.compare.dvc_experiments import run_dvc
    from ukiyoe.plots.page import TEMPLATE_NAME, write_template
    from ukiyoe.plots.vendor import DEFAULT_CACHE

    cache = (args.cache or args.repo / DEFAULT_CACHE).resolve()
    template = write_template(cache / TEMPLATE_NAME, cache)
    out = args.out if args.out.is_absolute() else (Path.cwd() / args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = ["plots", "diff", *args.revs] if args.revs else ["plots", "show"]
    run_dvc(args.repo, *command, "--html-template", str(template), "--out", str(out), timeout=600)
    print(f"wrote {out / 'index.html'}")
    return 0
