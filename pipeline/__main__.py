"""Entry point so that `python -m pipeline ...` works from the repository root."""

import sys

from pipeline.cli.main import main

sys.exit(main())
