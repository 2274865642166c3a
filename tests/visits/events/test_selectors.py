"""Store events near a shopper: the stores' shared search, ranking, pages."""

from datetime import timedelta

from django.utils import timezone

from saleor_o2o.core.geo import Point
from saleor_o2o.visits.events import selectors
from saleor_o2o.visits.events.rules import EventSort

LOUVRE = Point(48.8606, 2.3376)


def near(point=LOUVRE, radius_km=10, **kwargs):
    return selectors.events_near(
        point=point, radius_km=radius_km, now=timezone.now(), **kwargs
    )


def test_each_event_once_at_its_nearest_store_nearest_first(
    store, store_factory, store_event_factory
):
    bastille = store_factory("Paris Bastille", 48.8532, 2.3692)
    lyon = store_factory("Lyon", 45.764, 4.8357, city="Lyon", postal_code="69001")
    soon = timezone.now() + timedelta(hours=3)
    both = store_event_factory(store, bastille, title="Both")
    far = store_event_factory(
        bastille,
        title="Bastille only",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
    )
    store_event_factory(lyon, title="Lyon")
    hits = near()
    assert [(h.event_id, h.store_id) for h in hits] == [
        (both.pk, store.pk),
        (far.pk, bastille.pk),
    ]
    assert hits[0].distance_km < 0.01 < 2 < hits[1].distance_km < 3
    # Soonest first.
    assert [h.event_id for h in near(sort=EventSort.STARTS_AT)] == [far.pk, both.pk]


def test_only_published_events_not_over_at_active_stores(
    store, store_factory, store_event_factory
):
    from saleor_o2o.store import services as store_services

    store_event_factory(store, is_published=False)
    store_event_factory(
        store,
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    running = store_event_factory(
        store,
        title="Running",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    closed = store_factory("Closed", 48.8607, 2.3377)
    store_event_factory(closed, title="At a closed store")
    store_services.store_update(store=closed, data={"is_active": False})
    assert [h.event_id for h in near()] == [running.pk]


def test_pages_follow_the_ranking_without_gaps_or_repeats(
    store, store_factory, store_event_factory
):
    stores = [store] + [
        store_factory(f"S{n}", 48.8606 + n * 0.01, 2.3376) for n in range(1, 4)
    ]
    start = timezone.now() + timedelta(days=1)
    made = [
        store_event_factory(
            stores[n % 4],
            title=f"E{n}",
            starts_at=start + timedelta(hours=n % 3),
            ends_at=start + timedelta(hours=5),
        ).pk
        for n in range(9)
    ]
    for sort in (EventSort.DISTANCE, EventSort.STARTS_AT):
        whole = [h.event_id for h in near(sort=sort, first=50)]
        assert sorted(whole) == sorted(made)
        paged, after = [], None
        while True:
            page = near(sort=sort, first=2, after=after)
            if not page:
                break
            paged += [h.event_id for h in page]
            after = page[-1].key
        assert paged == whole


def test_across_the_antimeridian(store_factory, store_event_factory):
    east = store_factory(
        "Taveuni east",
        -16.80,
        179.95,
        country="FJ",
        postal_code="",
        timezone="Pacific/Fiji",
    )
    event = store_event_factory(east)
    hits = near(point=Point(-16.80, -179.99), radius_km=20)
    assert [h.event_id for h in hits] == [event.pk]
    assert hits[0].distance_km < 7


def test_store_lists_read_their_events_in_few_queries(
    store, store_factory, store_event_factory, django_assert_max_num_queries
):
    other = store_factory("Paris Bastille", 48.8532, 2.3692)
    for n in range(3):
        store_event_factory(store, other, title=f"E{n}")
    with django_assert_max_num_queries(4):
        found = selectors.stores_upcoming_events(
            store_ids=[store.pk, other.pk], now=timezone.now(), limit=2
        )
        assert [len(found[store.pk]), len(found[other.pk])] == [2, 2]
        assert found[store.pk][0].places_taken == 0
        assert [s.pk for s in found[store.pk][0].active_stores]
