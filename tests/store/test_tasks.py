"""Background geocoding of store addresses: on commit, with retries, and by a worker.

Under tests Celery runs tasks eagerly (no broker is configured), so a task queued on
commit runs inline, its retries too; the last test runs a real worker on Redis.
"""

import threading
import time
from datetime import timedelta

import graphene
import pytest
from celery import signals
from django.db import connections
from django.utils import timezone
from saleor.plugins.models import PluginConfiguration

from saleor_o2o.core import settings as conf
from saleor_o2o.store import services as store_services
from saleor_o2o.store import tasks as store_tasks
from saleor_o2o.store.models import GeocodingStatus, Store

from helpers.api import assert_permission_denied, content
from helpers.broker import drop_broker_connections

#: What the fake server answers for make_store's default address, "1 Rue de Test".
RUE_DE_TEST = (48.8625, 2.3340)

STORE_CREATE = """
mutation StoreCreate($input: StoreCreateInput!) {
  storeCreate(input: $input) {
    store { id latitude longitude geocodingStatus geocodingError }
    storeErrors { field code message }
  }
}
"""

STORE_GEOCODE = """
mutation StoreGeocode($id: ID!) {
  storeGeocode(id: $id) {
    store { id latitude longitude geocodingStatus geocodingError }
    storeErrors { field code message }
  }
}
"""

STORE = """
query Store($id: ID!) {
  store(id: $id) { name latitude longitude geocodingStatus geocodingError }
}
"""

STORES_NEAR = """
query StoresNear($near: StoreNearInput!) {
  stores(first: 10, near: $near, radiusKm: 50) { edges { node { name } } }
}
"""


@pytest.fixture
def geocoder(o2o_active_with_geocoder):
    """The plugin active with the fake Nominatim server, which knows Rue de Test."""
    fake = o2o_active_with_geocoder
    fake.add("1 Rue de Test", *RUE_DE_TEST, "1 Rue de Test, Paris, France")
    return fake


@pytest.fixture
def store_manager(staff_api_client, permission_manage_products):
    staff_api_client.user.user_permissions.add(permission_manage_products)
    return staff_api_client


@pytest.fixture
def retry_delays(monkeypatch):
    """Record the countdowns the task asks `geocode_retry_delay` for."""
    asked = []
    geocode_retry_delay = store_tasks.geocode_retry_delay

    def delay(retries):
        asked.append(geocode_retry_delay(retries))
        return asked[-1]

    monkeypatch.setattr(store_tasks, "geocode_retry_delay", delay)
    return asked


def global_id(store):
    return graphene.Node.to_global_id("Store", store.pk)


def create_unlocated_store(store_factory, name="Rue de Test", **extra):
    """Create a store with an address but no coordinates, as staff would."""
    return store_factory(name, None, None, **extra)


# Queued on commit, geocoded by the task.


def test_store_created_through_the_api_is_geocoded(geocoder, store_manager, on_commit):
    store_input = {
        "name": "Rivoli",
        "address": {
            "streetAddress1": "1 Rue de Test",
            "city": "Paris",
            "postalCode": "75001",
            "country": "FR",
        },
    }

    with on_commit() as callbacks:
        response = store_manager.post_graphql(STORE_CREATE, {"input": store_input})
        created = content(response)["storeCreate"]

    assert created["storeErrors"] == []
    assert created["store"]["geocodingStatus"] == "PENDING"
    assert created["store"]["latitude"] is None
    assert len(callbacks) == 1
    store = Store.objects.get()
    assert (store.latitude, store.longitude) == RUE_DE_TEST
    assert store.geocoding_status == GeocodingStatus.SUCCEEDED
    assert store.geocoding_error == ""
    assert store.geocoding_attempts == 1
    assert store.geocoded_at is not None
    assert store.geocoded_at >= store.geocoding_requested_at
    [request] = geocoder.requests
    assert request["params"]["q"] == "1 Rue de Test, 75001 PARIS, France"
    assert request["params"]["countrycodes"] == "fr"

    node = content(store_manager.post_graphql(STORE, {"id": created["store"]["id"]}))
    assert node["store"] == {
        "name": "Rivoli",
        "latitude": RUE_DE_TEST[0],
        "longitude": RUE_DE_TEST[1],
        "geocodingStatus": "SUCCEEDED",
        "geocodingError": None,
    }


