"""Geocoding through the real geopy Nominatim client, against a local fake server."""

import threading
import time

import pytest

from saleor_o2o.core import geocoding
from saleor_o2o.core import settings as conf
from saleor_o2o.core.errors import GeocodingError, GeocodingUnavailable, PlaceNotFound

from helpers.servers import free_port

#: Avenue des Champs-Élysées, near the Rond-Point.
CHAMPS_ELYSEES = (48.8698, 2.3075)
#: The centre of Lyon's 2nd arrondissement.
LYON_69002 = (45.7578, 4.8320)


class FakeClock:
    """A monotonic clock that only moves when told to, or when something sleeps."""

    def __init__(self, now=100.0):
        self.now = now
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class PoliteSettings(conf.GeocoderSettings):
    """Settings for a server asking half a second between requests."""

    @property
    def min_delay_seconds(self):
        return 0.5


# The geopy client against the fake Nominatim server.


def test_found_place(fake_geocoder):
    fake_geocoder.add("Champs", *CHAMPS_ELYSEES, "Champs-Élysées, Paris, France")

    place = geocoding.geocode(
        "Avenue des Champs-Élysées, Paris", settings=fake_geocoder.settings()
    )

    assert place == geocoding.Place(
        latitude=CHAMPS_ELYSEES[0],
        longitude=CHAMPS_ELYSEES[1],
        label="Champs-Élysées, Paris, France",
    )
    [request] = fake_geocoder.requests
    assert request["path"] == "/search"
    assert request["params"]["q"] == "Avenue des Champs-Élysées, Paris"


def test_request_carries_user_agent_and_country(fake_geocoder):
    fake_geocoder.add("69002", *LYON_69002)

    geocoding.geocode("69002", settings=fake_geocoder.settings(), country_code="FR")

    [request] = fake_geocoder.requests
    assert request["headers"]["User-Agent"] == "saleor-o2o-tests"
    assert request["params"]["countrycodes"] == "fr"


def test_request_without_country_is_not_narrowed(fake_geocoder):
    fake_geocoder.add("Lyon", *LYON_69002)

    geocoding.geocode("Lyon", settings=fake_geocoder.settings())

    [request] = fake_geocoder.requests
    assert "countrycodes" not in request["params"]


def test_place_not_found(fake_geocoder):
    fake_geocoder.add("Lyon", *LYON_69002)

    with pytest.raises(PlaceNotFound) as raised:
        geocoding.geocode("Atlantis", settings=fake_geocoder.settings())

    assert raised.value.code == "PLACE_NOT_FOUND"
    assert "Atlantis" in raised.value.message


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
def test_server_trouble_is_unavailable(fake_geocoder, status):
    fake_geocoder.add("Lyon", *LYON_69002)
    fake_geocoder.failures = [status]

    with pytest.raises(GeocodingUnavailable) as raised:
        geocoding.geocode("Lyon", settings=fake_geocoder.settings())

    assert raised.value.code == "GEOCODING_UNAVAILABLE"
    # The client did not retry on its own: retrying is the task's business.
    assert len(fake_geocoder.requests) == 1


@pytest.mark.parametrize("status", [401, 403, 407])
def test_refused_credentials_are_not_retryable(fake_geocoder, status):
    fake_geocoder.add("Lyon", *LYON_69002)
    fake_geocoder.failures = [status]

    with pytest.raises(GeocodingError) as raised:
        geocoding.geocode("Lyon", settings=fake_geocoder.settings())

    assert type(raised.value) is GeocodingError
    assert raised.value.code == "GEOCODING_FAILED"


def test_rejected_query_is_place_not_found(fake_geocoder):
    fake_geocoder.failures = [400]

    with pytest.raises(PlaceNotFound):
        geocoding.geocode("???", settings=fake_geocoder.settings())


def test_unreachable_server_is_unavailable():
    settings = conf.GeocoderSettings(
        provider="nominatim",
        user_agent="saleor-o2o-tests",
        domain=f"127.0.0.1:{free_port()}",
        scheme="http",
        timeout_seconds=1,
    )

    with pytest.raises(GeocodingUnavailable):
        geocoding.geocode("Lyon", settings=settings)


def test_server_recovers_after_a_failure(fake_geocoder):
    fake_geocoder.add("Lyon", *LYON_69002)
    fake_geocoder.failures = [503]
    settings = fake_geocoder.settings()

    with pytest.raises(GeocodingUnavailable):
        geocoding.geocode("Lyon", settings=settings)
    place = geocoding.geocode("Lyon", settings=settings)

    assert (place.latitude, place.longitude) == LYON_69002


# Building the client from the plugin's settings.


