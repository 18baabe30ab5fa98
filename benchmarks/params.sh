# Sourced by the benchmark scripts: writes the params.yaml of a benchmark run (params.yaml's learning rates,
# the run's seed, profile, sizes and data source).
# write_params FILE SEED PROFILE EPOCHS BATCH_SIZE RESOLUTION SOURCE COUNT [DATA_PATH]
write_params() {
  cat > "$1" <<YAML
seed: $2
profile: $3
gen_lr: 5.0e-05
disc_lr: 2.0e-04
nca_lr: 2.0e-05
transformer_lr: 1.0e-04
epochs: $4
batch_size: $5
resolution: $6
data:
  source: $7
  count: $8
YAML
  if [ -n "${9:-}" ]; then echo "  path: $9" >> "$1"; fi
}
