"""Every ID an O2O webhook payload carries names a type of the API and resolves there.

A subscriber reads an ID from a payload and asks the API about it; an ID of a type
the schema does not have (``OfferClaim:9`` where the API says ``ClaimedOffer:9``)
cannot be matched. Every event type is produced here, every ID in every payload is
decoded, and each one is looked up through GraphQL.
"""

import base64
import binascii
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from saleor.account.models import User
from saleor.warehouse.models import Stock

from saleor_o2o.core.geo import Point
from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.graphql.api import schema
from saleor_o2o.local_delivery import rules as delivery_rules
from saleor_o2o.occupancy import services as occupancy_services
from saleor_o2o.offer import claims, shoppers
from saleor_o2o.pickup import expiry, handover
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.store import stock as store_stock
from saleor_o2o.visits.appointments import desk_services, notices, sweeps
from saleor_o2o.visits.events import rsvp
from saleor_o2o.visits.try_on import sale as try_on_sale
from saleor_o2o.visits.try_on import services as try_on_services
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

from helpers import deliveries

#: How to look each type up through the API, as a superuser.
LOOKUPS = {
    "Pickup": "query($id: ID!) { found: pickup(id: $id) { id } }",
    "Order": "query($id: ID!) { found: order(id: $id) { id } }",
    "Store": "query($id: ID!) { found: store(id: $id) { id } }",
    "Warehouse": "query($id: ID!) { found: warehouse(id: $id) { id } }",
    "User": "query($id: ID!) { found: user(id: $id) { id } }",
    "App": "query($id: ID!) { found: app(id: $id) { id } }",
    "ProductVariant": "query($id: ID!) { found: productVariant(id: $id) { id } }",
    "Offer": "query($id: ID!) { found: offer(id: $id) { id } }",
    "LocalDelivery": "query($id: ID!) { found: localDelivery(id: $id) { id } }",
    "StoreEvent": "query($id: ID!) { found: storeEvent(id: $id) { id } }",
    "TryOnReservation": ("query($id: ID!) { found: tryOnReservation(id: $id) { id } }"),
}
#: Appointments and their types, as the desk lists them on the appointment's day.
APPOINTMENTS_ON = """
query($date: Date) { appointments(first: 100, date: $date) {
  edges { node { id appointmentType { id } } } } }
"""


def global_ids(value):
    """Yield every string in a payload that is a Relay global ID."""
    if isinstance(value, dict):
        for item in value.values():
            yield from global_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from global_ids(item)
    elif isinstance(value, str):
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return
        type_name, _, pk = decoded.partition(":")
        if type_name.isalnum() and type_name[:1].isupper() and pk:
            yield value, type_name


