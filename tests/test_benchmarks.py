"""Every benchmark in bench/ runs in quick mode and prints its ratios.

The benchmarks are scripts nothing else runs, so a schema change could break one
unseen. Each ``bench/*.py`` (found by glob, so a new one is included; ``_*.py``
are helpers) runs here as a subprocess with ``--quick``, as its README says, from a
neutral directory. A benchmark that takes ``--database-url`` gets a database of its
own, cloned from one migrated for this run, named after the test database, and
dropped afterwards; one that takes ``--broker-url`` gets a redis-server of its own;
one that takes ``--explain`` prints its plans too. Each must exit with 0 and print
every line its ``RATIO_LINES`` describes.

Select them with ``-m slow``; they take about 70 s together on two idle cores.
"""

import ast
import os
import re
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, Optional, Tuple

import pytest

from helpers.servers import BIN, RedisServer, database_url

BENCH_DIR = Path(__file__).resolve().parents[1] / "bench"
BENCHMARKS = sorted(
    path for path in BENCH_DIR.glob("*.py") if not path.name.startswith("_")
)
#: Seconds one benchmark may take in quick mode (they take 5 to 20).
QUICK_TIMEOUT = 300
#: PostgreSQL cuts longer names short, and two cut names could be the same.
MAX_NAME_LENGTH = 63


def ratio_lines(script: Path) -> Tuple[str, ...]:
    """Return the benchmark's RATIO_LINES, read from its source (not imported)."""
    tree = ast.parse(script.read_text(), str(script))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "RATIO_LINES"
            for target in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    raise AssertionError(
        f"{script.name} declares no RATIO_LINES: the lines with its ratios, as"
        " regular expressions, which this test looks for in its output."
    )


def bench_env() -> dict:
    """The environment of a benchmark: its own settings, database and broker."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return env


def options(script: Path, directory: Path) -> str:
    """Return the benchmark's --help text."""
    result = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=directory,
        env=bench_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class BenchDatabases:
    """A database for each benchmark, cloned from a template migrated once."""

    def __init__(self, directory: Path):
        from django.conf import settings

        self.directory = directory
        self.settings_dict = dict(settings.DATABASES["default"])
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        base = self.settings_dict["NAME"] + (f"_{worker}" if worker else "")
        self.template = f"{base}_bench"
        #: Whether the template is migrated; the error if migrating it failed.
        self.migrated = False
        self.failure = ""

    def url(self, name: str) -> str:
        return database_url({**self.settings_dict, "NAME": name})

    def execute(self, statement: str) -> None:
        import psycopg2

        admin = psycopg2.connect(
            dbname="postgres",
            user=self.settings_dict["USER"],
            password=self.settings_dict["PASSWORD"] or None,
            host=self.settings_dict["HOST"] or "127.0.0.1",
            port=self.settings_dict["PORT"] or 5432,
        )
        try:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(statement)
        finally:
            admin.close()

    def create(self, name: str, template: Optional[str] = None) -> None:
        assert len(name) <= MAX_NAME_LENGTH, f"database name too long: {name}"
        self.drop(name)  # Left by a run that was killed.
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.execute(f'CREATE DATABASE "{name}"{suffix}')

    def drop(self, name: str) -> None:
        # FORCE: a server that a failed benchmark left running must not keep it.
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def migrate_template(self) -> None:
        """Create and migrate the template, once; fail as the first try did."""
        assert not self.failure, self.failure
        if self.migrated:
            return
        self.create(self.template)
        result = subprocess.run(
            [str(BIN / "django-admin"), "migrate", "--verbosity", "0"],
            cwd=self.directory,
            env={
                **bench_env(),
                "DJANGO_SETTINGS_MODULE": "saleor_o2o.sandbox.settings",
                "DATABASE_URL": self.url(self.template),
                "DEBUG": "False",
            },
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode:
            self.failure = "migrate failed:\n" + result.stdout + result.stderr
        assert not self.failure, self.failure
        self.migrated = True

    @contextmanager
    def clone(self, stem: str) -> Iterator[str]:
        """A migrated database for benchmark `stem`, dropped afterwards."""
        self.migrate_template()
        name = f"{self.template}_{stem}"
        self.create(name, template=self.template)
        try:
            yield self.url(name)
        finally:
            self.drop(name)


@pytest.fixture(scope="session")
def bench_databases(tmp_path_factory) -> Iterator[BenchDatabases]:
    databases = BenchDatabases(tmp_path_factory.mktemp("bench"))
    yield databases
    databases.drop(databases.template)


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A redis-server of the benchmark's own: other runs use the machine's Redis."""
    server = RedisServer(directory)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda path: path.stem)
def test_benchmark_runs_in_quick_mode(script, bench_databases, tmp_path):
    expected = ratio_lines(script)
    accepted = options(script, tmp_path)
    command = [sys.executable, str(script), "--quick"]
    with ExitStack() as stack:
        if "--database-url" in accepted:
            url = stack.enter_context(bench_databases.clone(script.stem))
            command += ["--database-url", url]
        if "--broker-url" in accepted:
            command += ["--broker-url", stack.enter_context(redis_server(tmp_path))]
        if "--explain" in accepted:
            command.append("--explain")
        result = subprocess.run(
            command,
            cwd=tmp_path,  # Never the checkout root: its graphql/ would shadow.
            env=bench_env(),
            capture_output=True,
            text=True,
            timeout=QUICK_TIMEOUT,
        )
    if result.returncode:
        output = f"{result.stdout}\n{result.stderr}"[-6000:]
        pytest.fail(
            f"{script.name} exited with {result.returncode}:\n{output}", pytrace=False
        )
    missing = [
        pattern
        for pattern in expected
        if not re.search(pattern, result.stdout, re.MULTILINE)
    ]
    if missing:
        pytest.fail(
            f"{script.name} printed no line like {missing}:\n{result.stdout[-6000:]}",
            pytrace=False,
        )
