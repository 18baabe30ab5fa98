#!/usr/bin/env bash
# The CPU demo's budget (params.yaml as committed) for several experiments side by side: does any recipe make
# the demo's before and after differ? Each side is trained, then diagnosed with experiments/diagnose.gin.
# Usage: [EPOCHS=N] benchmarks/demo_variants.sh OUT_DIR [EXPERIMENT ...]   (default: collapsed fixed modern)
# EPOCHS overrides params.yaml's epochs (the demo's budget in passes over its images).
set -euo pipefail
out=${1:?usage: benchmarks/demo_variants.sh OUT_DIR [EXPERIMENT ...]}
shift
sides=("${@:-collapsed fixed modern}")
read -r -a sides <<< "${sides[*]}"
python=${PYTHON:-python3}
mkdir -p "$out"
cp params.yaml "$out/params.yaml"
if [ -n "${EPOCHS:-}" ]; then sed -i -E "s/^epochs: [0-9]+/epochs: $EPOCHS/" "$out/params.yaml"; fi
grep -E "^epochs:" "$out/params.yaml"
export UKIYOE_RUNS_DIR="$out/sacred"
started=$(date +%s)
$python -m ukiyoe prepare --params "$out/params.yaml" --out "$out/prepared"
for side in "${sides[@]}"; do
  $python -m ukiyoe train --config "experiments/$side.gin" --params "$out/params.yaml" --data "$out/prepared" \
    --out "$out/checkpoints/$side" --metrics "$out/metrics/$side" > "$out/train-$side.log" 2>&1 &
done
wait
echo "| experiment | collapse score | severity | coverage | precision | modes of 40 | mode KL |"
echo "|---|---|---|---|---|---|---|"
for side in "${sides[@]}"; do
  $python -m ukiyoe diagnose --checkpoint "$out/checkpoints/$side" --data "$out/prepared" \
    --options experiments/diagnose.gin --out "$out/reports/$side" --train-metrics "$out/metrics/$side" \
    > "$out/diagnose-$side.log" 2>&1
  $python - "$out/reports/$side/metrics.json" "$side" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {m['collapse_score']} | {m['severity']} | {m['coverage']:.3f} | {m['precision']:.3f} | "
      f"{m['modes_covered']} | {m['mode_kl']:.2f} |")
PY
done
echo "total $(( $(date +%s) - started )) s"