@pytest.fixture
def every_event(
    o2o_active,
    pickup_factory,
    local_delivery_factory,
    store,
    variant,
    offer,
    app,
    staff_user,
    customer_user,
    appointment_desk_factory,
    try_on_reserve,
    store_event,
):
    """Make the extension record at least one event of every type."""
    staff = pickup_services.Actor.of(staff_user)
    by_app = pickup_services.Actor.of(app)
    collected = pickup_factory(user=customer_user)
    for status in ("preparing", "ready"):
        pickup_services.pickup_status_update(
            pickup=collected, status=status, actor=by_app
        )
    pickup_services.pickup_check_in(order=collected.order, user=customer_user)
    handover.pickup_collect(pickup=collected, code=collected.code, actor=staff)

    cancelled = pickup_factory()
    pickup_services.pickup_status_update(
        pickup=cancelled, status="cancelled", actor=staff
    )

    expiring = pickup_factory()
    pickup_services.pickup_status_update(pickup=expiring, status="ready", actor=staff)
    settings = get_o2o_settings()
    ready_at = timezone.now()
    hold = settings.hold_policy
    expiry.pickups_expire(
        now=ready_at + hold.hold - hold.remind_before + timedelta(minutes=1)
    )
    expiry.pickups_expire(now=ready_at + hold.hold + timedelta(minutes=1))

    store_stock.store_stock_update(
        store=store,
        levels=[store_stock.StockLevel(variant.pk, 1)],
        low_stock_threshold=2,
    )
    claim = claims.offer_claim(
        offer_id=offer.pk,
        shopper=shoppers.Shopper(user=customer_user),
        store=store,
        point=Point(store.latitude, store.longitude),
    )
    claims.offer_redeem(code=claim.code, store=store, staff=staff_user)

    # Every local delivery move: out twice (a retry), delivered; returned; cancelled.
    lc = delivery_rules
    delivered = local_delivery_factory(user=customer_user)
    path = (lc.PREPARING, lc.OUT_FOR_DELIVERY, lc.FAILED_ATTEMPT, lc.OUT_FOR_DELIVERY)
    deliveries.move(delivered, *path, lc.DELIVERED, actor=staff)
    returned = local_delivery_factory()
    deliveries.move(returned, *path[:3], lc.RETURNED_TO_STORE, actor=by_app)
    deliveries.move(local_delivery_factory(), lc.CANCELLED, actor=staff)

    # Every appointment notice: booked, moved and cancelled as the booking services
    # tell them; checked in at the desk; a no-show marked by the beat's sweep.
    now = timezone.now()
    moved = appointment_desk_factory(now + timedelta(hours=2), user=customer_user)
    with transaction.atomic():
        for notice in (notices.BOOKED, notices.RESCHEDULED, notices.CANCELLED):
            notices.appointment_notify(moved, notice)
    arrived = appointment_desk_factory(now + timedelta(minutes=5))
    desk_services.appointment_check_in(arrived, by_app, now=arrived.starts_at)
    appointment_desk_factory(now - timedelta(hours=1))
    sweeps.appointments_sweep(now=now)

    # Every try-on move: reserved, then released, expired, sold and cancelled.
    Stock.objects.filter(warehouse=store.warehouse, product_variant=variant).update(
        quantity=20
    )

    def held():
        return try_on_reserve(store, variant, 1, user=customer_user).reservation

    try_on_services.try_on_release(held(), staff)
    try_on_services.try_on_cancel(held(), pickup_services.Actor.shopper(customer_user))
    try_on_sale.try_on_convert(held(), staff)
    expiring_hold = held()
    try_on_services.try_on_expire(now=expiring_hold.held_until + timedelta(minutes=1))

    # An RSVP taken and given back.
    place = rsvp.store_event_rsvp(event_id=store_event.pk, user=customer_user)
    rsvp.store_event_rsvp_cancel(token=place.token)

    # A store that becomes crowded, then eases.
    occupancy_services.occupancy_settings_update(
        store_id=store.pk, data={"capacity": 10}
    )
    occupancy_services.store_occupancy_update(store_id=store.pk, count=10)
    occupancy_services.store_occupancy_update(store_id=store.pk, count=0)
    return customer_user


def test_every_payload_id_resolves_through_the_api(every_event, api_client):
    recorded = {event.type for event in O2OEvent.objects.all()}
    assert recorded == {value for value, _label in O2OEventType.CHOICES}

    type_map = schema.get_type_map()
    found = {}
    for event in O2OEvent.objects.all():
        for global_id, type_name in global_ids(event.payload):
            found[global_id] = (type_name, event.type)
    assert {type_name for type_name, _event in found.values()} >= {
        "Pickup",
        "Order",
        "Store",
        "ClaimedOffer",
        "Offer",
        "LocalDelivery",
    }

    api_client.user = User.objects.create_superuser("root@example.com", "password")
    customer = type(api_client)(user=every_event)
    for global_id, (type_name, event_type) in sorted(found.items()):
        where = f"{global_id} ({type_name}) in {event_type}"
        assert type_name in type_map, f"{where}: no such type in the API"
        if type_name == "ClaimedOffer":
            answer = customer.post_graphql("{ myOfferClaims { id } }").json()
            claims = [claim["id"] for claim in answer["data"]["myOfferClaims"]]
            assert global_id in claims, where
            continue
        if type_name == "StoreEventRsvp":  # Its shopper's own, as claims are.
            answer = customer.post_graphql("{ myStoreEventRsvps { id } }").json()
            places = [place["id"] for place in answer["data"]["myStoreEventRsvps"]]
            assert global_id in places, where
            continue
        if type_name in ("Appointment", "AppointmentType"):
            assert global_id in appointment_ids(api_client, global_id), where
            continue
        assert type_name in LOOKUPS, f"{where}: say how to look it up in LOOKUPS"
        answer = json.loads(
            api_client.post_graphql(LOOKUPS[type_name], {"id": global_id}).content
        )
        assert answer.get("data", {}).get("found") == {"id": global_id}, (
            where,
            answer,
        )


