"""The limits' settings: defaults, changes, switching off, and bad values named."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from saleor_o2o.core import limits


def test_defaults_without_settings():
    assert limits.query_limits() == limits.QueryLimits(
        max_length=50_000,
        max_selections=500,
        max_depth=15,
        max_aliases=30,
        max_cost=100_000,
        list_size=2,
        max_batch=10,
    )
    assert limits.document_cache_bytes() == 64 * 1024 * 1024
    assert limits.geocoding_places_per_request() == 1
    assert limits.geocoding_max_wait_seconds() == 3.0


@override_settings(
    O2O_QUERY_MAX_DEPTH=8, O2O_QUERY_MAX_COST=None, O2O_GEOCODING_MAX_WAIT_SECONDS=0
)
def test_settings_change_and_switch_off_limits():
    assert limits.query_limits().max_depth == 8
    assert limits.query_limits().max_cost is None
    assert limits.geocoding_max_wait_seconds() == 0.0


@pytest.mark.parametrize(
    "name, value",
    [
        ("O2O_QUERY_MAX_DEPTH", 0),
        ("O2O_QUERY_MAX_ALIASES", "30"),
        ("O2O_QUERY_MAX_COST", True),
        ("O2O_QUERY_LIST_SIZE", None),
        ("O2O_DOCUMENT_CACHE_BYTES", -1),
        ("O2O_GEOCODING_PLACES_PER_REQUEST", 1.5),
        ("O2O_GEOCODING_MAX_WAIT_SECONDS", -1),
        ("O2O_GEOCODING_MAX_WAIT_SECONDS", float("inf")),
    ],
)
def test_bad_settings_are_named(name, value):
    readers = [
        limits.query_limits,
        limits.document_cache_bytes,
        limits.geocoding_places_per_request,
        limits.geocoding_max_wait_seconds,
    ]
    with override_settings(**{name: value}):
        with pytest.raises(ImproperlyConfigured) as raised:
            for read in readers:
                read()
    assert name in str(raised.value)
