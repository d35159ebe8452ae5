"""``python -m stagetests`` runs the CLI."""

import sys

from stagetests.cli import main

sys.exit(main())
