"""Stacked MNIST evidence: experiments × seeds trained side by side on one GPU, same images seen, then the
PacGAN protocol (26,000 EMA samples → digit triples by the prepared classifier → modes of 1000, KL).


Every run is a real ``ukiyoe train`` process on data made by ``ukiyoe prepare`` (source ``stacked_mnist``);
the full profile's schedule is compressed to ``--epochs`` by ``--bind``. A run spec is an experiment name,
optionally with one fix left out (``modern:without=adam_betas``) or added (``collapsed:with=adam_betas``),
so the same script measures the before/after table and the ablation over seeds.

    python benchmarks/evidence_stacked_mnist.py --out OUT                        # collapsed/fixed/modern × 3
    python benchmarks/evidence_stacked_mnist.py --out OUT --runs modern modern:without=adam_betas ...
    python benchmarks/evidence_stacked_mnist.py --out OUT --tiny                 # CPU smoke test, ~1 min
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from compressed_schedule import schedule_binds  # noqa: E402
from rig import write_params  # noqa: E402
from stacked_mnist_report import ablation_markdown, summarise, table_markdown, write_grid  # noqa: E402

from ukiyoe.common.mps import mps_daemon  # noqa: E402

SAMPLE_SEED = 20_261_201
NUM_MODES = 1000


def protocol_score(labels: np.ndarray, num_modes: int = NUM_MODES) -> dict[str, float]:
    """Modes hit and KL(mode histogram ‖ uniform) of predicted labels (the PacGAN/VEEGAN protocol)."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_modes)[:num_modes]
    p = counts / max(1, counts.sum())
    hit = p > 0
    return {"modes": int(hit.sum()), "kl": float(np.sum(p[hit] * np.log(p[hit] * num_modes)))}


@dataclass(frozen=True)
class RunSpec:
    experiment: str
    seed: int
    without: str | None = None
    with_fix: str | None = None
    binds: tuple[str, ...] = ()

    @property
    def variant(self) -> str:
        if self.without:
            return f"{self.experiment}:without={self.without}"
        if self.with_fix:
            return f"{self.experiment}:with={self.with_fix}"
        return f"{self.experiment}:bind={';'.join(self.binds)}" if self.binds else self.experiment

    @property
    def name(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", self.variant.replace(":", "_"))
        return f"{safe}_s{self.seed}"


def parse_spec(text: str, seed: int) -> RunSpec:
    """``EXPERIMENT``, ``EXPERIMENT:without=FIX``, ``EXPERIMENT:with=FIX`` or ``EXPERIMENT:bind=B1;B2``."""
    experiment, _, change = text.partition(":")
    if not change:
        return RunSpec(experiment, seed)
    kind, _, value = change.partition("=")
    if kind == "without" and value:
        return RunSpec(experiment, seed, without=value)
    if kind == "with" and value:
        return RunSpec(experiment, seed, with_fix=value)
    binds = tuple(bind.strip() for bind in value.split(";") if bind.strip())
    if kind == "bind" and binds and all("=" in bind for bind in binds):
        return RunSpec(experiment, seed, binds=binds)
    raise SystemExit(
        f"--runs {text!r}: expected EXPERIMENT, EXPERIMENT:without=FIX, EXPERIMENT:with=FIX "
        "or EXPERIMENT:bind=NAME=VALUE;NAME=VALUE"
    )


def train_command(spec: RunSpec, work: Path, params: Path, args: argparse.Namespace) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "ukiyoe",
        "train",
        "--config",
        str(REPO / "experiments" / f"{spec.experiment}.gin"),
        "--params",
        str(params),
        "--data",
        str(work / "prepared"),
        "--out",
        str(work / "runs" / spec.name),
        "--metrics",
        str(work / "metrics" / spec.name),
        "--bind",
        f"SEED = {spec.seed}",
        "--bind",
        "TrainOptions.cpu_threads = 1",
        "--bind",
        f"TrainOptions.device = '{args.device}'",
    ]
    if spec.without:
        command += ["--without-fix", spec.without]
    if spec.with_fix:
        command += ["--with-fix", spec.with_fix]
    for bind in [*schedule_binds(args.epochs), *args.bind, *spec.binds]:
        command += ["--bind", bind]
    return command


