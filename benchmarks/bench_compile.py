"""Time ``ukiyoe config compile`` of the full experiment, against the floor set by importing torch.

Run from the repository root: ``.venv/bin/python benchmarks/bench_compile.py [--repeats N]``.
Each cold figure is a fresh Python process (median of N); the warm figure repeats the compile inside one
process after the configurable modules are imported, which is the compiler's own cost.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COLD = """
import json, sys, time
start = time.perf_counter()
from ukiyoe.config.registry import import_modules
from ukiyoe.configurables import CONFIGURABLE_MODULES
import_modules(CONFIGURABLE_MODULES)
imported = time.perf_counter()
from ukiyoe.config import compile_experiment
compile_experiment(sys.argv[1], sys.argv[2], out=sys.argv[3], modules=CONFIGURABLE_MODULES)
done = time.perf_counter()
print(json.dumps({"imports": imported - start, "compile": done - imported, "total": done - start}))
"""

TORCH = """
import json, time
start = time.perf_counter()
import torch
print(json.dumps({"torch": time.perf_counter() - start, "version": torch.__version__}))
"""


def run_python(code: str, *args: str, cwd: Path = ROOT) -> tuple[dict, float]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1]), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--experiment", default="experiments/fixed.gin")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout holding experiments/")
    args = parser.parse_args()

    torch_runs = [run_python(TORCH) for _ in range(args.repeats)]
    with tempfile.TemporaryDirectory() as out:
        cold_runs = [
            run_python(COLD, args.experiment, args.params, out, cwd=args.root) for _ in range(args.repeats)
        ]

    sys.path.insert(0, str(ROOT))
    from ukiyoe.config import compile_experiment
    from ukiyoe.config.registry import import_modules
    from ukiyoe.configurables import CONFIGURABLE_MODULES

    import_modules(CONFIGURABLE_MODULES)
    warm = []
    for _ in range(max(20, args.repeats)):
        start = time.perf_counter()
        compiled = compile_experiment(args.root / args.experiment, args.root / args.params,
                                      modules=CONFIGURABLE_MODULES)
        warm.append(time.perf_counter() - start)

    def median(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"torch {torch_runs[0][0]['version']}")
    print(f"bindings compiled: {len(compiled.flat)}")
    print(f"import torch (fresh process):                     {median([r['torch'] for r, _ in torch_runs])}")
    print(f"import configurable modules (fresh process):      {median([r['imports'] for r, _ in cold_runs])}")
    print(f"compile after imports (fresh process):            {median([r['compile'] for r, _ in cold_runs])}")
    print(f"compile incl. imports (fresh process):            {median([r['total'] for r, _ in cold_runs])}")
    print(f"python start + imports + compile (process wall):  {median([w for _, w in cold_runs])}")
    print(f"compile, modules already imported (in-process):   {median(warm)}")


if __name__ == "__main__":
    main()
