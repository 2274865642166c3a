"""Store event writes scoped to store managers; RSVPs, places, tokens, e-mails."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from saleor_o2o.core.tokens import token_hash
from saleor_o2o.store.reach import CLERK, EVERYWHERE, MANAGER, Reach
from saleor_o2o.visits.events import rsvp, rules, services
from saleor_o2o.visits.events.models import StoreEventRsvp, StoreEventStore
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

from helpers.api import code_of
from helpers.concurrency import race


@pytest.fixture
def two_stores(store, store_factory):
    return store, store_factory("Paris Bastille", 48.8532, 2.3692)


def test_create_holds_the_event_at_its_stores_with_fields_copied(
    two_stores, store_event_factory
):
    event = store_event_factory(*two_stores, title="Latte art night!")
    assert event.slug == "latte-art-night"
    links = StoreEventStore.objects.filter(event=event)
    assert {link.store_id for link in links} == {s.pk for s in two_stores}
    assert all(
        (link.starts_at, link.ends_at, link.is_published)
        == (event.starts_at, event.ends_at, True)
        for link in links
    )
    again = store_event_factory(two_stores[0], title="Latte art night!")
    assert again.slug == "latte-art-night-2"


def test_update_keeps_the_copies_equal(two_stores, store_event_factory):
    event = store_event_factory(two_stores[0])
    later = event.starts_at + timedelta(days=2)
    services.store_event_update(
        event=event,
        data={
            "starts_at": later,
            "ends_at": later + timedelta(hours=1),
            "is_published": False,
            "store_ids": [two_stores[1].pk],
        },
        by=EVERYWHERE,
    )
    [link] = StoreEventStore.objects.filter(event=event)
    assert (link.store_id, link.starts_at, link.is_published) == (
        two_stores[1].pk,
        later,
        False,
    )


def manager_of(*stores, role=MANAGER):
    return Reach(roles={store.pk: role for store in stores})


def test_a_manager_writes_events_only_at_stores_they_manage(two_stores):
    mine, other = two_stores
    data = {
        "title": "Launch",
        "starts_at": timezone.now() + timedelta(days=1),
        "ends_at": timezone.now() + timedelta(days=1, hours=1),
    }
    event = services.store_event_create(
        data={**data, "store_ids": [mine.pk]}, by=manager_of(mine)
    )
    # At a store they do not work in: it does not exist for them.
    assert (
        code_of(
            lambda: services.store_event_create(
                data={**data, "store_ids": [mine.pk, other.pk]}, by=manager_of(mine)
            )
        )
        == "NOT_FOUND"
    )
    # A clerk is not a manager.
    assert (
        code_of(
            lambda: services.store_event_create(
                data={**data, "store_ids": [mine.pk]},
                by=manager_of(mine, role=CLERK),
            )
        )
        == "PERMISSION_DENIED"
    )
    # An event also held elsewhere is out of their hands, as a whole.
    services.store_event_update(
        event=event, data={"store_ids": [mine.pk, other.pk]}, by=EVERYWHERE
    )
    for call in (
        lambda: services.store_event_update(
            event=event, data={"title": "Mine"}, by=manager_of(mine)
        ),
        lambda: services.store_event_delete(event=event, by=manager_of(mine)),
    ):
        assert code_of(call) == "PERMISSION_DENIED"
    assert code_of(
        lambda: services.store_event_delete(event=event, by=Reach(roles={}))
    ) == ("NOT_FOUND")
    services.store_event_delete(event=event, by=manager_of(mine, other))


@pytest.mark.parametrize(
    "changes, field, code",
    [
        ({"title": "  "}, "title", "REQUIRED"),
        ({"store_ids": []}, "storeIds", "REQUIRED"),
        ({"store_ids": [999999]}, "storeIds", "NOT_FOUND"),
        ({"slug": "Not A Slug"}, "slug", "INVALID"),
        ({"image_url": "http://example.com/x.jpg"}, "imageUrl", "INVALID"),
        ({"capacity": 0}, "capacity", "OUT_OF_RANGE"),
        ({"title": "x" * 201}, "title", "INVALID"),
    ],
)
def test_bad_input_is_refused_by_field(store, changes, field, code):
    from saleor_o2o.core.errors import O2OError

    data = {
        "title": "Launch",
        "starts_at": timezone.now() + timedelta(days=1),
        "ends_at": timezone.now() + timedelta(days=1, hours=1),
        "store_ids": [store.pk],
        **changes,
    }
    with pytest.raises(O2OError) as error:
        services.store_event_create(data=data, by=EVERYWHERE)
    assert (error.value.field, error.value.code) == (field, code)


def test_a_slug_taken_is_unique(store, store_event_factory):
    store_event_factory(store, slug="launch")
    assert code_of(lambda: store_event_factory(store, slug="launch")) == "UNIQUE"


def test_capacity_cannot_fall_below_the_places_taken(store, store_event_factory):
    event = store_event_factory(store, capacity=3)
    for n in range(2):
        rsvp.store_event_rsvp(event_id=event.pk, email=f"g{n}@example.com")
    assert (
        code_of(
            lambda: services.store_event_update(
                event=event, data={"capacity": 1}, by=EVERYWHERE
            )
        )
        == "OUT_OF_RANGE"
    )
    services.store_event_update(event=event, data={"capacity": 2}, by=EVERYWHERE)


def test_rsvp_for_a_guest_and_an_account_one_place_each(
    store, store_event_factory, customer_user
):
    event = store_event_factory(store)
    made = rsvp.store_event_rsvp(event_id=event.pk, email=" Guest@Example.com ")
    assert made.rsvp.email == "guest@example.com"
    assert made.rsvp.token_hash == token_hash(made.token)
    assert made.token not in str(StoreEventRsvp.objects.values_list())
    assert (
        code_of(
            lambda: rsvp.store_event_rsvp(event_id=event.pk, email="guest@example.com")
        )
        == "ALREADY_RSVPED"
    )
    mine = rsvp.store_event_rsvp(
        event_id=event.pk, user=customer_user, email="ignored@example.com"
    )
    assert (mine.rsvp.user, mine.rsvp.email) == (customer_user, customer_user.email)
    assert (
        code_of(lambda: rsvp.store_event_rsvp(event_id=event.pk, user=customer_user))
        == "ALREADY_RSVPED"
    )


@pytest.mark.parametrize(
    "email, code", [(None, "REQUIRED"), ("", "REQUIRED"), ("nope", "INVALID")]
)
def test_a_guest_gives_an_email(store_event, email, code):
    assert code_of(
        lambda: rsvp.store_event_rsvp(event_id=store_event.pk, email=email)
    ) == (code)


def test_unpublished_full_and_started_events_refuse(store, store_event_factory):
    hidden = store_event_factory(store, is_published=False)
    assert code_of(
        lambda: rsvp.store_event_rsvp(event_id=hidden.pk, email="a@example.com")
    ) == ("NOT_FOUND")
    full = store_event_factory(store, capacity=1)
    rsvp.store_event_rsvp(event_id=full.pk, email="a@example.com")
    assert code_of(
        lambda: rsvp.store_event_rsvp(event_id=full.pk, email="b@example.com")
    ) == ("EVENT_FULL")
    started = store_event_factory(
        store,
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    assert code_of(
        lambda: rsvp.store_event_rsvp(event_id=started.pk, email="a@example.com")
    ) == ("EVENT_STARTED")


def test_a_place_given_back_frees_it_once(store, store_event_factory):
    event = store_event_factory(store, capacity=1)
    made = rsvp.store_event_rsvp(event_id=event.pk, email="a@example.com")
    assert code_of(lambda: rsvp.store_event_rsvp_cancel(token="0" * 64)) == (
        "NOT_FOUND"
    )
    assert code_of(lambda: rsvp.store_event_rsvp_cancel(token=made.token[:-1])) == (
        "NOT_FOUND"
    )
    cancelled = rsvp.store_event_rsvp_cancel(token=made.token)
    assert cancelled.status == rules.RsvpStatus.CANCELLED
    assert code_of(lambda: rsvp.store_event_rsvp_cancel(token=made.token)) == (
        "ALREADY_CANCELLED"
    )
    # The place is free again, even for the same address.
    rsvp.store_event_rsvp(event_id=event.pk, email="a@example.com")
    types = list(O2OEvent.objects.order_by("pk").values_list("type", flat=True))
    assert types == [
        O2OEventType.STORE_EVENT_RSVP_CREATED,
        O2OEventType.STORE_EVENT_RSVP_CANCELLED,
        O2OEventType.STORE_EVENT_RSVP_CREATED,
    ]


def test_cancelling_after_the_start_is_refused(store, store_event_factory):
    event = store_event_factory(store)
    made = rsvp.store_event_rsvp(event_id=event.pk, email="a@example.com")
    later = event.starts_at + timedelta(minutes=1)
    assert (
        code_of(lambda: rsvp.store_event_rsvp_cancel(token=made.token, now=later))
        == "EVENT_STARTED"
    )


def test_guests_are_limited_per_client(settings, store, store_event_factory):
    settings.O2O_GUEST_RSVPS_PER_HOUR = 2
    events = [store_event_factory(store, title=f"E{n}") for n in range(4)]
    for n in range(2):
        rsvp.store_event_rsvp(event_id=events[n].pk, email="a@example.com", client="c1")
    assert (
        code_of(
            lambda: rsvp.store_event_rsvp(
                event_id=events[2].pk, email="a@example.com", client="c1"
            )
        )
        == "TOO_MANY_REQUESTS"
    )
    # Another client, and an hour later, are fine.
    rsvp.store_event_rsvp(event_id=events[2].pk, email="a@example.com", client="c2")
    rsvp.store_event_rsvp(
        event_id=events[3].pk,
        email="a@example.com",
        client="c1",
        now=timezone.now() + timedelta(hours=1, minutes=1),
    )


def test_the_confirmation_carries_the_cancel_link_and_the_ics(
    store, store_event_factory, site_settings, on_commit
):
    event = store_event_factory(store, title='Quotes "and" <tags>')
    mail.outbox.clear()
    with on_commit():
        made = rsvp.store_event_rsvp(event_id=event.pk, email="a@example.com")
    [message] = mail.outbox
    assert message.to == ["a@example.com"]
    assert f"/o2o/event-rsvps/{made.token}/cancel/" in message.body
    [(name, content, mimetype)] = message.attachments
    assert name == f"{event.slug}.ics" and mimetype.startswith("text/calendar")
    ics = content.decode() if isinstance(content, bytes) else content
    assert "BEGIN:VEVENT" in ics and "Paris Louvre" in ics
    assert "TZID=Europe/Paris" in ics
    assert made.rsvp.emails.get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_last_place_goes_to_one_shopper_of_many_at_once(store_factory):
    from fixtures.events import make_event

    store = store_factory("Paris Louvre", 48.8606, 2.3376)
    event = make_event(store, capacity=3)
    rsvp.store_event_rsvp(event_id=event.pk, email="early1@example.com")
    rsvp.store_event_rsvp(event_id=event.pk, email="early2@example.com")

    outcomes = race(
        8,
        lambda n: rsvp.store_event_rsvp(
            event_id=event.pk, email=f"racer{n}@example.com"
        ),
    )
    assert outcomes == ["EVENT_FULL"] * 7 + ["won"]
    assert event.rsvps.filter(status=rules.RsvpStatus.CONFIRMED).count() == 3


def test_rsvp_webhooks_reach_apps_of_the_events_stores_only(
    store, store_factory, store_event_factory, app, o2o_webhook
):
    from saleor.app.models import App

    from saleor_o2o.store import access
    from saleor_o2o.webhook.models import WebhookDelivery

    created = O2OEventType.STORE_EVENT_RSVP_CREATED
    other = store_factory("Lyon", 45.76, 4.83, city="Lyon")
    everywhere = o2o_webhook(created)
    lyon_app = App.objects.create(name="Lyon app", is_active=True)
    access.app_stores_set(app=lyon_app, store_ids=[other.pk], by=EVERYWHERE)
    from saleor.webhook.models import Webhook

    lyon_hook = Webhook.objects.create(
        app=lyon_app, name="Lyon", target_url="https://lyon.example.com/hook"
    )
    from saleor_o2o.webhook import services as webhook_services

    from helpers.api import event_permissions

    lyon_app.permissions.add(*event_permissions(created))
    webhook_services.webhook_subscriptions_set(webhook=lyon_hook, event_types=[created])
    event = store_event_factory(store)
    rsvp.store_event_rsvp(event_id=event.pk, email="a@example.com")
    assert list(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [
        everywhere.pk
    ]
    rsvp.store_event_rsvp(event_id=store_event_factory(other).pk, email="a@example.com")
    assert sorted(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [
        everywhere.pk,
        everywhere.pk,
        lyon_hook.pk,
    ]
