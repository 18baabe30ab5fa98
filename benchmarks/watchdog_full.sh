#!/usr/bin/env bash
# The collapse watchdog at GPU scale: trains the collapsed baseline and the fixed experiment at the full
# profile side by side on one GPU and prints each side's watchdog detection epoch (the first collapse event)
# and events. Expected: the collapsed side fires well before its last epoch; the fixed side stays quiet.
# Usage: [SEED=N] benchmarks/watchdog_full.sh OUT_DIR [EPOCHS] [COUNT]
set -euo pipefail
out=${1:?usage: benchmarks/watchdog_full.sh OUT_DIR [EPOCHS] [COUNT]}
epochs=${2:-300}
count=${3:-1024}
seed=${SEED:-0}
python=${PYTHON:-python3}
mkdir -p "$out"
$python "$(dirname "$0")/write_params.py" "$out/params.yaml" --seed "$seed" --profile full \
  --epochs "$epochs" --batch-size 64 --resolution 32 --source synthetic --count "$count"
export UKIYOE_RUNS_DIR="$out/sacred"
$python -m ukiyoe prepare --params "$out/params.yaml" --out "$out/prepared"
started=$(date +%s)
for side in collapsed fixed; do
  $python -m ukiyoe train --config "experiments/$side.gin" --params "$out/params.yaml" \
    --data "$out/prepared" --out "$out/checkpoints/$side" --metrics "$out/metrics/$side" \
    > "$out/train-$side.log" 2>&1 &
done
status=0
wait -n || status=$?
wait -n || status=$?
echo "both sides trained in $(( $(date +%s) - started )) s (exit status $status)"
for side in collapsed fixed; do
  $python - "$out/metrics/$side/summary.json" "$side" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]}: detection epoch {summary.get('watchdog_detection_epoch')} of {summary.get('epoch')}; "
      f"{summary.get('watchdog_events')} event(s); rollbacks {summary.get('rollbacks')}")
PY
  grep "^watchdog:" "$out/train-$side.log" | head -n 5 || true
done
exit "$status"
