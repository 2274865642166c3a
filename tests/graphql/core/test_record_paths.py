"""Every path the extension opens to a pickup, a claim, a user or a webhook secret is
guarded, whoever walks it.

The paths are found in the schema, not listed by hand: from every field the
extension adds (its queries and mutations, and its fields on Saleor's types), the
shortest way through object fields to a pickup's code, a claim's code, a user's
e-mail, a webhook's secret. Each path is then asked for, with the IDs a stranger can
guess (they are sequential), by an anonymous caller, another shopper, a clerk of
another store and another app. None of them may read the victim's secrets.
"""

import json
from collections import deque
from typing import Dict, List, Optional, Tuple

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
)
from saleor.account.models import User
from saleor.app.models import App
from saleor.graphql.api import schema as saleor_schema
from saleor.webhook.models import Webhook

from saleor_o2o.core.geo import Point
from saleor_o2o.graphql.api import schema
from saleor_o2o.offer import claims, shoppers
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.store.models import AppStore, StoreMembership
from saleor_o2o.webhook import services as webhook_services

from helpers.api import ApiClient, gid

#: What a stranger must never read, by type: the selection that would show it.
SECRETS = {
    "Pickup": "code",
    "LocalDelivery": "code",
    "ClaimedOffer": "code",
    "User": "email",
    "Webhook": "secretKey",
    "StoreEventRsvp": "email",
    "Appointment": "code",
    "TryOnReservation": "email",
}
#: How deep a path may go from the field the extension adds.
MAX_DEPTH = 5


def _named(graphql_type):
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        graphql_type = graphql_type.of_type
    return graphql_type


def _required_args(field) -> bool:
    return any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values())


def shortest_path(start, target: str) -> Optional[List[Tuple[str, str]]]:
    """Return [(type, field), ...] from `start` to `target`, following fields that
    need no argument; None if it cannot be reached within MAX_DEPTH."""
    queue = deque([(start, [])])
    seen = {start.name}
    while queue:
        current, path = queue.popleft()
        if current.name == target:
            return path
        if len(path) >= MAX_DEPTH:
            continue
        candidates = []
        if isinstance(current, (GraphQLObjectType, GraphQLInterfaceType)):
            candidates = [
                (name, _named(field.type))
                for name, field in current.fields.items()
                if not _required_args(field)
            ]
        elif isinstance(current, GraphQLUnionType):
            candidates = [(f"... on {t.name}", t) for t in current.types]
        for name, next_type in candidates:
            if (
                isinstance(
                    next_type,
                    (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType),
                )
                and next_type.name not in seen
            ):
                seen.add(next_type.name)
                queue.append((next_type, path + [(current.name, name)]))
    return None


def entry_points() -> List[Tuple[str, str]]:
    """Return (type, field) for every field the extension adds, and `_entities`."""
    ours, saleors = schema.get_type_map(), saleor_schema.get_type_map()
    found = [("Query", "_entities")]
    for type_name, graphql_type in sorted(ours.items()):
        if type_name.startswith("__") or not isinstance(
            graphql_type, GraphQLObjectType
        ):
            continue
        saleor_type = saleors.get(type_name)
        for name in graphql_type.fields:
            replaced = type_name == "Mutation" and name == "checkoutComplete"
            if saleor_type is not None and name in saleor_type.fields and not replaced:
                continue
            if saleor_type is None and type_name not in ("Query", "Mutation"):
                continue  # Reached from an entry point; walked from there.
            found.append((type_name, name))
    return found


def paths() -> Dict[Tuple[str, str, str], List[Tuple[str, str]]]:
    """Return every (entry type, entry field, secret type) -> path below the entry."""
    type_map = schema.get_type_map()
    found = {}
    for type_name, field_name in entry_points():
        field = type_map[type_name].fields[field_name]
        start = _named(field.type)
        for target in SECRETS:
            path = shortest_path(start, target)
            if path is not None:
                found[(type_name, field_name, target)] = path
    return found


