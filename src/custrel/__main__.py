"""Run the command line with ``python -m custrel``."""

import sys

from custrel.cli import main

sys.exit(main())