def test_store_created_through_the_service_is_geocoded(
    geocoder, store_factory, on_commit
):
    with on_commit():
        store = create_unlocated_store(store_factory)

    store.refresh_from_db()
    assert (store.latitude, store.longitude) == RUE_DE_TEST
    assert store.geocoding_status == GeocodingStatus.SUCCEEDED
    assert store.geocoded_at is not None


def test_geocoding_waits_for_the_commit(geocoder, store_factory, on_commit):
    with on_commit(execute=False) as callbacks:
        store = create_unlocated_store(store_factory)

    assert len(callbacks) == 1
    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.PENDING
    assert store.geocoding_requested_at is not None
    assert store.latitude is None
    assert geocoder.requests == []


def test_store_with_coordinates_is_not_geocoded(geocoder, store_factory, on_commit):
    with on_commit() as callbacks:
        store = store_factory("Louvre", 48.8606, 2.3376)

    assert callbacks == []
    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.MANUAL
    assert (store.latitude, store.longitude) == (48.8606, 2.3376)
    assert geocoder.requests == []


def test_place_not_found_fails_visibly_to_staff(
    geocoder, store_factory, store_manager, api_client, on_commit
):
    with on_commit():
        store = create_unlocated_store(
            store_factory, street="99 Rue Inconnue", postal_code="75002"
        )

    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.FAILED
    assert store.geocoding_attempts == 1
    assert store.latitude is None and store.longitude is None
    assert "99 Rue Inconnue" in store.geocoding_error
    assert len(geocoder.requests) == 1

    node = content(store_manager.post_graphql(STORE, {"id": global_id(store)}))
    assert node["store"]["geocodingStatus"] == "FAILED"
    assert node["store"]["geocodingError"] == store.geocoding_error
    assert node["store"]["latitude"] is None

    store_factory("Louvre", 48.8606, 2.3376)
    near = {"latitude": 48.8625, "longitude": 2.3340}
    for client in (api_client, store_manager):
        edges = content(client.post_graphql(STORES_NEAR, {"near": near}))["stores"]
        assert [edge["node"]["name"] for edge in edges["edges"]] == ["Louvre"]


def test_shoppers_cannot_read_geocoding_details(o2o_active, store, api_client):
    query = "query S($id: ID!) { store(id: $id) { name geocodingError } }"

    response = api_client.post_graphql(query, {"id": global_id(store)})

    assert_permission_denied(response)


def test_transient_failures_are_retried(
    geocoder, store_factory, on_commit, retry_delays
):
    geocoder.failures = [503, 503]

    with on_commit():
        store = create_unlocated_store(store_factory)

    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.SUCCEEDED
    assert store.geocoding_attempts == 3
    assert store.geocoding_error == ""
    assert (store.latitude, store.longitude) == RUE_DE_TEST
    assert len(geocoder.requests) == 3
    assert retry_delays == [30, 60]


def test_failure_is_recorded_while_retries_remain(
    geocoder, store_factory, on_commit, monkeypatch
):
    geocoder.failures = [503]
    seen = []
    store_geocode = store_services.store_geocode

    def recording_store_geocode(**kwargs):
        try:
            return store_geocode(**kwargs)
        finally:
            seen.append(
                Store.objects.values_list("geocoding_status", "geocoding_error").get()
            )

    monkeypatch.setattr(store_services, "store_geocode", recording_store_geocode)

    with on_commit():
        create_unlocated_store(store_factory)

    [(first_status, first_error), (final_status, final_error)] = seen
    assert first_status == GeocodingStatus.PENDING
    assert "unavailable" in first_error
    assert (final_status, final_error) == (GeocodingStatus.SUCCEEDED, "")


def test_gives_up_after_the_last_retry(
    geocoder, store_factory, on_commit, retry_delays
):
    geocoder.failures = [503] * 10

    with on_commit():
        store = create_unlocated_store(store_factory)

    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.FAILED
    assert store.geocoding_attempts == store_tasks.GEOCODE_MAX_RETRIES + 1 == 7
    assert "unavailable" in store.geocoding_error
    assert store.latitude is None
    assert len(geocoder.requests) == 7
    assert retry_delays == [30, 60, 120, 240, 480, 960]


def test_refused_credentials_are_not_retried(geocoder, store_factory, on_commit):
    geocoder.failures = [403, 503, 503]

    with on_commit():
        store = create_unlocated_store(store_factory)

    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.FAILED
    assert store.geocoding_attempts == 1
    assert "refused" in store.geocoding_error
    assert len(geocoder.requests) == 1


