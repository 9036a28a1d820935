"""A dbt process started ahead of its build, so that a run does not wait for dbt's imports.

Every `carbon-dbt` process spends its first seconds importing dbt-core, its adapter and their libraries
(4.3-4.5 s on the 2-core machine of 2026-12-07, before it reads a file of the project), and a run starts
two: the main build and the data quality scorecard's. `carbon run` therefore starts each one early, as a
*warm* process that imports dbt and then waits on a Unix socket while the run does something else on the
other core (the extraction before the main build, the plan's GX checks before the scorecard's build).

When dagster-dbt then starts `carbon-dbt` for a build, the launcher (pipelines/lib/dbt_launcher.py with
pipelines/lib/dbt_handover.py) hands the build to the waiting process instead of importing dbt itself: it
sends its arguments, environment and working folder, and its standard input, output and error (the file
descriptors, over the socket), and waits for the exit code. The warm process runs dbt's own command line with them, exactly as
the launcher would have, writing into the very pipe dagster-dbt reads. A warm process builds once and
exits.

- Nothing is shared but the imports: the arguments, the environment (the warehouse path, the vars), the
  folder and the saved parse are the build's own, as without a warm process.
- When no warm process is there, or it does not answer, the launcher runs dbt itself (the usual way, and
  the way of any build outside `carbon run`: `carbon docs`, the tests' own builds, `carbon ui`).
- A stop reaches both: the launcher passes SIGTERM / SIGINT on to the warm process, and the warm process
  stops as soon as the launcher is gone (kill -9 included), so dbt never outlives the step that started it
  with the warehouse locked. A waiting process that nobody asked for exits when `carbon run` ends, or when
  its parent is gone.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from pipelines.lib import shutdown
from pipelines.lib.dbt_handover import (
    ENV_SOCKET,
    HANDSHAKE_TIMEOUT_SECONDS,
    STARTED_WARM,
    frame,
    receive,
    send,
)

ACCEPT_POLL_SECONDS = 0.5  # how often a waiting process checks that its parent is still there
# Unix sockets that carry file descriptors (Linux, macOS); elsewhere every build starts its own dbt
SUPPORTED = os.name == "posix" and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")


def _imports() -> None:
    """What every dbt build imports (measured: the bulk of a `carbon-dbt` process's first seconds)."""
    import dbt.adapters.duckdb  # noqa: F401
    import dbt.cli.main  # noqa: F401
    import dbt.parser.manifest  # noqa: F401
    import dbt.task.build  # noqa: F401


# ----------------------------------------------------------------------------------- the warm process


def serve(listening: int, parent: int) -> int:
    """Import dbt, then run the one build a launcher hands over on the socket ``listening`` (a descriptor
    the parent made and listens on: a launcher arriving during the imports waits in its backlog); 0 when
    nobody came before the parent ``parent`` ended."""
    server = socket.socket(fileno=listening)
    from pipelines.lib import dbt_launcher

    dbt_launcher.patch()
    _imports()
    server.settimeout(ACCEPT_POLL_SECONDS)
    while True:
        try:
            conn, _ = server.accept()
            break
        except TimeoutError:
            if os.getppid() != parent:  # `carbon run` is gone: nobody will come
                return 0
    server.close()
    conn.settimeout(None)
    try:
        request, fds = receive(conn, with_fds=True)
        send(conn, {"pid": os.getpid()})
        conn.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        receive(conn)  # the launcher's go: it may have given up waiting and run dbt itself
    except (OSError, ConnectionError, ValueError):
        return 0
    # The socket moves to the highest descriptor this process may hold, and stays open until the process
    # ends: the kernel closes a dying process's descriptors in ascending order, so the launcher, which
    # waits for the socket to close, sees it only after dbt's warehouse file (opened later, on a lower
    # descriptor) is closed and its lock released, as when dbt ran in the launcher's own process.
    channel = _highest_descriptor()
    conn.setblocking(True)  # a socket timeout is O_NONBLOCK on the descriptor, which the copy shares
    os.dup2(conn.fileno(), channel)
    conn.close()
    # The launcher gone (killed, or stopped) before the build ends: stop at once, as its dbt would have.
    threading.Thread(target=_exit_when_closed, args=(channel,), daemon=True).start()
    sys.stdout.flush()
    sys.stderr.flush()
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = request["argv"]
    print(STARTED_WARM, flush=True)
    code = dbt_launcher.run_dbt()
    sys.stdout.flush()
    sys.stderr.flush()
    with contextlib.suppress(OSError):  # the launcher may be gone (then this process ends at once)
        os.write(channel, frame({"exit": code}))
    return code  # the process ends: dbt's connections close, then the channel


def _highest_descriptor() -> int:
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return min(soft, 4096) - 1


def _exit_when_closed(channel: int) -> None:
    try:
        while os.read(channel, 1):
            pass
    except OSError:
        pass
    os._exit(143)  # no cleanup: the launcher that owned the build is gone


# ----------------------------------------------------------------------------------- `carbon run`'s side


class WarmDbt:
    """The warm dbt processes of one `carbon run`: one waiting at a time (:meth:`prepare`), given to the
    next build through the environment (:meth:`handoff`), and stopped at the end (:meth:`close`)."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="carbon-dbt-warm-"))
        self._waiting: tuple[subprocess.Popen, str] | None = None
        self._started: list[subprocess.Popen] = []
        self._count = 0

    def prepare(self) -> None:
        """Start a warm process unless one is waiting already."""
        if not SUPPORTED or (self._waiting is not None and self._waiting[0].poll() is None):
            return
        self._count += 1
        path = str(self._dir / f"dbt{self._count}.sock")
        # The socket listens before the process starts: a build may connect at once, and waits for dbt's
        # imports in the backlog.
        listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listening.bind(path)
        listening.listen(1)
        try:
            proc = subprocess.Popen(
                # -P: not the working folder first on the import path (it becomes the build's folder)
                [sys.executable, "-P", "-m", "pipelines.lib.dbt_warm", str(listening.fileno()), str(os.getpid())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=[listening.fileno()],
            )  # fmt: skip
        finally:
            listening.close()  # the warm process holds it now (the path goes in close())
        self._waiting = (proc, path)
        self._started.append(proc)

    @contextlib.contextmanager
    def handoff(self):
        """Around the start of a dbt build: the waiting warm process is this build's."""
        if self._waiting is None or self._waiting[0].poll() is not None:
            yield
            return
        proc, path = self._waiting
        self._waiting = None
        os.environ[ENV_SOCKET] = path
        try:
            yield
        finally:
            os.environ.pop(ENV_SOCKET, None)  # one build per warm process: it takes no other connection

    def close(self) -> None:
        """Stop the warm processes still waiting (a build that ran has ended with its step)."""
        for proc in self._started:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in self._started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for sock in self._dir.glob("*.sock"):
            sock.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self._dir.rmdir()


_ACTIVE: WarmDbt | None = None


@contextlib.contextmanager
def warm_builds():
    """For the length of a `carbon run`: dbt builds start from warm processes (:func:`prepare`)."""
    global _ACTIVE
    warm = WarmDbt()
    _ACTIVE = warm
    try:
        yield warm
    finally:
        _ACTIVE = None
        warm.close()


def prepare() -> None:
    """Start a warm dbt process for the run's next build (nothing outside :func:`warm_builds`)."""
    if _ACTIVE is not None:
        _ACTIVE.prepare()


@contextlib.contextmanager
def handoff():
    """Around the start of a dbt build: it goes to the waiting warm process, when there is one."""
    if _ACTIVE is None:
        yield
        return
    with _ACTIVE.handoff():
        yield


if __name__ == "__main__":
    # dbt has closed its warehouse connections; the channel closes with the process (pipelines/lib/shutdown.py)
    shutdown.exit_now(serve(int(sys.argv[1]), int(sys.argv[2])))
