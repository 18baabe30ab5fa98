#!/usr/bin/env bash
# Speed evidence on one GPU, in one command: the step profile, fast against eager side by side, the 200-step
# check, batch sizes, and the leave-one-out ablation's 11 runs at once (under MPS and time-sliced) against one
# eager process.
# Usage: benchmarks/evidence_speed.sh OUT_DIR   (PYTHON, RES, BATCH, COUNT override the defaults)
set -uo pipefail
out=${1:?usage: benchmarks/evidence_speed.sh OUT_DIR}
python=${PYTHON:-python3}
res=${RES:-64}
batch=${BATCH:-32}
count=${COUNT:-4096}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,memory.free,driver_version --format=csv | tee "$out/machine.txt"
$python -c "import torch, platform; print(torch.__version__, platform.python_version())" | tee -a "$out/machine.txt"
date -u | tee -a "$out/machine.txt"
$python benchmarks/profile_step.py --profile full --resolution "$res" --batch-size "$batch" \
  --json "$out/profile.json" 2>&1 | grep -v "^USDT\|^STAGE:" | tee "$out/profile.md"
$python benchmarks/bench_train.py --profile full --resolution "$res" --count "$count" --epochs 3 \
  --batch-sizes "$batch" --variants eager fast fast+compile fast+bf16+channels_last \
  2>&1 | tee "$out/train.md"
$python benchmarks/bench_fast_parts.py --resolution "$res" --batch-size "$batch" --epochs 2 60 \
  --json "$out/parts.json" 2>&1 | grep -v Warning | tee "$out/parts.md"
$python benchmarks/bench_train.py --profile full --resolution "$res" --count "$count" --epochs 3 \
  --batch-sizes 128 256 --variants fast 2>&1 | tee -a "$out/train.md"
$python benchmarks/check_fast.py --steps 200 --profile full --resolution "$res" --batch-size "$batch" --compile \
  --json "$out/check.json" 2>&1 | grep -v Warning | tee "$out/check.md"
$python benchmarks/bench_concurrent.py --profile full --resolution "$res" --batch-size "$batch" \
  --epochs 3 --count "$count" --mps --json "$out/concurrent-mps.json" 2>&1 | tee "$out/concurrent-mps.md"
$python benchmarks/bench_concurrent.py --profile full --resolution "$res" --batch-size "$batch" \
  --epochs 3 --count "$count" --skip-baseline --json "$out/concurrent.json" 2>&1 | tee "$out/concurrent.md"
