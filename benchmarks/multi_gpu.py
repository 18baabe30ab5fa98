"""Multi-GPU evidence: scaling, parity with one process, and kill + resume across world sizes.

Every figure comes from real ``ukiyoe train`` runs (``torchrun --standalone`` for several processes):

1. throughput: 1 process at batch b against N processes at batch N·b (the same per-GPU batch), images/s
   after the first epoch from each run's details.json, and the scaling factor;
2. parity: N processes against 1 process at the same global batch B and seed, after the same images; the
   scale for "agree" is the difference between two 1-process runs whose seeds differ (ranks draw their
   own z, so an N-process run is a run of another noise draw, not a replay);
3. resume: an N-process run SIGKILLed after its first periodic checkpoint, resumed on 1 process, killed
   again, resumed on N to the end; steps (= images / B) and epochs at each leg, against the parity run.

On a machine with N GPUs (the NVLink-multicast-off NCCL settings are kept; see docs/multi-gpu.md):

    python benchmarks/multi_gpu.py --gpus 2 --out benchmarks/multi-gpu-h200x2
    python benchmarks/multi_gpu.py --gpus 2 --device cpu --experiment E --params P --data D  # gloo, tiny
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
# NVLink multicast stays off in NCCL, PyTorch and NVSHMEM (kept when already set).
NCCL_SAFE = {"NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1", "NVSHMEM_DISABLE_NVLS": "1"}
NOT_COMPARED = ("epoch", "step")


def numbers(row: dict[str, str]) -> dict[str, float]:
    """The numeric cells of a history.csv row."""
    found = {}
    for key, value in row.items():
        try:
            found[key] = float(value)
        except (TypeError, ValueError):
            continue
    return found


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.env = {**NCCL_SAFE, **os.environ, "UKIYOE_RUNS_DIR": str(work / "sacred"),
                    "OMP_NUM_THREADS": "1"}
        self.data = args.data or work / "prepared"
        self.binds = [part for bind in args.bind for part in ("--bind", bind)]
        if args.device:
            self.binds += ["--bind", f"TrainOptions.device = '{args.device}'"]

    def params(self, name: str, batch_size: int, epochs: int, seed: int) -> Path:
        params = yaml.safe_load((self.args.params or REPO / "params.yaml").read_text())
        params.update(batch_size=batch_size, epochs=epochs, seed=seed)
        if "profile" in params:
            params.update(profile=self.args.profile, resolution=self.args.resolution)
            params["data"] = {**params.get("data", {}), "source": "synthetic", "count": self.args.count}
        path = self.work / f"params-{name}.yaml"
        path.write_text(yaml.safe_dump(params, sort_keys=False))
        return path

    def command(self, name: str, processes: int, params: Path, *extra: str) -> list[str]:
        launcher = [sys.executable, "-m", "ukiyoe"]
        if processes > 1:
            launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
                        str(processes), "-m", "ukiyoe"]
        return [*launcher, "train", "--config", str(self.args.experiment), "--params", str(params),
                "--data", str(self.data), "--out", str(self.work / name), "--metrics",
                str(self.work / name / "metrics"), *self.binds, *extra]

    def train(self, name: str, processes: int, params: Path, *extra: str) -> dict[str, Any]:
        """One finished run: its summary.json and details.json, and its history.csv rows."""
        completed = subprocess.run(self.command(name, processes, params, *extra), cwd=REPO, env=self.env,
                                   capture_output=True, text=True, timeout=self.args.timeout)
        if completed.returncode != 0:
            raise SystemExit(f"{name}: ukiyoe train failed ({completed.returncode}): "
                             f"{completed.stderr.strip().splitlines()[-1:]}")
        return self.outputs(name)

    def outputs(self, name: str) -> dict[str, Any]:
        metrics = self.work / name / "metrics"
        with (metrics / "history.csv").open() as handle:
            history = [numbers(row) for row in csv.DictReader(handle)]
        summary = json.loads((metrics / "summary.json").read_text())  # the headline; details.json the rest
        summary.update(json.loads((metrics / "details.json").read_text()))
        return {"summary": summary, "history": history}

    def sizes(self) -> str:
        """The profile and resolution when this script sets them, else where the sizes come from."""
        if "profile" in yaml.safe_load((self.args.params or REPO / "params.yaml").read_text()):
            return f"profile {self.args.profile}, {self.args.resolution} px, {self.args.count} images"
        return f"sizes from {self.args.params}, data {self.data}"

    def steps_per_epoch(self, batch_size: int) -> int:
        return json.loads((self.data / "manifest.json").read_text())["count"] // batch_size

    def killed_after_new_checkpoint(self, name: str, processes: int, params: Path, *extra: str) -> int:
        """Start a run, SIGKILL its whole process group once a checkpoint newer than the newest one at
        the start appears; returns that checkpoint's step."""
        from ukiyoe.gan.checkpoint import list_checkpoints

        out = self.work / name
        before = max((entry.step for entry in list_checkpoints(out)), default=0) if out.exists() else 0
        process = subprocess.Popen(self.command(name, processes, params, *extra), cwd=REPO, env=self.env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        deadline = time.monotonic() + self.args.timeout
        while time.monotonic() < deadline and process.poll() is None:
            found = list_checkpoints(out) if out.exists() else []
            newer = [entry.step for entry in found if entry.step > before]
            if newer:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return max(newer)
            time.sleep(0.05)
        process.kill()
        raise SystemExit(f"{name}: no new checkpoint after step {before} before the run ended")


def compare(left: list[dict[str, float]], right: list[dict[str, float]]) -> dict[str, float]:
    """Mean over epochs of |left - right| for every metric both histories logged every epoch."""
    keys = [k for k in left[0] if k not in NOT_COMPARED and all(k in row for row in left + right)]
    return {k: sum(abs(a[k] - b[k]) for a, b in zip(left, right, strict=True)) / len(left) for k in keys
            if all(math.isfinite(row[k]) for row in left + right) and not k.startswith("lr/")
            and len({row[k] for row in left + right}) > 1}  # a constant (a schedule's value) says nothing


def throughput(bench: Bench, gpus: int) -> dict[str, Any]:
    args, rates = bench.args, {}
    for processes in (1, gpus):
        params = bench.params(f"speed{processes}", args.per_gpu_batch * processes, args.epochs, args.seed)
        summary = bench.train(f"speed{processes}", processes, params)["summary"]
        rates[processes] = summary["images_per_second_after_first_epoch"]
    return {"per_gpu_batch": args.per_gpu_batch, "images_per_second": rates,
            "scaling": rates[gpus] / rates[1]}


def parity(bench: Bench, gpus: int) -> dict[str, Any]:
    args = bench.args
    batch = args.per_gpu_batch * gpus
    runs = {}
    for name, processes, seed in (("one", 1, args.seed), ("many", gpus, args.seed),
                                  ("other-seed", 1, args.seed + 1)):
        params = bench.params(f"parity-{name}", batch, args.epochs, seed)
        runs[name] = bench.train(f"parity-{name}", processes, params)
    one, many, other = (runs[k]["history"] for k in ("one", "many", "other-seed"))
    steps = [(row["epoch"], row["step"]) for row in one]
    world, seeds = compare(one, many), compare(one, other)
    return {
        "global_batch": batch,
        "same_epochs_and_steps": steps == [(row["epoch"], row["step"]) for row in many],
        "same_learning_rates": all(a.get(k) == b.get(k) for a, b in zip(one, many, strict=True)
                                   for k in a if k.startswith("lr/")),
        "mean_abs_difference": {"processes": world, "seed": seeds},
        "ratio_to_seed_difference": {k: world[k] / seeds[k] for k in world if k in seeds and seeds[k] > 0},
        "histories": {k: runs[k]["history"] for k in runs},
    }


def resume(bench: Bench, gpus: int, reference: list[dict[str, float]]) -> dict[str, Any]:
    args = bench.args
    batch = args.per_gpu_batch * gpus
    params = bench.params("resume", batch, args.epochs, args.seed)  # the parity run's, saving more often
    every = max(1, bench.steps_per_epoch(batch) * args.epochs // 5)
    every = ("--bind", f"TrainOptions.checkpoint_every = {every}")
    legs: list[dict[str, Any]] = []
    started = 0
    for processes in (gpus, 1):
        resuming = ("--resume", "auto") if legs else ()
        stopped = bench.killed_after_new_checkpoint("resume", processes, params, *every, *resuming)
        legs.append({"processes": processes, "from_step": started, "killed_after_checkpoint": stopped})
        started = stopped
    final = bench.train("resume", gpus, params, *every, "--resume", "auto")
    legs.append({"processes": gpus, "from_step": started, "finished_at": final["summary"]["steps"]})
    history = final["history"]
    return {
        "global_batch": batch,
        "legs": [{**leg, "images_at_start": leg["from_step"] * batch} for leg in legs],
        "same_epochs_and_steps_as_uninterrupted": [(r["epoch"], r["step"]) for r in history]
        == [(r["epoch"], r["step"]) for r in reference],
        "final_steps": final["summary"]["steps"],
        "final_epochs": final["summary"]["epochs"],
    }


def markdown(result: dict[str, Any]) -> str:
    speed, match, legs = result["throughput"], result["parity"], result["resume"]
    rates = speed["images_per_second"]
    lines = [f"{result['device']}, torch {result['torch']}, {result['experiment']}, {result['sizes']}, "
             f"{result['epochs']} epochs, seed {result['seed']}",
             "", "| processes | batch | images/s after epoch 1 |", "|---|---|---|"]
    lines += [f"| {p} | {speed['per_gpu_batch'] * int(p)} | {rate:.1f} |" for p, rate in rates.items()]
    lines += ["", f"scaling at the same per-GPU batch: {speed['scaling']:.2f}x", "",
              f"parity at global batch {match['global_batch']}: same epochs/steps "
              f"{match['same_epochs_and_steps']}, same learning rates {match['same_learning_rates']}", "",
              "| metric | mean abs diff, N vs 1 process | mean abs diff, seed vs seed+1 | ratio |",
              "|---|---|---|---|"]
    differences = match["mean_abs_difference"]
    for key, value in differences["processes"].items():
        seed = differences["seed"].get(key, float("nan"))
        lines.append(f"| {key} | {value:.4g} | {seed:.4g} | {value / seed if seed else float('nan'):.2f} |")
    lines += ["", "| leg | processes | from step | images at start | stopped |", "|---|---|---|---|---|"]
    for number, leg in enumerate(legs["legs"], 1):
        end = leg.get("killed_after_checkpoint", f"finished at {leg.get('finished_at')}")
        row = [number, leg["processes"], leg["from_step"], leg["images_at_start"], end]
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    lines.append(f"\nresumed run matches the uninterrupted one in epochs/steps: "
                 f"{legs['same_epochs_and_steps_as_uninterrupted']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpus", type=int, default=2, help="processes of the multi-process runs")
    parser.add_argument("--experiment", type=Path, default=REPO / "experiments" / "fixed.gin")
    parser.add_argument("--params", type=Path, default=None, help="base params.yaml (default: the repo's)")
    parser.add_argument("--data", type=Path, default=None, help="prepared data (default: prepare synthetic)")
    parser.add_argument("--profile", default="full")
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--count", type=int, default=8192)
    parser.add_argument("--per-gpu-batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="bind TrainOptions.device (cpu: gloo)")
    parser.add_argument("--bind", action="append", default=[], help="extra gin binding for every run")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per run")
    parser.add_argument("--out", type=Path, default=None, help="write result.json and result.md here")
    parser.add_argument("--work", type=Path, default=None, help="runs go here (default: a new temp dir)")
    args = parser.parse_args(argv)

    import torch

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-multi-gpu-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args, work)
    if args.data is None:
        params = bench.params("prepare", args.per_gpu_batch, args.epochs, args.seed)
        subprocess.run([sys.executable, "-m", "ukiyoe", "prepare", "--params", str(params), "--out",
                        str(bench.data)], cwd=REPO, env=bench.env, check=True)
    on_gpu = torch.cuda.is_available() and args.device in (None, "cuda")
    result: dict[str, Any] = {
        "device": torch.cuda.get_device_name(0) if on_gpu else "CPU (gloo)",
        "torch": torch.__version__, "gpus": args.gpus, "experiment": str(args.experiment),
        "sizes": bench.sizes(), "epochs": args.epochs, "seed": args.seed,
        "nccl_env": {k: bench.env[k] for k in NCCL_SAFE},
    }
    result["throughput"] = throughput(bench, args.gpus)
    result["parity"] = parity(bench, args.gpus)
    result["resume"] = resume(bench, args.gpus, result["parity"]["histories"]["many"])
    text = markdown(result)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "result.json").write_text(json.dumps(result, indent=2))
        (args.out / "result.md").write_text(text + "\n")
    return result


if __name__ == "__main__":
    main()