@pytest.mark.parametrize("provider", ["none", ""])
def test_no_provider_is_unavailable(provider, fake_geocoder):
    settings = conf.GeocoderSettings(provider=provider, domain=fake_geocoder.domain)

    with pytest.raises(GeocodingUnavailable):
        geocoding.build_geocoder(settings)
    with pytest.raises(GeocodingUnavailable):
        geocoding.geocode("Lyon", settings=settings)
    assert fake_geocoder.requests == []


def test_public_nominatim_by_default():
    geocoder = geocoding.build_geocoder(
        conf.GeocoderSettings(provider="nominatim", user_agent="shop.example")
    )

    assert geocoder.domain == conf.PUBLIC_NOMINATIM_DOMAIN
    assert geocoder.scheme == "https"
    assert geocoder.timeout == 5.0
    assert geocoder.headers["User-Agent"] == "shop.example"


def test_custom_server_options_reach_the_client(fake_geocoder):
    geocoder = geocoding.build_geocoder(fake_geocoder.settings())

    assert geocoder.domain == fake_geocoder.domain
    assert geocoder.scheme == "http"
    assert geocoder.timeout == 2


def test_public_nominatim_without_user_agent_is_misconfigured():
    with pytest.raises(GeocodingError) as raised:
        geocoding.build_geocoder(conf.GeocoderSettings(provider="nominatim"))

    assert type(raised.value) is GeocodingError
    assert "misconfigured" in raised.value.message


def test_provider_needing_a_key_is_misconfigured_without_one():
    with pytest.raises(GeocodingError) as raised:
        geocoding.build_geocoder(conf.GeocoderSettings(provider="googlev3"))

    assert type(raised.value) is GeocodingError


def test_api_key_reaches_providers_that_take_one():
    geocoder = geocoding.build_geocoder(
        conf.GeocoderSettings(provider="opencage", api_key="secret")
    )

    assert geocoder.api_key == "secret"


# Throttling.


def test_throttle_keeps_the_min_delay_between_calls():
    clock = FakeClock()
    throttle = geocoding.Throttle(clock=clock, sleep=clock.sleep)

    throttle.wait(1.0)
    assert clock.sleeps == []

    clock.now += 0.25
    throttle.wait(1.0)
    assert clock.sleeps == [pytest.approx(0.75)]
    assert clock.now == pytest.approx(101.0)

    # Counted from the previous call's end: an immediate call waits the full delay.
    throttle.wait(1.0)
    assert clock.sleeps[-1] == pytest.approx(1.0)

    clock.now += 5
    throttle.wait(1.0)
    assert len(clock.sleeps) == 2


def test_throttle_without_delay_never_sleeps():
    clock = FakeClock()
    throttle = geocoding.Throttle(clock=clock, sleep=clock.sleep)

    for _ in range(3):
        throttle.wait(0.0)

    assert clock.sleeps == []


def test_throttle_spaces_out_concurrent_threads():
    throttle = geocoding.Throttle()
    times = []
    lock = threading.Lock()

    def call():
        throttle.wait(0.05)
        with lock:
            times.append(time.monotonic())

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    times.sort()
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert len(gaps) == 2
    assert all(gap >= 0.045 for gap in gaps), gaps


def test_geocode_waits_as_long_as_the_provider_asks(fake_geocoder, monkeypatch):
    fake_geocoder.add("Lyon", *LYON_69002)
    base = fake_geocoder.settings()
    settings = PoliteSettings(
        provider=base.provider,
        user_agent=base.user_agent,
        domain=base.domain,
        scheme=base.scheme,
        timeout_seconds=base.timeout_seconds,
    )
    clock = FakeClock()
    throttles = {
        f"nominatim:{fake_geocoder.domain}": geocoding.Throttle(
            clock=clock, sleep=clock.sleep
        )
    }
    monkeypatch.setattr(geocoding, "_throttles", throttles)

    geocoding.geocode("Lyon", settings=settings)
    geocoding.geocode("Lyon", settings=settings)

    assert clock.sleeps == [pytest.approx(0.5)]
    assert len(fake_geocoder.requests) == 2


# The cache in front of the provider.


def test_cached_answer_needs_no_second_request(fake_geocoder):
    fake_geocoder.add("Lyon", *LYON_69002, "Lyon, France")
    settings = fake_geocoder.settings()

    first = geocoding.geocode_cached("Lyon", settings=settings, country_code="FR")
    second = geocoding.geocode_cached("  LYON ", settings=settings, country_code="fr")

    assert first == second == geocoding.Place(*LYON_69002, "Lyon, France")
    assert len(fake_geocoder.requests) == 1


