"""``python -m deepstep`` runs the ``deepstep`` command."""

import sys

from .cli import main

sys.exit(main())
