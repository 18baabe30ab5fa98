"""Time one D, critic and G phase (forward + backward + optimizer step) of a compiled experiment.

Usage: python benchmarks/bench_models.py [--experiment experiments/fixed.gin] [--params params.yaml]
       [--batch-size 32] [--threads 2] [--device cpu] [--amp bf16] [--repeats 20]
Prints a JSON line: seconds per phase, and a demo-epoch estimate for 1024 images
(per D step: one D and one critic phase; one G phase per n_critic D steps, n_critic at epoch 1).
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from ukiyoe.config import activate, compile_experiment
from ukiyoe.configurables import CONFIGURABLE_MODULES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="experiments/fixed.gin")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--bind", action="append", default=[])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--amp", choices=["bf16"], default=None, help="bf16 autocast around each phase")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    activate(compile_experiment(args.experiment, args.params, args.bind), CONFIGURABLE_MODULES)

    from ukiyoe.gan.assemble import assemble

    torch.manual_seed(0)
    device = torch.device(args.device)
    experiment = assemble(lambda networks: networks.to(device), fused=device.type == "cuda")
    networks, optimizers, loss = experiment.networks, experiment.optimizers, experiment.loss
    resolution = networks.generator.resolution
    real = torch.rand(args.batch_size, 3, resolution, resolution, device=device) * 2 - 1
    steps = {"D": ["discriminator"], "critic": ["critic"], "G": ["generator", "nca"]}
    timings: dict[str, float] = {}
    for phase, names in steps.items():
        chosen = [optimizers[n] for n in names if n in optimizers]
        for repeat in range(args.repeats + 3):
            if repeat == 3:
                _sync(device)
                start = time.perf_counter()
            for optimizer in optimizers.values():
                optimizer.zero_grad(set_to_none=True)
            z = torch.randn(args.batch_size, networks.generator.z_dim, device=device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.amp == "bf16"):
                loss.accumulate_gradients(phase, real, z, epoch=1)
            for optimizer in chosen:
                optimizer.step()
        _sync(device)
        timings[phase] = (time.perf_counter() - start) / args.repeats
    d_steps = args.images // args.batch_size
    g_steps = d_steps / experiment.schedules.n_critic(1)
    epoch = d_steps * (timings["D"] + timings["critic"]) + g_steps * timings["G"]
    params = {name: sum(p.numel() for p in m.parameters()) for name, m in networks.modules().items()}
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(json.dumps({"experiment": args.experiment, "device": name, "threads": args.threads, "amp": args.amp,
                      "batch_size": args.batch_size, "resolution": resolution, "parameters": params,
                      "seconds_per_phase": {k: round(v, 4) for k, v in timings.items()},
                      "epoch_seconds_estimate": round(epoch, 2), "torch": torch.__version__}))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


if __name__ == "__main__":
    main()
