"""Fixtures for tests over HTTP against Saleor served by uwsgi, as deployed."""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Sequence, TypeVar

import pytest
from django.db import connection

from helpers.servers import SaleorServer, database_url

T = TypeVar("T")


@pytest.fixture(scope="module")
def saleor_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """Saleor + O2O under uwsgi (master, 4 processes x 2 threads) on the test database.

    Started once per module; tests write their data in committed transactions
    (``transactional_db``), which the server's processes see. Saleor's site
    settings exist before the workers first read (and cache) the current site.
    """
    from django.contrib.sites.models import Site
    from saleor.site.models import SiteSettings

    with django_db_blocker.unblock():
        Site.objects.clear_cache()
        SiteSettings.objects.get_or_create(site=Site.objects.get_current())
    server = SaleorServer(
        tmp_path_factory.mktemp("uwsgi"),
        database=database_url(connection.settings_dict),
        processes=4,
        threads=2,
        # Saleor checks cart stock against the request's country (GeoIP, then this).
        env={"DEFAULT_COUNTRY": "FR"},
    )
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def all_at_once(calls: Sequence[Callable[[], T]], *, workers: int = 0) -> List[T]:
    """Run the calls on `workers` threads (one per call by default), the first of
    them released together; return their results in order."""
    workers = min(workers or len(calls), len(calls))
    barrier = threading.Barrier(workers)

    def run(index: int):
        if index < workers:
            barrier.wait(timeout=60)
        return calls[index]()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(len(calls))))


def in_parallel(calls: Sequence[Callable[[], T]], *, workers: int = 8) -> List[T]:
    """Run the calls on a few threads (set-up work); return their results in order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: call(), calls))


@pytest.fixture
def race():
    return all_at_once


@pytest.fixture
def parallel():
    return in_parallel
