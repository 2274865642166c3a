from io import StringIO

import pytz
from django.core.management import call_command
from saleor.plugins.models import PluginConfiguration
from saleor.warehouse.models import Stock, Warehouse

from saleor_o2o.core import settings as conf
from saleor_o2o.store.models import Store


def test_demo_data_creates_stores_with_hours_and_stock(variant):
    out = StringIO()
    call_command("o2o_populatedb", stdout=out)
    stores = Store.objects.select_related("warehouse")
    assert stores.count() == 12
    assert {store.warehouse.address.country.code for store in stores} == {
        "FR",
        "GB",
        "DE",
        "US",
        "JP",
        "AU",
    }
    assert all(store.opening_hours and store.has_coordinates for store in stores)
    assert all(store.hours_exceptions.exists() for store in stores)
    assert all(store.pickup_safety_stock == 1 for store in stores)
    # Each store stocks the catalogue's variant in its own warehouse.
    assert Stock.objects.filter(warehouse__o2o_store__isnull=False).count() == 12
    assert "[12/12]" in out.getvalue()
    assert PluginConfiguration.objects.get(identifier=conf.PLUGIN_ID).active


def test_demo_data_is_safe_to_load_twice(variant):
    call_command("o2o_populatedb", stdout=StringIO())
    call_command("o2o_populatedb", stdout=StringIO())
    assert Store.objects.count() == 12
    assert Warehouse.objects.count() == 12
    assert Stock.objects.count() == 12


def test_demo_data_keeps_a_merchants_plugin_configuration(variant):
    call_command("o2o_populatedb", stdout=StringIO())
    config = PluginConfiguration.objects.get(identifier=conf.PLUGIN_ID)
    for item in config.configuration:
        if item["name"] == conf.MAX_RADIUS_KM:
            item["value"] = "80"
    config.save()
    call_command("o2o_populatedb", stdout=StringIO())
    config.refresh_from_db()
    values = {item["name"]: item["value"] for item in config.configuration}
    assert values[conf.MAX_RADIUS_KM] == "80"


def test_demo_subscribes_its_receiver_to_every_o2o_event(variant):
    from saleor.webhook.models import Webhook

    from saleor_o2o.webhook.events import O2OEventType

    call_command("o2o_populatedb", stdout=StringIO())
    webhook = Webhook.objects.get()
    assert webhook.target_url == "http://127.0.0.1:8765/"
    # Again, with the receiver on another port (WEBHOOK_PORT): nothing duplicated.
    call_command(
        "o2o_populatedb", webhook_url="http://127.0.0.1:8799/", stdout=StringIO()
    )

    webhook = Webhook.objects.get()
    assert webhook.target_url == "http://127.0.0.1:8799/"
    assert set(webhook.o2o_subscriptions.values_list("event_type", flat=True)) == {
        value for value, _ in O2OEventType.CHOICES
    }


def test_demo_pickup_goes_from_received_to_collected_with_webhooks(
    variant, webhook_receiver, on_commit, site_settings, staff_user
):
    from saleor.order import OrderStatus
    from saleor.webhook.models import Webhook

    from saleor_o2o.pickup.models import Pickup

    call_command("o2o_populatedb", stdout=StringIO())
    Webhook.objects.update(
        target_url=webhook_receiver.url, secret_key=webhook_receiver.secret
    )
    Stock.objects.filter(warehouse__o2o_store__name="Paris Rivoli").update(quantity=5)
    out = StringIO()

    with on_commit():
        call_command("o2o_demo_pickup", pause=0, stdout=out)

    pickup = Pickup.objects.get()
    assert pickup.status == "collected"
    assert pickup.order.status == OrderStatus.FULFILLED
    events = [r["headers"]["X-Saleor-Event"] for r in webhook_receiver.requests]
    assert events == [
        "pickup_created",
        "pickup_preparing",
        "pickup_ready",
        "pickup_collected",
    ]
    assert all(r["verified"] for r in webhook_receiver.requests)
    assert "COLLECTED" in out.getvalue()


def test_demo_offers_are_seen_near_paris_claimed_and_redeemed_once(
    variant, staff_user, customer_user
):
    import uuid

    from saleor_o2o.core.errors import O2OError
    from saleor_o2o.core.geo import Point
    from saleor_o2o.offer import claims as offer_claims
    from saleor_o2o.offer import selectors as offer_selectors
    from saleor_o2o.offer import shoppers
    from saleor_o2o.offer.models import Offer

    call_command("o2o_populatedb", stdout=StringIO())
    call_command("o2o_populatedb", stdout=StringIO())
    assert Offer.objects.count() == 5
    shopper = shoppers.Shopper(token=uuid.uuid4())
    paris_centre = Point(48.8566, 2.3522)
    ranked = offer_selectors.offers_ranked(
        point=paris_centre, radius_km=25, shopper=shopper
    )
    titles = [Offer.objects.get(pk=r.offer_id).title for r in ranked]
    assert "15% off everything in our Paris stores" in titles
    assert "20% off in London" not in titles
    # New shoppers do not see the offer for returning customers.
    assert "Welcome back: 5 off in any store" not in titles
    paris = Offer.objects.get(title="15% off everything in our Paris stores")
    # One claim per shopper: a logged-in shopper's, in Paris.
    claim = offer_claims.offer_claim(
        offer_id=paris.pk,
        shopper=shoppers.Shopper(user=customer_user),
        point=paris_centre,
    )
    store = next(r for r in ranked if r.offer_id == paris.pk).store_id
    store = paris.stores.get(pk=store)
    offer_claims.offer_redeem(code=claim.code, store=store, staff=staff_user)
    try:
        offer_claims.offer_redeem(code=claim.code, store=store, staff=staff_user)
    except O2OError as error:
        assert error.code == "ALREADY_REDEEMED"
    else:
        raise AssertionError("redeemed twice")


def test_demo_data_has_a_store_event_at_two_paris_stores(variant):
    from saleor_o2o.visits.events.models import StoreEvent

    call_command("o2o_populatedb", stdout=StringIO())
    call_command("o2o_populatedb", stdout=StringIO())
    event = StoreEvent.objects.get()
    assert event.is_published and event.capacity == 30
    assert sorted(event.stores.values_list("name", flat=True)) == [
        "Paris Opéra",
        "Paris Rivoli",
    ]
    paris = event.starts_at.astimezone(pytz.timezone("Europe/Paris"))
    assert (paris.weekday(), paris.hour) == (5, 18)  # Saturday, 18:00 in Paris.


def test_demo_stores_offer_appointment_types_once(variant):
    from saleor_o2o.visits.appointments.models import AppointmentType

    call_command("o2o_populatedb", stdout=StringIO())
    call_command("o2o_populatedb", stdout=StringIO())
    assert AppointmentType.objects.count() == 24
    assert set(AppointmentType.objects.values_list("name", flat=True)) == {
        "Personal styling",
        "Fitting room",
    }
    assert all(t.is_active for t in AppointmentType.objects.all())
