"""``python -m ukiyoe`` (what ``torchrun -m ukiyoe train ...`` runs)."""

from ukiyoe.cli import main

raise SystemExit(main())
