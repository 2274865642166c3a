"""scripts/servers.sh, which runs the demo's servers: an intended stop is no crash.

A small script starts stand-in servers with it, as run-demo.sh starts uwsgi, Celery
and the webhook receiver, and is stopped as a person stops it: Ctrl-C in a terminal
sends SIGINT to every process of the terminal's foreground process group.
"""

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SERVERS_SH = Path(__file__).resolve().parent.parent / "scripts" / "servers.sh"

#: Exits with status 1 on SIGINT or SIGTERM, as uwsgi's master does on SIGINT: the
#: demo used to report that as a crash after a Ctrl-C.
EXITS_1_ON_SIGNALS = (
    "import signal, sys, time\n"
    "for s in (signal.SIGINT, signal.SIGTERM):\n"
    "    signal.signal(s, lambda *_: sys.exit(1))\n"
    "print('serving', flush=True)\n"
    "while True:\n"
    "    time.sleep(0.1)\n"
)
#: Takes no notice of SIGTERM (a server stuck while stopping).
IGNORES_TERM = (
    "import signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "while True:\n"
    "    time.sleep(0.1)\n"
)

SCRIPT = """
set -euo pipefail
step() {{ echo "==> $*"; }}
source "{servers}"
servers_signals_reset "$@"
SERVERS_GRACE_SECONDS=2
trap servers_interrupted INT TERM HUP
trap servers_stop EXIT
{starts}
echo "pids ${{SERVER_PIDS[*]}}"
servers_watch
"""


def start(tmp_path: Path, servers: dict, *, sigint_ignored=False) -> "Demo":
    starts = "\n".join(
        f'server_start "{name}" "{tmp_path}/{index}.log" "{tmp_path}" {command}'
        for index, (name, command) in enumerate(servers.items())
    )
    script = tmp_path / "demo.sh"
    script.write_text(SCRIPT.format(servers=SERVERS_SH, starts=starts))
    process = subprocess.Popen(
        ["bash", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Its own process group, as a terminal gives it.
        # As a non-interactive shell starts a command in the background.
        preexec_fn=(
            (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
            if sigint_ignored
            else None
        ),
    )
    first = process.stdout.readline()
    assert first.startswith("pids "), first + process.stdout.read()
    return Demo(process, [int(pid) for pid in first.split()[1:]])


class Demo:
    def __init__(self, process: subprocess.Popen, server_pids):
        self.process = process
        self.server_pids = server_pids

    def ctrl_c(self) -> None:
        """Do what a Ctrl-C in the terminal does: SIGINT to the process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def finish(self, timeout: float = 20) -> str:
        output, _ = self.process.communicate(timeout=timeout)
        return output

    def servers_running(self):
        running = []
        for pid in self.server_pids:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            running.append(pid)
        return running


def python(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


@pytest.fixture
def stand_ins(tmp_path):
    started = []

    def run(servers: dict, **options) -> Demo:
        demo = start(tmp_path, servers, **options)
        started.append(demo)
        time.sleep(0.5)  # Let the stand-ins install their signal handlers.
        return demo

    yield run
    for demo in started:  # Whatever a failing test left behind.
        for pid in demo.server_pids:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if demo.process.poll() is None:
            os.killpg(demo.process.pid, signal.SIGKILL)
            demo.process.wait()


def test_ctrl_c_stops_every_server_without_reporting_a_crash(stand_ins):
    demo = stand_ins({"uwsgi-like": python(EXITS_1_ON_SIGNALS), "sleeper": "sleep 600"})

    demo.ctrl_c()
    output = demo.finish()

    assert demo.process.returncode == 0, output
    assert "Stopped." in output
    assert "unexpectedly" not in output
    assert demo.servers_running() == []


def test_ctrl_c_stops_a_demo_started_with_sigint_ignored(stand_ins):
    demo = stand_ins({"uwsgi-like": python(EXITS_1_ON_SIGNALS)}, sigint_ignored=True)

    demo.ctrl_c()
    output = demo.finish()

    assert demo.process.returncode == 0, output
    assert "Stopped." in output and "unexpectedly" not in output
    assert demo.servers_running() == []


def test_a_term_signal_is_an_intended_stop_too(stand_ins):
    demo = stand_ins({"sleeper": "sleep 600"})

    demo.process.terminate()
    output = demo.finish()

    assert demo.process.returncode == 0, output
    assert "Stopped." in output and "unexpectedly" not in output


def test_a_server_deaf_to_term_is_killed_after_the_grace_period(stand_ins):
    demo = stand_ins({"stuck": python(IGNORES_TERM)})

    started = time.monotonic()
    demo.ctrl_c()
    output = demo.finish()

    assert demo.process.returncode == 0, output
    assert 1.5 < time.monotonic() - started < 10
    assert demo.servers_running() == []


def test_a_server_that_stops_by_itself_is_reported_with_its_log(stand_ins):
    demo = stand_ins(
        {
            "sleeper": "sleep 600",
            "crasher": "sh -c 'echo cannot bind the port >&2; sleep 1; exit 3'",
        }
    )

    output = demo.finish()

    assert demo.process.returncode == 3, output
    assert "The crasher stopped unexpectedly (status 3)." in output
    assert "    cannot bind the port" in output
    assert "Stopped." not in output
    assert demo.servers_running() == []


def test_a_server_that_stops_with_status_0_is_reported_too(stand_ins):
    demo = stand_ins({"quitter": "sh -c 'sleep 1; exit 0'"})

    output = demo.finish()

    assert demo.process.returncode == 1, output
    assert "The quitter stopped unexpectedly (status 0)." in output