def appointment_ids(client, global_id):
    """Return the IDs of the desk's appointments (and their types) on the day of
    the appointment, or of the type's appointments, named by ``global_id``."""
    from saleor_o2o.visits.appointments.desk_rules import local_day
    from saleor_o2o.visits.appointments.models import Appointment

    type_name, pk = base64.b64decode(global_id).decode().split(":")
    field = "pk" if type_name == "Appointment" else "appointment_type_id"
    found = set()
    for appointment in Appointment.objects.filter(**{field: pk}).select_related(
        "store"
    ):
        day = local_day(appointment.starts_at, appointment.store.timezone)
        answer = client.post_graphql(APPOINTMENTS_ON, {"date": day.isoformat()})
        for edge in json.loads(answer.content)["data"]["appointments"]["edges"]:
            found |= {edge["node"]["id"], edge["node"]["appointmentType"]["id"]}
    return found


def _strings(value, key=None):
    """Yield ``(key, string)`` for every string in a payload, with its key."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _strings(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value


def test_payloads_carry_no_order_token_and_the_code_only_where_a_notice_needs_it(
    every_event,
):
    """A subscriber with the event's permission needs no token: it reads by ID.

    Whoever holds an order's token opens it as its shopper (orderByToken,
    pickupCheckIn); the handover code goes only with the events that tell the
    shopper to come (pickup_ready, pickup_expiry_reminder).
    """
    from saleor.order.models import Order

    from saleor_o2o.offer.models import OfferClaim
    from saleor_o2o.pickup.models import Pickup
    from saleor_o2o.visits.appointments.models import Appointment

    tokens = {str(token) for token in Order.objects.values_list("token", flat=True)}
    pickup_codes = dict(Pickup.objects.values_list("pk", "code"))
    claim_codes = set(OfferClaim.objects.values_list("code", flat=True))
    claim_codes |= set(Appointment.objects.values_list("code", flat=True))
    claim_codes |= set(Appointment.objects.values_list("token_hash", flat=True))
    assert tokens and pickup_codes and claim_codes

    with_code = set()
    for event in O2OEvent.objects.all():
        found = list(_strings(event.payload))
        assert "token" not in json.dumps(event.payload), event.type
        assert not tokens & {value for _, value in found}, event.type
        assert not claim_codes & {value for _, value in found}, event.type
        codes = [value for key, value in found if value in pickup_codes.values()]
        if event.type in (
            O2OEventType.PICKUP_READY,
            O2OEventType.PICKUP_EXPIRY_REMINDER,
        ):
            with_code.add(event.type)
            pickup_pk = int(
                base64.b64decode(event.payload["id"]).decode().split(":")[1]
            )
            assert event.payload["code"] == pickup_codes[pickup_pk]
            assert codes == [event.payload["code"]]
        else:
            assert "code" not in event.payload and codes == [], event.type
    assert with_code == {
        O2OEventType.PICKUP_READY,
        O2OEventType.PICKUP_EXPIRY_REMINDER,
    }