def test_no_provider_ends_failed_with_a_hint(o2o_active, store_factory, on_commit):
    with on_commit():
        store = create_unlocated_store(store_factory)

    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.FAILED
    assert "No geocoding provider is configured" in store.geocoding_error


def test_retry_delay_doubles_from_30_seconds_up_to_an_hour():
    delays = [store_tasks.geocode_retry_delay(retries) for retries in range(9)]

    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_task_retries_six_times_by_default():
    assert store_tasks.GEOCODE_MAX_RETRIES == 6
    assert store_tasks.geocode_store_task.max_retries == 6
    assert store_tasks.geocode_store_task.acks_late is True


# Coordinates entered by staff win.


def test_manual_coordinates_entered_before_the_task_runs_are_kept(
    geocoder, store_factory, on_commit
):
    with on_commit(execute=False) as queued:
        store = create_unlocated_store(store_factory)
    with on_commit():
        store_services.store_update(
            store=store, data={"latitude": 48.1, "longitude": 2.1}
        )

    for callback in queued:
        callback()

    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.MANUAL
    assert (store.latitude, store.longitude) == (48.1, 2.1)
    assert store.geocoding_attempts == 0
    assert geocoder.requests == []


def test_manual_coordinates_entered_while_geocoding_are_kept(
    geocoder, store_factory, on_commit, monkeypatch
):
    with on_commit(execute=False) as queued:
        store = create_unlocated_store(store_factory)
    geocode = store_services.geocoding.geocode

    def staff_types_coordinates_meanwhile(query, **kwargs):
        place = geocode(query, **kwargs)
        with on_commit():
            store_services.store_update(
                store=store, data={"latitude": 48.1, "longitude": 2.1}
            )
        return place

    monkeypatch.setattr(
        store_services.geocoding, "geocode", staff_types_coordinates_meanwhile
    )
    for callback in queued:
        callback()

    store.refresh_from_db()
    assert len(geocoder.requests) == 1
    assert store.geocoding_status == GeocodingStatus.MANUAL
    assert (store.latitude, store.longitude) == (48.1, 2.1)
    assert store.geocoded_at is None


# Geocoding again on request.


def test_store_geocode_mutation_requeues(geocoder, store, store_manager, on_commit):
    assert store.geocoding_status == GeocodingStatus.MANUAL

    with on_commit():
        response = store_manager.post_graphql(STORE_GEOCODE, {"id": global_id(store)})
        result = content(response)["storeGeocode"]

    assert result["storeErrors"] == []
    assert result["store"]["geocodingStatus"] == "PENDING"
    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.SUCCEEDED
    assert (store.latitude, store.longitude) == RUE_DE_TEST
    assert len(geocoder.requests) == 1


def test_store_geocode_mutation_retries_a_failed_store(
    geocoder, store_factory, store_manager, on_commit
):
    with on_commit():
        store = create_unlocated_store(
            store_factory, street="5 Rue Nouvelle", postal_code="75002"
        )
    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.FAILED
    geocoder.add("5 Rue Nouvelle", 48.868, 2.341)

    with on_commit():
        store_manager.post_graphql(STORE_GEOCODE, {"id": global_id(store)})

    node = content(store_manager.post_graphql(STORE, {"id": global_id(store)}))
    assert node["store"]["geocodingStatus"] == "SUCCEEDED"
    assert node["store"]["geocodingError"] is None
    assert (node["store"]["latitude"], node["store"]["longitude"]) == (48.868, 2.341)
    store.refresh_from_db()
    assert store.geocoding_attempts == 1


def test_store_geocode_mutation_needs_manage_products(
    geocoder, store, staff_api_client, on_commit
):
    with on_commit() as callbacks:
        response = staff_api_client.post_graphql(
            STORE_GEOCODE, {"id": global_id(store)}
        )

    assert_permission_denied(response)
    assert callbacks == []
    store.refresh_from_db()
    assert store.geocoding_status == GeocodingStatus.MANUAL


# Lost requests queued again.