def test_cache_remembers_places_not_found(fake_geocoder):
    settings = fake_geocoder.settings()

    with pytest.raises(PlaceNotFound):
        geocoding.geocode_cached("Atlantis", settings=settings)
    fake_geocoder.add("Atlantis", 0.0, 0.0)
    with pytest.raises(PlaceNotFound):
        geocoding.geocode_cached("Atlantis", settings=settings)

    assert len(fake_geocoder.requests) == 1


def test_cache_does_not_remember_unavailability(fake_geocoder):
    fake_geocoder.add("Lyon", *LYON_69002)
    fake_geocoder.failures = [503]
    settings = fake_geocoder.settings()

    with pytest.raises(GeocodingUnavailable):
        geocoding.geocode_cached("Lyon", settings=settings)
    place = geocoding.geocode_cached("Lyon", settings=settings)

    assert (place.latitude, place.longitude) == LYON_69002
    assert len(fake_geocoder.requests) == 2


def test_cache_keeps_countries_apart(fake_geocoder):
    fake_geocoder.add("Paris", *CHAMPS_ELYSEES)
    settings = fake_geocoder.settings()

    geocoding.geocode_cached("Paris", settings=settings, country_code="FR")
    geocoding.geocode_cached("Paris", settings=settings, country_code="US")

    assert [r["params"].get("countrycodes") for r in fake_geocoder.requests] == [
        "fr",
        "us",
    ]


# The throttle never holds its lock while a caller waits, and refuses long waits.


class RecordingSleep:
    """A sleep that returns at once (the clock does not move) and records pauses."""

    def __init__(self):
        self.pauses = []

    def __call__(self, seconds):
        self.pauses.append(seconds)


def test_a_waiting_caller_leaves_the_throttle_to_others():
    throttle = geocoding.Throttle()
    pauses = []
    changed = threading.Condition()
    release = threading.Event()

    def sleep(seconds):
        with changed:
            pauses.append(seconds)
            changed.notify_all()
        release.wait(10)

    throttle._sleep = sleep
    throttle.wait(30.0)  # Now: no pause. The next turns are 30 and 60 s away.
    callers = [
        threading.Thread(target=throttle.wait, args=(30.0,), kwargs={"max_wait": 90})
        for _ in range(2)
    ]
    try:
        callers[0].start()
        with changed:
            assert changed.wait_for(lambda: len(pauses) == 1, timeout=10)
        # The first caller sleeps; the lock is free, and the second caller takes
        # the turn after it without waiting for it to wake up.
        assert not throttle._lock.locked()
        callers[1].start()
        with changed:
            assert changed.wait_for(lambda: len(pauses) == 2, timeout=10), pauses
    finally:
        release.set()
        for caller in callers:
            if caller.ident:  # Started.
                caller.join(10)
    assert pauses == [pytest.approx(30.0, abs=5), pytest.approx(60.0, abs=5)]


def test_a_turn_too_far_away_is_refused_instead_of_queued():
    clock = FakeClock()
    sleep = RecordingSleep()
    throttle = geocoding.Throttle(clock=clock, sleep=sleep)

    for _ in range(3):  # Turns now, in 1 s and in 2 s.
        throttle.wait(1.0, max_wait=2.5)
    with pytest.raises(GeocodingUnavailable) as raised:
        throttle.wait(1.0, max_wait=2.5)  # In 3 s: too far.

    assert raised.value.code == "GEOCODING_UNAVAILABLE"
    assert sleep.pauses == [pytest.approx(1.0), pytest.approx(2.0)]
    # The refused caller took no turn: the next is still in 3 s.
    throttle.wait(1.0, max_wait=10)
    assert sleep.pauses[-1] == pytest.approx(3.0)


def test_geocode_refuses_when_the_provider_is_busy(
    fake_geocoder, monkeypatch, settings
):
    fake_geocoder.add("Lyon", *LYON_69002)
    base = fake_geocoder.settings()
    polite = PoliteSettings(
        provider=base.provider,
        user_agent=base.user_agent,
        domain=base.domain,
        scheme=base.scheme,
        timeout_seconds=base.timeout_seconds,
    )
    throttle = geocoding.Throttle(clock=FakeClock(), sleep=RecordingSleep())
    monkeypatch.setattr(
        geocoding, "_throttles", {f"nominatim:{fake_geocoder.domain}": throttle}
    )
    settings.O2O_GEOCODING_MAX_WAIT_SECONDS = 0.75

    geocoding.geocode("Lyon", settings=polite)  # Now.
    geocoding.geocode("Lyon", settings=polite)  # In 0.5 s.
    with pytest.raises(GeocodingUnavailable):
        geocoding.geocode("Lyon", settings=polite)  # In 1 s: refused.

    assert len(fake_geocoder.requests) == 2
