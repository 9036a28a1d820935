"""Progress lines for long steps, on stderr so that stdout stays for results."""

from __future__ import annotations

import sys
import time

_START = time.monotonic()
QUIET = False


def say(message: str) -> None:
    if not QUIET:
        elapsed = time.monotonic() - _START
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)
