"""Fixtures for tests over HTTP against Saleor served by uwsgi, as deployed."""

import pytest
from django.db import connection

from helpers.concurrency import all_at_once, in_parallel
from helpers.servers import SaleorServer, database_url


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


@pytest.fixture
def race():
    return all_at_once


@pytest.fixture
def parallel():
    return in_parallel
