"""Real processes for the tests: free ports, waiting, and Saleor served by uwsgi."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Optional

import requests

BIN = Path(sys.executable).parent
#: The folder put on the servers' PYTHONPATH, where `helpers` is a package.
TESTS_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(
    condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.1
) -> None:
    """Poll `condition` until it is true, or fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")


def database_url(settings_dict: dict) -> str:
    """Return a DATABASE_URL naming the database of Django `settings_dict`."""
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    return "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=settings_dict["USER"],
        password=password,
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        name=settings_dict["NAME"],
    )


def server_env(database: str, **extra: str) -> Dict[str, str]:
    """Return the environment of a server or worker process on `database`.

    Settings are the tests' (tests/helpers/settings.py), found on PYTHONPATH; no
    broker, so Celery runs tasks in the request as Saleor does without one.
    """
    env = dict(os.environ)
    for name in ("CELERY_BROKER_URL", "PYTHONPATH"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "helpers.settings",
            "PYTHONPATH": str(TESTS_DIR),
            "DATABASE_URL": database,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


class SaleorServer:
    """Saleor with the extension, served the way Saleor's own ``uwsgi.ini`` does.

    A uwsgi master imports ``saleor.wsgi`` (whose import warms the application up
    with a GET of ``/graphql/``) and then forks its worker processes: no
    ``lazy-apps``, so anything the master opened is inherited by every worker.
    """

    def __init__(
        self,
        directory: Path,
        *,
        database: str,
        processes: int = 3,
        threads: int = 1,
        module: str = "saleor.wsgi:application",
        env: Optional[Dict[str, str]] = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql/"
        self.log_path = directory / f"uwsgi-{self.port}.log"
        command = [
            str(BIN / "uwsgi"),
            "--http-socket",
            f"127.0.0.1:{self.port}",
            "--module",
            module,
            "--master",
            "--processes",
            str(processes),
            "--threads",
            str(threads),
            "--listen",
            "512",
            "--die-on-term",
            "--need-app",
            "--disable-logging",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=directory,  # Never the checkout root: its graphql/ would shadow.
                env=server_env(database, **(env or {})),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"uwsgi exited:\n{self.log()[-4000:]}")
        try:
            return (
                requests.post(
                    self.url, json={"query": "{ shop { name } }"}, timeout=5
                ).status_code
                == 200
            )
        except requests.RequestException:
            return False

    def wait_ready(self, timeout: float = 60) -> "SaleorServer":
        wait_until(self._answers, timeout=timeout, what="uwsgi to serve", every=0.2)
        return self

    def workers_started(self, count: int) -> bool:
        return self.log().count("spawned uWSGI worker") >= count

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=10)


class RedisServer:
    """A redis-server subprocess without persistence: a restart loses every message."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        assert self.process is None
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._pong, timeout=10, what="redis-server to answer PING")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        assert not self._pong()