def selection(path: List[Tuple[str, str]], target: str) -> str:
    """Return the selection set walking `path` to the target's secret."""
    inner = "{ %s }" % SECRETS[target]
    for _type, field in reversed(path):
        inner = "{ %s %s }" % (field, inner)
    return inner


#: How each entry point is called by a stranger: the field with its arguments, and
#: how it sits in the operation (`{call}` is replaced by the field and selection).
CALLS = {
    ("Query", "_entities"): (
        "query",
        '_entities(representations: [{__typename: "User", id: "%(user)s"}])',
    ),
    ("Query", "pickup"): ("query", 'pickup(id: "%(pickup)s")'),
    ("Query", "pickups"): ("query", "pickups(first: 10)"),
    ("Query", "localDelivery"): ("query", 'localDelivery(id: "%(local_delivery)s")'),
    ("Query", "localDeliveries"): ("query", "localDeliveries(first: 10)"),
    ("Order", "localDelivery"): (
        "query",
        'order(id: "%(delivery_order)s") { localDelivery %(rest)s }',
    ),
    ("Mutation", "localDeliveryStatusUpdate"): (
        "mutation",
        'localDeliveryStatusUpdate(id: "%(local_delivery)s", status: PREPARING)',
    ),
    ("Mutation", "localDeliveryDeliver"): (
        "mutation",
        'localDeliveryDeliver(id: "%(local_delivery)s", code: "GUESS1")',
    ),
    ("Mutation", "localDeliveryCodeUnlock"): (
        "mutation",
        'localDeliveryCodeUnlock(id: "%(local_delivery)s", reason: "x")',
    ),
    ("Query", "myOfferClaims"): ("query", "myOfferClaims"),
    ("Query", "o2oWebhookDeliveries"): ("query", "o2oWebhookDeliveries(first: 10)"),
    ("Query", "store"): ("query", 'store(id: "%(store)s")'),
    ("Query", "stores"): ("query", "stores(first: 10)"),
    ("Query", "myStores"): ("query", "myStores(first: 10)"),
    ("Query", "offer"): ("query", 'offer(id: "%(offer)s")'),
    ("Query", "offerList"): ("query", "offerList(first: 10)"),
    ("Query", "offers"): (
        "query",
        "offers(near: {latitude: 48.8606, longitude: 2.3376}, first: 10)",
    ),
    ("Query", "offerStats"): ("query", 'offerStats(offerId: "%(offer)s")'),
    ("Order", "pickup"): ("query", 'order(id: "%(order)s") { pickup %(rest)s }'),
    ("Checkout", "pickup"): (
        "query",
        'checkout(token: "%(checkout)s") { pickup %(rest)s }',
    ),
    ("Checkout", "pickupOptions"): (
        "query",
        'checkout(token: "%(checkout)s") { pickupOptions(near: {latitude: 48.86, '
        "longitude: 2.34}) %(rest)s }",
    ),
    ("Checkout", "localDelivery"): (
        "query",
        'checkout(token: "%(checkout)s") { localDelivery %(rest)s }',
    ),
    ("Checkout", "localDeliveryOptions"): (
        "query",
        'checkout(token: "%(checkout)s") { localDeliveryOptions %(rest)s }',
    ),
    ("ProductVariant", "storeAvailability"): (
        "query",
        'productVariant(id: "%(variant)s") { storeAvailability(near: {latitude: '
        "48.86, longitude: 2.34}) %(rest)s }",
    ),
    ("Webhook", "o2oEvents"): (
        "query",
        'webhook(id: "%(webhook)s") { o2oEvents %(rest)s }',
    ),
    ("Mutation", "pickupStatusUpdate"): (
        "mutation",
        'pickupStatusUpdate(id: "%(pickup)s", status: PREPARING)',
    ),
    ("Mutation", "pickupCollect"): (
        "mutation",
        'pickupCollect(id: "%(pickup)s", code: "GUESS1")',
    ),
    ("Mutation", "pickupCodeUnlock"): (
        "mutation",
        'pickupCodeUnlock(id: "%(pickup)s", reason: "x")',
    ),
    ("Mutation", "pickupCheckIn"): (
        "mutation",
        'pickupCheckIn(orderToken: "00000000-0000-0000-0000-000000000000")',
    ),
    ("Mutation", "pickupAlternateCollectorUpdate"): (
        "mutation",
        'pickupAlternateCollectorUpdate(orderToken: "00000000-0000-0000-0000-'
        '000000000000", name: "x")',
    ),
    ("Mutation", "checkoutPickupStoreUpdate"): (
        "mutation",
        'checkoutPickupStoreUpdate(checkoutId: "%(checkout_id)s", '
        'storeId: "%(store)s")',
    ),
    ("Mutation", "checkoutLocalDeliveryUpdate"): (
        "mutation",
        'checkoutLocalDeliveryUpdate(checkoutId: "%(checkout_id)s", '
        'storeId: "%(store)s", window: "2030-01-01T10:00:00+00:00")',
    ),
    ("Mutation", "checkoutComplete"): (
        "mutation",
        'checkoutComplete(checkoutId: "%(checkout_id)s")',
    ),
    ("Mutation", "offerClaim"): (
        "mutation",
        'offerClaim(offerId: "%(offer)s", near: {latitude: 48.8606, '
        "longitude: 2.3376})",
    ),
    ("Mutation", "offerRedeem"): (
        "mutation",
        'offerRedeem(code: "GUESS123", storeId: "%(store)s")',
    ),
    ("Mutation", "offerCreate"): (
        "mutation",
        'offerCreate(input: {title: "x", rewardType: GIFT, rewardGift: "x", '
        'storeIds: ["%(store)s"]})',
    ),
    ("Mutation", "offerUpdate"): (
        "mutation",
        'offerUpdate(id: "%(offer)s", input: {title: "mine now"})',
    ),
    ("Mutation", "offerDelete"): ("mutation", 'offerDelete(id: "%(offer)s")'),
    ("Mutation", "storeCreate"): (
        "mutation",
        'storeCreate(input: {name: "x", address: {streetAddress1: "1 Rue", city: '
        '"Paris", postalCode: "75001", country: FR}})',
    ),
    ("Mutation", "storeDeliveryAreaUpdate"): (
        "mutation",
        'storeDeliveryAreaUpdate(storeId: "%(store)s", input: {radiusKm: 1})',
    ),
    ("Mutation", "storeUpdate"): (
        "mutation",
        'storeUpdate(id: "%(store)s", input: {name: "mine now"})',
    ),
    ("Mutation", "storeDelete"): ("mutation", 'storeDelete(id: "%(other_store)s")'),
    ("Mutation", "storeGeocode"): ("mutation", 'storeGeocode(id: "%(store)s")'),
    ("Mutation", "storeStockUpdate"): (
        "mutation",
        'storeStockUpdate(storeId: "%(store)s", safetyStock: 1)',
    ),
    ("Mutation", "storeStaffUpdate"): (
        "mutation",
        'storeStaffUpdate(storeId: "%(store)s", userId: "%(user)s", role: MANAGER)',
    ),
    ("Mutation", "storeStaffRemove"): (
        "mutation",
        'storeStaffRemove(storeId: "%(store)s", userId: "%(user)s")',
    ),
    ("Mutation", "appStoreAccessUpdate"): (
        "mutation",
        'appStoreAccessUpdate(appId: "%(app)s", storeIds: null)',
    ),
    ("Mutation", "o2oWebhookEventsUpdate"): (
        "mutation",
        'o2oWebhookEventsUpdate(webhookId: "%(webhook)s", events: [])',
    ),
    ("Query", "storeEvent"): ("query", 'storeEvent(id: "%(store_event)s")'),
    ("Query", "storeEventList"): ("query", "storeEventList(first: 10)"),
    ("Query", "storeEvents"): (
        "query",
        "storeEvents(near: {latitude: 48.8606, longitude: 2.3376}, first: 10)",
    ),
    ("Query", "myStoreEventRsvps"): ("query", "myStoreEventRsvps"),
    ("Mutation", "storeEventCreate"): (
        "mutation",
        'storeEventCreate(input: {title: "x", startsAt: "2030-01-01T10:00:00+00:00", '
        'endsAt: "2030-01-01T11:00:00+00:00", storeIds: ["%(store)s"]})',
    ),
    ("Mutation", "storeEventUpdate"): (
        "mutation",
        'storeEventUpdate(id: "%(store_event)s", input: {title: "mine now"})',
    ),
    ("Mutation", "storeEventDelete"): (
        "mutation",
        'storeEventDelete(id: "%(store_event)s")',
    ),
    ("Mutation", "storeEventRsvp"): (
        "mutation",
        'storeEventRsvp(eventId: "%(store_event)s", email: "guess@example.com")',
    ),
    ("Mutation", "storeEventRsvpCancel"): (
        "mutation",
        'storeEventRsvpCancel(token: "%(guessed_token)s")',
    ),
    ("Mutation", "o2oWebhookDeliveryRetry"): (
        "mutation",
        'o2oWebhookDeliveryRetry(id: "%(delivery)s")',
    ),
    ("Query", "appointment"): ("query", 'appointment(id: "%(appointment)s")'),
    ("Query", "appointments"): ("query", "appointments(first: 10)"),
    ("User", "appointments"): (
        "query",
        'user(id: "%(user)s") { appointments(first: 10) %(rest)s }',
    ),
    ("Mutation", "appointmentBook"): (
        "mutation",
        'appointmentBook(input: {typeId: "%(appointment_type)s", '
        'startsAt: "2030-01-01T10:00:00+00:00", email: "guess@example.com"})',
    ),
    ("Mutation", "appointmentReschedule"): (
        "mutation",
        'appointmentReschedule(id: "%(appointment)s", '
        'startsAt: "2030-01-01T10:00:00+00:00")',
    ),
    ("Mutation", "appointmentCancel"): (
        "mutation",
        'appointmentCancel(id: "%(appointment)s")',
    ),
    ("Mutation", "appointmentCheckIn"): (
        "mutation",
        'appointmentCheckIn(id: "%(appointment)s")',
    ),
    ("Mutation", "appointmentMarkNoShow"): (
        "mutation",
        'appointmentMarkNoShow(id: "%(appointment)s")',
    ),
    ("Mutation", "appointmentTypeCreate"): (
        "mutation",
        'appointmentTypeCreate(storeId: "%(store)s", input: {name: "x"})',
    ),
    ("Mutation", "appointmentTypeUpdate"): (
        "mutation",
        'appointmentTypeUpdate(id: "%(appointment_type)s", input: {name: "mine"})',
    ),
    ("Mutation", "appointmentTypeDelete"): (
        "mutation",
        'appointmentTypeDelete(id: "%(appointment_type)s")',
    ),
    ("Mutation", "storeOccupancyUpdate"): (
        "mutation",
        'storeOccupancyUpdate(storeId: "%(store)s", delta: 1)',
    ),
    ("Mutation", "storeOccupancySettingsUpdate"): (
        "mutation",
        'storeOccupancySettingsUpdate(storeId: "%(store)s", input: {capacity: 9})',
    ),
    ("Query", "tryOnReservation"): ("query", 'tryOnReservation(id: "%(try_on)s")'),
    ("Query", "tryOnReservations"): ("query", "tryOnReservations(first: 10)"),
    ("Query", "myTryOnReservations"): ("query", "myTryOnReservations(first: 10)"),
    ("Mutation", "tryOnReserve"): (
        "mutation",
        'tryOnReserve(input: {storeId: "%(store)s", lines: [{variantId: '
        '"%(variant)s", quantity: 1}], email: "guess@example.com"})',
    ),
    ("Mutation", "tryOnCancel"): ("mutation", 'tryOnCancel(id: "%(try_on)s")'),
    ("Mutation", "tryOnRelease"): ("mutation", 'tryOnRelease(id: "%(try_on)s")'),
    ("Mutation", "tryOnConvert"): ("mutation", 'tryOnConvert(id: "%(try_on)s")'),
}


