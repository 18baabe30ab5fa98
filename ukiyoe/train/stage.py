"""One ``ukiyoe train`` invocation: compile or load the config, build everything from it, run, report.

Rank 0 writes the compiled config, checkpoints, curves, samples and the Sacred run; other ranks compile the
same config in memory (same hash) and only train.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ukiyoe.common.errors import CheckpointError, ConfigError, DataError
from ukiyoe.common.files import git_commit
from ukiyoe.configurables import CONFIGURABLE_MODULES
from ukiyoe.data.classifier import load_mode_classifier
from ukiyoe.gan.checkpoint import list_checkpoints, load_newest_valid, remove_checkpoints
from ukiyoe.train import distributed
from ukiyoe.train.batches import RealBatches
from ukiyoe.train.loop import Paths, Trainer
from ukiyoe.train.monitor import DETAILS_FILE, SUMMARY_FILE, write_summary
from ukiyoe.train.options import TrainOptions
from ukiyoe.train.rng import seed_everything
from ukiyoe.train.tracking import Tracker, run_tracked
from ukiyoe.train.watchdog import CollapseWatchdog

CUBLAS_DETERMINISTIC = ":4096:8"


@dataclass(frozen=True)
class TrainRequest:
    config: Path
    params: Path | None
    data: Path
    out: Path
    metrics: Path
    binds: tuple[str, ...] = ()
    without_fixes: tuple[str, ...] = ()
    with_fixes: tuple[str, ...] = ()
    resume: bool = False
    observer: str | None = None
    force: bool = False


def load_config(request: TrainRequest) -> Any:
    """Compile the experiment (or load a compiled dir) in memory; nothing is written until data and resume
    checks have passed, so a bad call never replaces the config of an earlier run."""
    from ukiyoe.config import compile_experiment, load_compiled

    if request.config.is_dir():
        if request.binds or request.without_fixes or request.with_fixes:
            raise ConfigError(f"--bind/--without-fix/--with-fix: {request.config} is already compiled; "
                              "pass the experiment's gin file")
        return load_compiled(request.config)
    return compile_experiment(request.config, request.params, request.binds, without=request.without_fixes,
                              with_fixes=request.with_fixes, modules=CONFIGURABLE_MODULES)


def select_device(option: str, context: distributed.Distributed) -> torch.device:
    """The option's device; 'auto' and a bare 'cuda' mean this process's GPU, ``cuda:<LOCAL_RANK>``."""
    if option == "cuda" or (option == "auto" and torch.cuda.is_available()):
        return torch.device("cuda", context.local_rank)
    return torch.device("cpu" if option == "auto" else option)


def configure_determinism(options: TrainOptions, device: torch.device) -> None:
    """CPU threads; deterministic kernels for exactness tests, else the fast ones (cuDNN autotuning, TF32)."""
    if options.cpu_threads:
        torch.set_num_threads(options.cpu_threads)
    if options.deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_DETERMINISTIC)
        if options.compile:
            torch.use_deterministic_algorithms(True)  # also makes inductor's generated kernels deterministic
        else:
            torch._C._set_deterministic_algorithms(True)  # the same switch, without importing inductor (~3 s)
        torch.backends.cudnn.benchmark = False
    elif device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True


def build_experiment(options: TrainOptions, device: torch.device, context: distributed.Distributed) -> Any:
    """The GAN from the active config, on ``device``, identical on every rank."""
    from ukiyoe.gan.assemble import assemble
    from ukiyoe.gan.networks import Networks

    def place(networks: Networks) -> None:
        networks.to(device)
        if options.channels_last:
            for module in networks.modules().values():
                module.to(memory_format=torch.channels_last)
        distributed.broadcast_modules(context, list(networks.modules().values()))

    seed_everything(options.seed)
    experiment = assemble(place, fused=options.fused_optimizers and device.type == "cuda")
    if options.compile:
        # The generator's mapping and synthesis only: D and the critic are differentiated twice by the
        # gradient penalties (compiled autograd has no double backward), and the NCA's step count varies.
        experiment.networks.generator.mapping.compile()
        experiment.networks.generator.synthesis.compile()
    return experiment


def load_images(data: Path) -> tuple[Any, str | None]:
    """The prepared images (memory-mapped) and the dataset hash from its manifest."""
    if not data.is_dir():
        raise DataError(f"{data}: prepared data directory not found; run 'ukiyoe prepare' first")
    from ukiyoe.data import load_prepared

    prepared = load_prepared(data)
    return prepared.images, prepared.dataset_sha256


def prepare_output(request: TrainRequest, compiled: Any, device: torch.device) -> dict[str, Any] | None:
    """The checkpoint to resume from (``--resume auto``), or None: then ``--out`` must hold no checkpoints
    of an earlier run unless ``--force`` says to replace them (nothing is written before this check)."""
    if request.resume:
        found = load_newest_valid(request.out, device)
        if found is not None:
            entry, payload = found
            recorded = payload["meta"].get("config_sha256")
            if recorded != compiled.sha256:
                raise CheckpointError(
                    f"{entry.path}: written with config {str(recorded)[:12]}, this config is "
                    f"{compiled.sha256[:12]}; resume needs the same config (or start without --resume)"
                )
            payload["meta"]["checkpoint"] = entry.path.name
            return payload
        return None
    existing = list_checkpoints(request.out)
    if existing and not request.force:
        raise CheckpointError(
            f"{request.out} holds the checkpoints of an earlier run (newest {existing[-1].path.name}); "
            "continue it with --resume auto, or replace it with --force"
        )
    return None


def finished_or_announce(request: TrainRequest, payload: dict[str, Any] | None, epochs: int,
                         steps_per_epoch: int, is_main: bool) -> dict[str, Any] | None:
    """Say where a resumed run continues; for a run that already finished, its recorded summary (nothing
    is trained or rewritten, so its speed is not reported as 0 images/s)."""
    if payload is None:
        return None
    step, total = int(payload["step"]), epochs * steps_per_epoch
    name = payload["meta"].get("checkpoint", "checkpoint")
    if step < total:
        if is_main:
            print(f"ukiyoe train: resuming {request.out} from step {step} of {total} "
                  f"(epoch {step // steps_per_epoch + 1} of {epochs}, {name})", file=sys.stderr)
        return None
    summary: dict[str, Any] = {"steps": step, "epochs": step // steps_per_epoch, "already_finished": True}
    for file_name in (DETAILS_FILE, SUMMARY_FILE):
        path = request.metrics / file_name
        if path.is_file():
            summary.update(json.loads(path.read_text(encoding="utf-8")))
    if is_main:
        print(f"ukiyoe train: {request.out} already finished at step {step} (epoch {epochs} of {epochs}, "
              f"{name}); nothing to train", file=sys.stderr)
    return summary


def clear_previous_run(request: TrainRequest) -> None:
    remove_checkpoints(request.out)
    shutil.rmtree(request.out / "samples", ignore_errors=True)
    for name in ("history.csv", SUMMARY_FILE, DETAILS_FILE):
        (request.metrics / name).unlink(missing_ok=True)


def run(request: TrainRequest) -> dict[str, Any]:
    """Run (or resume) one training run; returns the final summary. Raises StopRequested on a signal."""
    from ukiyoe.config import activate, to_sacred_config

    context = distributed.from_environment()
    compiled = load_config(request)
    images, dataset_sha256 = load_images(request.data)
    classifier = load_mode_classifier(request.data)  # the watchdog's confident-mode check uses it
    activate(compiled, CONFIGURABLE_MODULES)
    options, watchdog = TrainOptions(), CollapseWatchdog()
    device = select_device(options.device, context)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if classifier is not None:  # the watchdog reads the samples where they are made (measured faster)
        classifier.to(device)
    distributed.initialise(context, device)
    try:
        configure_determinism(options, device)
        experiment = build_experiment(options, device, context)
        seed_everything(options.seed + context.rank)
        batches = RealBatches(
            images, options.batch_size, options.seed, context, device, options.channels_last
        )
        resume_payload = prepare_output(request, compiled, device)
        finished = finished_or_announce(request, resume_payload, options.epochs, batches.steps_per_epoch,
                                        context.is_main)
        if finished is not None:
            return finished
        if context.is_main:
            compiled = compiled.write(request.out / "config")
            if resume_payload is None:
                clear_previous_run(request)
        distributed.barrier(context)
        meta = {"config_sha256": compiled.sha256, "dataset_sha256": dataset_sha256, "seed": options.seed,
                "git_commit": git_commit(), "metrics_dir": str(request.metrics),
                "world_size": context.world_size}
        paths = Paths(request.out, request.metrics)

        def body(tracker: Tracker) -> dict[str, Any]:
            trainer = Trainer(experiment, options, watchdog, batches, context, device, paths, tracker, meta,
                              classifier)
            summary = trainer.run(resume_payload)
            if context.is_main:
                write_summary(request.metrics, summary)
            return summary

        if not context.is_main:
            return body(Tracker(None))
        info = {**meta, "device": str(device), "torch_version": torch.__version__,
                "resumed_from_step": resume_payload["step"] if resume_payload else None,
                "out": str(request.out), "data": str(request.data)}
        config = {**to_sacred_config(compiled), "seed": options.seed}
        return run_tracked(config, info, request.observer, body)
    finally:
        distributed.shutdown(context)
