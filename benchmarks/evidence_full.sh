#!/usr/bin/env bash
# Before/after evidence at GPU scale: the full profile (the seed's 100/200/250-epoch schedule, real widths)
# trains the collapsed baseline and the fixed experiment side by side on one GPU, then diagnoses and compares.
# Usage: benchmarks/evidence_full.sh OUT_DIR [EPOCHS] [COUNT]
set -euo pipefail
out=${1:?usage: benchmarks/evidence_full.sh OUT_DIR [EPOCHS] [COUNT]}
epochs=${2:-300}
count=${3:-1024}
work=$(mktemp -d)
python=${PYTHON:-python3}
mkdir -p "$out"
$python "$(dirname "$0")/write_params.py" "$work/params.yaml" --seed 0 --profile "${PROFILE:-full}" \
  --epochs "$epochs" --batch-size 64 --resolution 32 --source synthetic --count "$count"
export UKIYOE_RUNS_DIR="$work/sacred"
$python -m ukiyoe prepare --params "$work/params.yaml" --out "$work/prepared"
for side in collapsed fixed; do
  $python -m ukiyoe train --config "experiments/$side.gin" --params "$work/params.yaml" \
    --data "$work/prepared" --out "$work/checkpoints/$side" --metrics "$work/metrics/$side" \
    > "$work/train-$side.log" 2>&1 &
done
status=0
wait -n || status=$?
wait -n || status=$?
tail -n 3 "$work"/train-*.log
for side in collapsed fixed; do
  $python -m ukiyoe diagnose --checkpoint "$work/checkpoints/$side" --data "$work/prepared" \
    --out "$work/reports/$side" --train-metrics "$work/metrics/$side"
done
$python -m ukiyoe compare --before "$work/reports/collapsed" --after "$work/reports/fixed" \
  --out "$work/reports/compare"
cp "$work/reports/compare/report.md" "$work/reports/compare/report.html" "$out/"
tar -C "$work" -czf "$out/evidence.tar.gz" reports metrics train-collapsed.log train-fixed.log params.yaml
exit "$status"
