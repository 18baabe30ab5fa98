#!/usr/bin/env bash
# Real ukiyo-e print patches at 64 px: collapsed, fixed and modern trained side by side on one GPU for the
# same wall-clock budget (SIGTERM at the budget leaves a clean checkpoint), each diagnosed against patches of
# held-out prints, then compared with the collapsed baseline. The full profile's schedule is compressed to
# 30 epochs (n_critic switch after 10, critic isolated to 20, isolation period to 25, ramp 25-30).
# Usage: benchmarks/evidence_prints.sh OUT_DIR PRINTS_DIR [BUDGET_SECONDS] [COUNT]
set -euo pipefail
out=${1:?usage: benchmarks/evidence_prints.sh OUT_DIR PRINTS_DIR [BUDGET_SECONDS] [COUNT]}
prints=$(realpath "${2:?the folder of large prints, e.g. ../shared/data/ukiyoe_prints}")
budget=${3:-330}
count=${4:-4096}
python=${PYTHON:-python3}
work="$out/work"
mkdir -p "$work"
$python "$(dirname "$0")/write_params.py" "$work/params.yaml" --seed 0 --profile full --epochs 30 \
  --batch-size 64 --resolution 64 --source prints --count "$count" --path "$prints"
schedule=()
while read -r bind; do schedule+=(--bind "$bind"); done < <($python "$(dirname "$0")/compressed_schedule.py" 30)
export UKIYOE_RUNS_DIR="$work/sacred"
$python -m ukiyoe prepare --params "$work/params.yaml" --out "$work/prepared"
sides=(collapsed fixed modern)
for side in "${sides[@]}"; do
  timeout -s TERM "$budget" $python -m ukiyoe train --config "experiments/$side.gin" --params "$work/params.yaml" \
    --data "$work/prepared" --out "$work/checkpoints/$side" --metrics "$work/metrics/$side" "${schedule[@]}" \
    > "$work/train-$side.log" 2>&1 &
done
status=0
for _ in "${sides[@]}"; do wait -n || { code=$?; [ "$code" = 124 ] || [ "$code" = 143 ] || status=$code; }; done
for side in "${sides[@]}"; do
  $python -m ukiyoe diagnose --checkpoint "$work/checkpoints/$side" --data "$work/prepared" \
    --out "$work/reports/$side" --train-metrics "$work/metrics/$side"
done
for side in fixed modern; do
  $python -m ukiyoe compare --before "$work/reports/collapsed" --after "$work/reports/$side" \
    --out "$work/reports/compare-$side"
done
for side in "${sides[@]}"; do
  mkdir -p "$out/$side"
  cp "$work/reports/$side/metrics.json" "$work/reports/$side/samples.png" "$out/$side/"
done
cp "$work/reports/collapsed/real.png" "$out/real.png"
for side in fixed modern; do cp "$work/reports/compare-$side/report.md" "$out/compare-$side.md"; done
tar -C "$work" -czf "$out/evidence.tar.gz" reports metrics train-collapsed.log train-fixed.log train-modern.log \
  params.yaml
exit "$status"
