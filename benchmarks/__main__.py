"""``python -m benchmarks``: see :mod:`benchmarks.run` and ``benchmarks/README.md``."""

from __future__ import annotations

import sys

from benchmarks.run import main

sys.exit(main())
