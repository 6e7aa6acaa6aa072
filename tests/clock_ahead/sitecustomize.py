"""Moves the wall clock ahead in every Python process of a test run with
``TEST_CLOCK_AHEAD_DAYS`` set.

``tests/conftest.py`` puts this folder first on ``PYTHONPATH``, so Python imports this
module at start-up in the suite's own process and in every bot, ``ingest`` or ``check``
process a test starts: they all live the same days ahead (time-machine moves
``datetime.now``, ``date.today`` and ``time.time``; monotonic time is left alone).
"""

import os

_ahead = os.environ.get("TEST_CLOCK_AHEAD_DAYS")
if _ahead:
    from datetime import UTC, datetime, timedelta

    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(days=int(_ahead)), tick=True).start()