def train_all(specs: list[RunSpec], work: Path, params: Path, args: argparse.Namespace) -> dict[str, dict]:
    """Starts every run at once; SIGTERM (a clean checkpoint) to any still running at the deadline."""
    env = {
        **os.environ,
        "UKIYOE_RUNS_DIR": str(work / "sacred"),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    (work / "logs").mkdir(parents=True, exist_ok=True)
    started, processes = time.monotonic(), {}
    for spec in specs:
        log = (work / "logs" / f"{spec.name}.log").open("w")
        processes[spec.name] = (
            subprocess.Popen(
                train_command(spec, work, params, args),
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            ),
            log,
        )
    outcome: dict[str, dict] = {}
    terminated: set[str] = set()
    while len(outcome) < len(processes):
        for name, (process, log) in processes.items():
            if name not in outcome and process.poll() is not None:
                outcome[name] = {
                    "rc": process.returncode,
                    "wall_s": round(time.monotonic() - started, 1),
                    "stopped_at_deadline": name in terminated,
                }
                log.close()
        if time.monotonic() - started > args.deadline and not terminated:
            terminated = {name for name, (process, _) in processes.items() if process.poll() is None}
            for name in terminated:
                processes[name][0].send_signal(signal.SIGTERM)
        time.sleep(1.0)
    return outcome


def score_run(spec: RunSpec, work: Path, classifier, args: argparse.Namespace) -> tuple[dict, np.ndarray]:
    """Protocol numbers of the run's EMA generator from ``args.samples`` samples; a grid's worth of images."""
    import torch

    from ukiyoe.common.images import nchw_to_nhwc, to_uint8
    from ukiyoe.gan.export import load_generator

    device = "cuda" if args.device != "cpu" and torch.cuda.is_available() else "cpu"
    loaded = load_generator(work / "runs" / spec.name, device)
    images = nchw_to_nhwc(to_uint8(loaded.sample(args.samples, seed=SAMPLE_SEED, batch_size=1000)))
    score = protocol_score(classifier.predict(images))
    step = int(loaded.meta["step"])
    return {
        "variant": spec.variant,
        "seed": spec.seed,
        **score,
        "steps": step,
        "images_seen": step * args.batch_size,
        "epoch": int(loaded.meta["epoch"]),
    }, images[:32]


def real_rows(work: Path, classifier, samples: int) -> tuple[list[dict], np.ndarray]:
    """The protocol on real data: the training set resampled, and fresh stacks of the held-out digits."""
    from ukiyoe.data import stacked_mnist

    prepared = np.load(work / "prepared" / "images.npy")
    rng = np.random.default_rng(SAMPLE_SEED)
    drawn = prepared[rng.integers(0, len(prepared), samples)]
    digits, classes = stacked_mnist.load_digits()
    _, heldout = stacked_mnist.split(classes, 0)
    fresh, _ = stacked_mnist.stack(digits, classes, samples, rng, heldout)
    rows = [
        {"variant": "real: training set, resampled", **protocol_score(classifier.predict(drawn))},
        {"variant": "real: fresh stacks of held-out digits", **protocol_score(classifier.predict(fresh))},
    ]
    return rows, drawn[:32]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="results.json, table.md, grids.png, runs.tar.gz"
    )
    parser.add_argument("--work", type=Path, default=None, help="scratch directory (default: OUT/work)")
    parser.add_argument("--runs", nargs="+", default=["collapsed", "fixed", "modern"], metavar="SPEC")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--count", type=int, default=16384, help="prepared Stacked MNIST images")
    parser.add_argument("--epochs", type=int, default=12, help="passes over the data: the images-seen budget")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--profile", default="full")
    parser.add_argument("--samples", type=int, default=26_000, help="samples per run for the protocol")
    parser.add_argument("--deadline", type=float, default=420.0, help="seconds before runs are stopped")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--bind", action="append", default=[], help="extra gin binding for every run")
    parser.add_argument("--tiny", action="store_true", help="CPU smoke test: demo profile, minimal sizes")
    parser.add_argument("--mps", action="store_true", help="train under a private CUDA MPS daemon")
    args = parser.parse_args(argv)
    if args.tiny:
        args.profile, args.count, args.epochs, args.batch_size, args.samples = "demo", 64, 2, 16, 300
        args.device = "cpu"
    return args