def test_every_path_to_a_secret_is_probed():
    """A new field leading to a secret must be added to CALLS (and is then probed)."""
    unprobed = sorted(
        {(type_name, field) for type_name, field, _target in paths()} - set(CALLS)
    )
    assert not unprobed, f"Add these entry points to CALLS: {unprobed}"


@pytest.fixture
def victim(
    o2o_active,
    store,
    store_factory,
    variant,
    offer,
    pickup_factory,
    local_delivery_factory,
    customer_user,
    permission_manage_orders,
    permission_manage_products,
    permission_manage_discounts,
    permission_manage_webhooks,
):
    """A shopper with a pickup, a local delivery and a claim at Paris, a clerk there,
    an app's webhook with a secret and a delivery; return their secrets and
    guessable IDs."""
    from saleor.checkout.models import Checkout

    clerk = User.objects.create_user("clerk@paris.example", "x", is_staff=True)
    StoreMembership.objects.create(user=clerk, store=store, role="manager")
    owner = App.objects.create(name="Notifications", is_active=True)
    owner.permissions.add(permission_manage_orders, permission_manage_webhooks)
    webhook = Webhook.objects.create(
        app=owner,
        name="Shopper notifications",
        target_url="https://hooks.example.com/o2o",
        secret_key="victims-webhook-secret",
    )
    webhook_services.webhook_subscriptions_set(
        webhook=webhook, event_types=["pickup_ready"]
    )
    pickup = pickup_factory(user=customer_user)
    staff = pickup_services.Actor.of(clerk)
    pickup_services.pickup_status_update(pickup=pickup, status="ready", actor=staff)
    local_delivery = local_delivery_factory(user=customer_user)
    claim = claims.offer_claim(
        offer_id=offer.pk,
        shopper=shoppers.Shopper(user=customer_user),
        store=store,
        point=Point(store.latitude, store.longitude),
    )
    from saleor_o2o.webhook.models import WebhookDelivery

    delivery = WebhookDelivery.objects.order_by("pk").last()
    Checkout.objects.create(email=customer_user.email, user=customer_user)
    lyon = store_factory("Lyon Bellecour", 45.7578, 4.832, city="Lyon")
    from saleor_o2o.visits.events import rsvp

    from fixtures.events import make_event

    store_event = make_event(store)
    from saleor.warehouse.models import Stock

    from saleor_o2o.store.supply import Line
    from saleor_o2o.visits.appointments import booking
    from saleor_o2o.visits.appointments import services as appointment_services
    from saleor_o2o.visits.try_on import services as try_on_services

    appointment_type = appointment_services.appointment_type_create(
        store=store,
        data={"name": "Fitting", "min_notice_minutes": 0, "book_ahead_days": 7},
    )
    from django.utils import timezone

    from saleor_o2o.visits.appointments.selectors import appointment_slots

    today = timezone.now()
    slot = next(
        slot
        for days in range(8)
        for slot in appointment_slots(
            appointment_type, (today + timezone.timedelta(days=days)).date(), now=today
        )
    )
    appointment, appointment_token = booking.appointment_book(
        appointment_type_id=appointment_type.pk,
        starts_at=slot.start,
        user=customer_user,
    )
    Stock.objects.update_or_create(
        warehouse=store.warehouse, product_variant=variant, defaults={"quantity": 9}
    )
    try_on = try_on_services.try_on_reserve(
        store_id=store.pk, lines=[Line(variant.pk, 1)], user=customer_user
    )
    place = rsvp.store_event_rsvp(event_id=store_event.pk, user=customer_user)
    guest = rsvp.store_event_rsvp(
        event_id=store_event.pk, email="guest.victim@example.com"
    )
    ids = {
        "user": gid("User", customer_user.pk),
        "pickup": gid("Pickup", pickup.pk),
        "order": gid("Order", pickup.order_id),
        "local_delivery": gid("LocalDelivery", local_delivery.pk),
        "delivery_order": gid("Order", local_delivery.order_id),
        "store": gid("Store", store.pk),
        "other_store": gid("Store", lyon.pk),
        "offer": gid("Offer", offer.pk),
        "variant": gid("ProductVariant", variant.pk),
        "webhook": gid("Webhook", webhook.pk),
        "delivery": gid("O2OWebhookDelivery", delivery.pk if delivery else 0),
        "app": gid("App", owner.pk),
        # A stranger cannot know the victim's checkout token: they use their own.
        "checkout": "00000000-0000-0000-0000-000000000000",
        "checkout_id": gid("Checkout", "00000000-0000-0000-0000-000000000000"),
        "store_event": gid("StoreEvent", store_event.pk),
        "guessed_token": "0" * 64,
        "appointment": gid("Appointment", appointment.pk),
        "appointment_type": gid("AppointmentType", appointment_type.pk),
        "try_on": gid("TryOnReservation", try_on.reservation.pk),
    }
    secrets = [
        pickup.code,
        claim.code,
        customer_user.email,
        clerk.email,
        "victims-webhook-secret",
        str(pickup.order.token),
        local_delivery.code,
        str(local_delivery.order.token),
        place.token,
        guest.token,
        "guest.victim@example.com",
        appointment.code,
        appointment_token,
        try_on.token,
    ]
    return ids, secrets, lyon