def test_pending_stores_task_requeues_only_stale_pending_stores(
    geocoder, store_factory, on_commit
):
    now = timezone.now()
    with on_commit(execute=False):
        stale = create_unlocated_store(store_factory, "Stale")
        fresh = create_unlocated_store(store_factory, "Fresh")
        failed = create_unlocated_store(store_factory, "Failed")
    manual = store_factory("Manual", 48.8606, 2.3376)
    Store.objects.filter(pk__in=[stale.pk, failed.pk]).update(
        geocoding_requested_at=now
        - store_tasks.GEOCODE_STALE_AFTER
        - timedelta(minutes=1)
    )
    Store.objects.filter(pk=fresh.pk).update(
        geocoding_requested_at=now
        - store_tasks.GEOCODE_STALE_AFTER
        + timedelta(minutes=5)
    )
    Store.objects.filter(pk=failed.pk).update(geocoding_status=GeocodingStatus.FAILED)

    queued = store_tasks.geocode_pending_stores_task()

    assert queued == 1
    assert len(geocoder.requests) == 1
    stores = {s.name: s for s in Store.objects.all()}
    assert stores["Stale"].geocoding_status == GeocodingStatus.SUCCEEDED
    assert stores["Stale"].geocoding_requested_at >= now
    assert stores["Fresh"].geocoding_status == GeocodingStatus.PENDING
    assert stores["Failed"].geocoding_status == GeocodingStatus.FAILED
    assert stores["Manual"].geocoding_status == GeocodingStatus.MANUAL
    assert stores["Manual"].pk == manual.pk


def test_pending_stores_task_with_nothing_to_do(geocoder, store):
    assert store_tasks.geocode_pending_stores_task() == 0
    assert geocoder.requests == []


# A real worker.

REDIS_BROKER = "redis://127.0.0.1:6379/15"


@pytest.fixture
def celery_worker_on_redis():
    """Run Saleor's Celery app with a Redis broker and a worker thread.

    Saleor loads Celery's settings from Django's with the CELERY namespace, so they
    are changed under their CELERY_ names: setting ``app.conf.broker_url`` or
    ``app.conf.task_always_eager`` would be silently ignored. The app also keeps the
    broker connection pool it made for the default broker URL, even in eager mode;
    it is dropped so that messages go to Redis, and again afterwards.
    """
    from celery.contrib.testing.worker import start_worker
    from saleor.celeryconf import app

    changed = {
        "task_always_eager": False,
        "broker_url": REDIS_BROKER,
        "worker_hijack_root_logger": False,
    }
    saved = {name: getattr(app.conf, name) for name in changed}
    runs = []

    def record_run(task=None, **_kwargs):
        runs.append((task.name, task.request.is_eager, threading.current_thread()))

    def close_worker_connections(**_kwargs):
        # The worker thread's own database connections; left open, they would keep
        # the test database busy when it is flushed or dropped.
        connections.close_all()

    def set_conf(values):
        app.conf.update({f"CELERY_{k.upper()}": v for k, v in values.items()})

    signals.task_prerun.connect(record_run, weak=False)
    signals.task_postrun.connect(close_worker_connections, weak=False)
    set_conf(changed)
    drop_broker_connections(app)
    try:
        assert app.conf.task_always_eager is False
        assert app.pool.connection.as_uri() == REDIS_BROKER
        app.control.purge()
        with start_worker(app, perform_ping_check=False, pool="solo"):
            yield runs
    finally:
        signals.task_prerun.disconnect(record_run)
        signals.task_postrun.disconnect(close_worker_connections)
        set_conf(saved)
        drop_broker_connections(app)


@pytest.mark.slow
def test_real_worker_geocodes_a_new_store(
    transactional_db, fake_geocoder, celery_worker_on_redis, store_factory
):
    fake_geocoder.add("1 Rue de Test", *RUE_DE_TEST)
    PluginConfiguration.objects.create(
        identifier=conf.PLUGIN_ID,
        name="O2O",
        active=True,
        configuration=[
            {"name": conf.GEOCODER_PROVIDER, "value": "nominatim"},
            {"name": conf.GEOCODER_USER_AGENT, "value": "saleor-o2o-tests"},
            {"name": conf.GEOCODER_DOMAIN, "value": fake_geocoder.domain},
            {"name": conf.GEOCODER_SCHEME, "value": "http"},
        ],
    )

    store = create_unlocated_store(store_factory)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        store.refresh_from_db()
        if store.geocoding_status != GeocodingStatus.PENDING:
            break
        time.sleep(0.1)

    assert store.geocoding_status == GeocodingStatus.SUCCEEDED
    assert (store.latitude, store.longitude) == RUE_DE_TEST
    assert store.geocoding_attempts == 1
    assert len(fake_geocoder.requests) == 1
    [(task_name, eager, thread)] = celery_worker_on_redis
    assert task_name == store_tasks.geocode_store_task.name
    assert eager is False
    assert thread is not threading.main_thread()