def score_all(
    specs: list[RunSpec], trained: dict[str, dict], work: Path, classifier, args: argparse.Namespace
) -> tuple[list[dict], dict[str, np.ndarray]]:
    rows, grids = [], {}
    for spec in specs:
        if trained[spec.name]["rc"] not in (0, 143, -15):  # 143/-15: stopped by SIGTERM, checkpoint saved
            print(
                json.dumps({"variant": spec.variant, "seed": spec.seed, "failed": trained[spec.name]}),
                file=sys.stderr,
            )
            continue
        row, images = score_run(spec, work, classifier, args)
        rows.append({**row, **trained[spec.name]})
        grids.setdefault(spec.variant, images)
    return rows, grids


def run_meta(args: argparse.Namespace, argv: list[str] | None, classifier, timings: dict) -> dict:
    import torch

    command = [Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]
    return {
        "count": args.count,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "profile": args.profile,
        "samples": args.samples,
        "seeds": args.seeds,
        "runs": args.runs,
        "deadline_s": args.deadline,
        "mps": args.mps,
        "binds": schedule_binds(args.epochs),
        "extra_binds": args.bind,
        **timings,
        "classifier_accuracy": classifier.accuracy,
        "classifier_triple_accuracy": float(classifier.info.get("triple_accuracy", float("nan"))),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "command": "python benchmarks/" + " ".join(command),
    }


def write_outputs(
    out: Path,
    work: Path,
    meta: dict,
    rows: list[dict],
    reals: list[dict],
    grids: list[tuple[str, np.ndarray]],
) -> None:
    summary = summarise(rows)
    out.mkdir(parents=True, exist_ok=True)
    document = {"meta": meta, "summary": summary, "runs": rows, "real": reals}
    (out / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    (out / "table.md").write_text(table_markdown(summary, reals, meta))
    ablation = ablation_markdown(rows)
    if ablation:
        (out / "ablation.md").write_text(ablation)
    write_grid(out / "grids.png", grids)
    with tarfile.open(out / "runs.tar.gz", "w:gz") as archive:
        for folder in ("metrics", "logs"):
            if (work / folder).exists():  # runs stopped before their first epoch have no metrics yet
                archive.add(work / folder, arcname=folder)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.work or args.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    params = work / "params.yaml"
    write_params(params, args.profile, args.batch_size, 32, args.epochs, args.count, source="stacked_mnist")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "ukiyoe", "prepare", "--params", str(params), "--out", str(work / "prepared")],
        cwd=REPO,
        check=True,
    )
    prepare_s = round(time.monotonic() - started, 1)
    specs = [parse_spec(text, seed) for text in args.runs for seed in args.seeds]
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise SystemExit(f"--runs: two runs would share one directory: {sorted(names)}")
    with mps_daemon() if args.mps else contextlib.nullcontext():
        trained = train_all(specs, work, params, args)
    from ukiyoe.data.classifier import load_mode_classifier

    classifier = load_mode_classifier(work / "prepared")
    rows, grids = score_all(specs, trained, work, classifier, args)
    reals, real_images = real_rows(work, classifier, args.samples)
    timings = {
        "prepare_s": prepare_s,
        "train_images": len(np.load(work / "prepared" / "images.npy", mmap_mode="r")),
        "parallel_runs": len(specs),
        "train_wall_s": max(entry["wall_s"] for entry in trained.values()),
        "total_s": round(time.monotonic() - started, 1),
    }
    meta = run_meta(args, argv, classifier, timings)
    write_outputs(args.out, work, meta, rows, reals, [*grids.items(), ("real", real_images)])
    print((args.out / "table.md").read_text())
    return 0 if len(rows) == len(specs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
