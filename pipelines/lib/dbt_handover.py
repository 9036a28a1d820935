"""The launcher's side of handing a dbt build to a warm dbt process (pipelines/lib/dbt_warm.py), and the
few messages both sides exchange over the Unix socket: the build (arguments, environment, folder, and its
stdin, stdout and stderr as descriptors), the warm process's pid, the launcher's go, the exit code.
Standard library only: `carbon-dbt` imports this before it knows whether it will import dbt at all."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys

ENV_SOCKET = "CARBON_DBT_WARM"  # the socket of the warm process a build may hand itself to
CONNECT_TIMEOUT_SECONDS = 10.0
HANDSHAKE_TIMEOUT_SECONDS = 60.0  # a warm process still importing dbt answers when it is done
_MAX_MESSAGE = 1 << 20

# the line a build handed to a warm process starts with (in dbt_build.log beside the warehouse)
STARTED_WARM = "carbon-dbt: this build runs in a dbt process started ahead of it (pipelines/lib/dbt_warm.py)"


def frame(payload: dict) -> bytes:
    data = json.dumps(payload).encode("utf-8")
    return len(data).to_bytes(4, "big") + data


def send(sock: socket.socket, payload: dict, fds: list[int] | None = None) -> None:
    if fds:
        socket.send_fds(sock, [frame(payload)], fds)
    else:
        sock.sendall(frame(payload))


def receive(sock: socket.socket, with_fds: bool = False) -> tuple[dict, list[int]]:
    if with_fds:
        data, fds, _flags, _addr = socket.recv_fds(sock, _MAX_MESSAGE, 3)
    else:
        data, fds = sock.recv(_MAX_MESSAGE), []
    while True:
        if not data:
            raise ConnectionError("the other side closed the socket")
        if len(data) >= 4 and len(data) >= 4 + int.from_bytes(data[:4], "big"):
            return json.loads(data[4 : 4 + int.from_bytes(data[:4], "big")].decode("utf-8")), list(fds)
        more = sock.recv(_MAX_MESSAGE)
        if not more:
            raise ConnectionError("the other side closed the socket")
        data += more


def hand_over(path: str) -> int | None:
    """Run this `carbon-dbt` process's build in the warm process at ``path``: its exit code, or None when
    there is no warm process to take it (then nothing has been run)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT_SECONDS)
    try:
        sock.connect(path)
        env = {k: v for k, v in os.environ.items() if k != ENV_SOCKET}
        send(sock, {"argv": sys.argv, "env": env, "cwd": os.getcwd()}, [0, 1, 2])
        sock.settimeout(HANDSHAKE_TIMEOUT_SECONDS)  # a warm process still importing answers when done
        reply, _ = receive(sock)
        pid = int(reply["pid"])
    except (OSError, ConnectionError, ValueError, KeyError):
        sock.close()  # the warm process, if it answers later, finds nobody and runs nothing
        return None

    def forward(signum, frame):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    try:
        sock.settimeout(None)
        send(sock, {"go": True})
        result, _ = receive(sock)
        code = int(result["exit"])
    except (OSError, ConnectionError, ValueError, KeyError):
        sock.close()
        return 143  # the warm process ended with the build unfinished (stopped or killed)
    # the socket closes when the warm process has ended: its warehouse connection is closed by then
    with contextlib.suppress(OSError):
        while sock.recv(1 << 16):
            pass
    sock.close()
    return code
