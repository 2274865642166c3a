"""The suite's root: fixtures are loaded per concept from ``fixtures/``, as in Saleor.

There is deliberately no ``tests/__init__.py`` and no root ``conftest.py``: either
would put the repository root on ``sys.path``, where the top-level ``graphql/`` folder
hides the graphql-core library (see README, "Layout"). ``tests/`` itself is on the
path (setup.cfg), which makes ``fixtures`` and ``helpers`` importable.
"""

import pytest
from django.core.cache import cache

# Before anything imports them: failed asserts in helpers say what they compared.
pytest.register_assert_rewrite("helpers")

pytest_plugins = [
    "fixtures.accounts",
    "fixtures.appointment_desk",
    "fixtures.browser",
    "fixtures.core",
    "fixtures.events",
    "fixtures.local_delivery",
    "fixtures.offer",
    "fixtures.pickup",
    "fixtures.products",
    "fixtures.store",
    "fixtures.try_on",
    "fixtures.visits",
    "fixtures.webhook",
]


def pytest_configure(config):
    # An error code a mutation's enum lacks fails the test instead of answering INVALID.
    from django.conf import settings

    settings.O2O_ERROR_CODES_STRICT = True


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
