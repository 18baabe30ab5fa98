"""``ukiyoe plots``: DVC's training-curve plots rendered offline with pinned, verified Vega libraries."""