@pytest.fixture
def strangers(
    victim,
    permission_manage_orders,
    permission_manage_products,
    permission_manage_discounts,
    permission_manage_webhooks,
):
    _ids, _secrets, lyon = victim
    # Not a superstring of the victim's address: RSVPs echo the caller's own.
    shopper = User.objects.create_user("stranger@example.org", "x")
    clerk = User.objects.create_user("clerk@lyon.example", "x", is_staff=True)
    from django.contrib.auth.models import Permission

    manage_pages = Permission.objects.get(codename="manage_pages")
    clerk.user_permissions.add(
        permission_manage_orders,
        permission_manage_products,
        permission_manage_discounts,
        manage_pages,
    )
    StoreMembership.objects.create(user=clerk, store=lyon, role="manager")
    app = App.objects.create(name="Another app", is_active=True)
    app.permissions.add(
        permission_manage_orders,
        permission_manage_products,
        permission_manage_discounts,
        permission_manage_webhooks,
        manage_pages,
    )
    AppStore.objects.create(app=app, store=lyon)
    return {
        "anonymous": ApiClient(),
        "another shopper": ApiClient(user=shopper),
        "another store's clerk": ApiClient(user=clerk),
        "another app": ApiClient(app=app),
    }


def test_no_stranger_reads_a_secret_on_any_path(victim, strangers):
    ids, secrets, _lyon = victim
    for (type_name, field, target), path in sorted(paths().items()):
        operation, call = CALLS[(type_name, field)]
        rest = selection(path, target)
        if "%(rest)s" in call:
            body = call % {**ids, "rest": rest}
        else:
            body = "%s %s" % (call % ids, rest)
        query = "%s { %s }" % (operation, body)
        for who, client in strangers.items():
            response = client.post_graphql(query)
            text = response.content.decode()
            assert response.status_code in (200, 400), (who, query, text[:500])
            leaked = [secret for secret in secrets if secret in text]
            assert not leaked, (who, query, json.loads(text))
