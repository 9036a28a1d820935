"""How `carbon` and `carbon-dbt` processes end: as Python's own shutdown, less its last step.

Python ends a process by waiting for its threads, running the exit handlers (``atexit``, weakref
finalizers: temporary folders, loggers), then tearing its modules down, which frees every object and
traces the heap for reference cycles several times over. After a `carbon run` (Dagster, GX, pandas,
polars: about 600,000 objects) or a dbt build (the manifest and every node's context) that last step
took 2-4 s, idle for everything else: dagster-dbt waits for the dbt process to end before the next
step starts, a script waits for `carbon` to return. :func:`exit_now` does the first steps as Python
does and then leaves the memory to the operating system. Files and the warehouse are closed before
(every DuckDB connection of the pipeline is closed by its ``with`` block; dbt closes its own at the
end of its run); file locks and descriptors are released by the exit itself, as before.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def exit_code(code: object) -> int:
    """A process exit status from what ``sys.exit`` would take."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def exit_now(code: object) -> NoReturn:
    """End the process with ``code`` after its threads, exit handlers and standard streams are done."""
    status = exit_code(code)
    if threading.current_thread() is threading.main_thread() and hasattr(threading, "_shutdown"):
        # what Python's shutdown calls first: the threading exit hooks (an idle ThreadPoolExecutor's
        # workers are told to stop there), then a join of every thread that is not a daemon
        threading._shutdown()
    else:
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)
