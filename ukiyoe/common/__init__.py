"""One home per convention, below every layer: errors, files (atomic writes, hashes, JSON, git), images
(pixels, grids), history.csv, params.yaml, declared parameter ranges. Nothing here imports a layer."""
