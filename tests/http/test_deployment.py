"""Served as Saleor's ``uwsgi.ini`` serves it, every answer is for the one who asked.

uwsgi's master imports ``saleor.wsgi`` (which sends a GET of ``/graphql/`` through
the application to warm it up) and then forks the workers, without ``lazy-apps``.
A database connection opened in the master before the fork would be shared by every
worker: answers then go to the wrong user.
"""

import pytest
from django.db import connection
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from helpers.servers import SaleorServer, database_url, wait_until
from helpers.storefront import HttpStorefront

pytestmark = [pytest.mark.slow]

ME = "{ me { email } }"
PROCESSES = 4
REQUESTS = 300


def database_clock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def server_sessions(server) -> set:
    """Return the backend IDs of the sessions opened on the test database since the
    server started (sessions of earlier tests' threads are not the server's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_start >= %s",
            [server.started_at],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def customers(transactional_db, site_settings):
    users = [
        User.objects.create_user(f"customer{n}@example.com", "password")
        for n in range(3)
    ]
    return [(user.email, get_token(user)) for user in users]


@pytest.fixture
def start_server(tmp_path):
    servers = []

    def start(**options) -> SaleorServer:
        started_at = database_clock()
        server = SaleorServer(
            tmp_path,
            database=database_url(connection.settings_dict),
            processes=PROCESSES,
            **options,
        )
        server.started_at = started_at
        servers.append(server)
        wait_until(
            lambda: server.workers_started(PROCESSES),
            timeout=60,
            what="uwsgi to fork its workers",
        )
        return server

    yield start
    for server in servers:
        server.stop()


def answers_as_asked(server, customers, race):
    """Send `REQUESTS` `me` queries at once, round-robin over the customers; return
    the (asked as, answered as) pairs."""
    storefronts = [
        (email, HttpStorefront(server.url, token)) for email, token in customers
    ]
    asked = [storefronts[n % len(storefronts)] for n in range(REQUESTS)]

    def ask(email, storefront):
        answer = storefront.post(ME)
        if answer.get("errors"):
            return email, "error: " + answer["errors"][0]["message"]
        return email, answer["data"]["me"]["email"]

    return race(
        [lambda email=email, sf=sf: ask(email, sf) for email, sf in asked], workers=48
    )


def test_the_warm_up_leaves_no_connection_to_share(start_server, customers, race):
    server = start_server()
    # The master has loaded and warmed up the application and forked its workers.
    assert server_sessions(server) == set()

    pairs = answers_as_asked(server.wait_ready(), customers, race)

    wrong = [pair for pair in pairs if pair[0] != pair[1]]
    assert not wrong, wrong[:10]


def test_a_connection_opened_before_the_fork_is_never_shared(
    start_server, customers, race
):
    """Whatever a merchant's code opens at import, workers use their own connections."""
    server = start_server(module="helpers.wsgi:application")
    masters = server_sessions(server)
    assert len(masters) == 1

    pairs = answers_as_asked(server.wait_ready(), customers, race)

    wrong = [pair for pair in pairs if pair[0] != pair[1]]
    assert not wrong, wrong[:10]
    # The workers opened sessions of their own and left the master's open.
    assert masters < server_sessions(server)
