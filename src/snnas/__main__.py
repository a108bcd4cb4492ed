"""``python -m snnas`` runs the command line."""

from snnas.cli import main

raise SystemExit(main())
