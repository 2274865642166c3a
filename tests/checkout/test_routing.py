"""Shipped orders routed by distance, through Saleor's ``checkoutComplete``.

France ships from three places: a store in Lille (its own coordinates) and plain
warehouses in Lyon and Marseille (geocoded by the fake provider). The shopper lives
in Paris: Lille is nearest (~200 km), then Lyon (~390 km), then Marseille. From
France's centre (the address not placed) Lyon is nearest, Lille second.
"""

from decimal import Decimal

import pytest
from saleor.account.models import Address
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Allocation, Stock, Warehouse

from saleor_o2o.checkout import completion
from saleor_o2o.core import settings as conf
from saleor_o2o.core.geo import Point
from saleor_o2o.routing import services as routing_services
from saleor_o2o.routing.models import WarehouseLocation
from saleor_o2o.store import reservations
from saleor_o2o.store.models import GeocodingStatus, PickupReservation

from fixtures.store import make_store
from helpers import fake_gateway
from helpers.storefront import client_storefront, outcome

PARIS = (48.857, 2.352)
LYON = (45.764, 4.836)
MARSEILLE = (43.296, 5.370)
LILLE = (50.630, 3.060)


def route(configure, fake, on: bool = True):
    """Configure the plugin with the fake geocoder and routing on or off."""
    configure(
        active=True,
        **{
            conf.GEOCODER_PROVIDER: "nominatim",
            conf.GEOCODER_DOMAIN: fake.domain,
            conf.GEOCODER_SCHEME: "http",
            conf.ROUTE_BY_DISTANCE: on,
        },
    )


def warehouse(name: str, city: str, postal_code: str, zone) -> Warehouse:
    address = Address.objects.create(
        street_address_1=f"1 Rue de {name}",
        city=city,
        postal_code=postal_code,
        country="FR",
    )
    created = Warehouse.objects.create(name=name, slug=name.lower(), address=address)
    created.shipping_zones.add(zone)
    return created


@pytest.fixture
def france(settings, site_settings, variant, configure_o2o, fake_geocoder, on_commit):
    """Lille (a store), Lyon and Marseille ship to France; each has 5 units."""
    settings.PLUGINS = [*settings.PLUGINS, "helpers.fake_gateway.FakeCardGatewayPlugin"]
    settings.DEFAULT_COUNTRY = "FR"
    product = variant.product
    product.is_published = True
    product.save(update_fields=["is_published"])
    fake_geocoder.add("75004 Paris", *PARIS)
    fake_geocoder.add("69001 Lyon", *LYON)
    fake_geocoder.add("13001 Marseille", *MARSEILLE)
    route(configure_o2o, fake_geocoder)
    zone = ShippingZone.objects.create(name="France", countries=["FR"])
    courier = ShippingMethod.objects.create(
        name="Courier",
        type=ShippingMethodType.PRICE_BASED,
        shipping_zone=zone,
        price_amount=Decimal(5),
        minimum_order_price_amount=0,
        currency=variant.currency,
    )
    lille = make_store("Lille", *LILLE, city="Lille", postal_code="59000")
    lille.warehouse.shipping_zones.add(zone)
    with on_commit():  # Geocoded as they are created (Celery is eager here).
        lyon = warehouse("Lyon", "Lyon", "69001", zone)
        marseille = warehouse("Marseille", "Marseille", "13001", zone)
    places = {"lille": lille.warehouse, "lyon": lyon, "marseille": marseille}
    # Stock rows furthest first: Saleor's order (by stock row) is not the routed one.
    for place in reversed(list(places.values())):
        Stock.objects.create(warehouse=place, product_variant=variant, quantity=5)
    yield places, courier
    fake_gateway.during_payment.clear()


@pytest.fixture
def shopper(api_client):
    return client_storefront(api_client)


def stock_at(places, variant, **quantities):
    for name, quantity in quantities.items():
        Stock.objects.filter(warehouse=places[name], product_variant=variant).update(
            quantity=quantity
        )


def prepare(shopper, france, quantity: int) -> str:
    """Return a checkout shipping `quantity` units to Paris, ready to complete."""
    _places, courier = france
    variant_pk = Stock.objects.values_list("product_variant", flat=True).first()
    return shopper.checkout_prepare(
        lines=[(variant_pk, quantity)],
        method_id=courier.pk,
        gateway=fake_gateway.GATEWAY_ID,
    )


def order_from(shopper, france, quantity: int) -> str:
    return outcome(shopper.checkout_complete(prepare(shopper, france, quantity)))


def allocated(places):
    """Return {place name: units allocated there}."""
    names = {warehouse.pk: name for name, warehouse in places.items()}
    totals = {}
    for allocation in Allocation.objects.select_related("stock"):
        name = names[allocation.stock.warehouse_id]
        totals[name] = totals.get(name, 0) + allocation.quantity_allocated
    return totals


def test_warehouses_are_geocoded_when_created_and_when_they_move(
    france, fake_geocoder, on_commit
):
    places, _courier = france
    lyon = WarehouseLocation.objects.get(warehouse=places["lyon"])
    assert (lyon.latitude, lyon.longitude, lyon.status) == (
        *LYON,
        GeocodingStatus.SUCCEEDED,
    )
    # A store is where the store is: not geocoded again.
    assert not WarehouseLocation.objects.filter(warehouse=places["lille"]).exists()

    address = places["lyon"].address
    address.city, address.postal_code = "Marseille", "13001"
    address.save()
    with on_commit():
        places["lyon"].save()

    lyon.refresh_from_db()
    assert (lyon.latitude, lyon.longitude) == MARSEILLE
    assert "13001 Marseille" in lyon.query


def test_a_warehouse_the_provider_cannot_place_is_marked_failed(
    france, fake_geocoder, on_commit
):
    places, _courier = france
    with on_commit():
        nowhere = warehouse(
            "Nowhere", "Nowhere", "00000", ShippingZone.objects.get(name="France")
        )

    location = WarehouseLocation.objects.get(warehouse=nowhere)
    assert location.status == GeocodingStatus.FAILED
    assert location.latitude is None and location.error


def test_warehouses_are_not_geocoded_while_routing_is_off(
    france, configure_o2o, fake_geocoder, on_commit
):
    route(configure_o2o, fake_geocoder, on=False)
    with on_commit():
        paris = warehouse(
            "Paris", "Paris", "75004", ShippingZone.objects.get(name="France")
        )

    assert not WarehouseLocation.objects.filter(warehouse=paris).exists()


def test_the_nearest_place_with_the_whole_order_ships_it(shopper, france, variant):
    places, _courier = france
    stock_at(places, variant, lille=1)  # Nearest, but only part of the order.

    assert order_from(shopper, france, 2) == "order"

    assert allocated(places) == {"lyon": 2}
    assert not PickupReservation.objects.exists()


def test_the_nearest_place_ships_when_it_has_everything(shopper, france):
    places, _courier = france

    assert order_from(shopper, france, 5) == "order"

    assert allocated(places) == {"lille": 5}


def test_an_order_no_place_has_whole_is_split_nearest_first(shopper, france, variant):
    places, _courier = france
    stock_at(places, variant, lille=2, lyon=1, marseille=2)

    assert order_from(shopper, france, 4) == "order"

    # Lille's two, then Marseille can finish what Lyon alone cannot.
    assert allocated(places) == {"lille": 2, "marseille": 2}


def test_an_address_the_provider_cannot_place_is_routed_from_its_country(
    shopper, france, fake_geocoder
):
    places, _courier = france
    del fake_geocoder.places["75004 Paris"]

    assert order_from(shopper, france, 1) == "order"

    # From France's centre, Lyon is nearer than Lille.
    assert allocated(places) == {"lyon": 1}
    asked = [request["params"].get("q", "") for request in fake_geocoder.requests]
    assert any("75004 PARIS" in query.upper() for query in asked)


def test_a_provider_that_is_down_routes_from_the_country(
    shopper, france, fake_geocoder
):
    places, _courier = france
    fake_geocoder.failures.extend([503] * 5)

    assert order_from(shopper, france, 1) == "order"

    assert allocated(places) == {"lyon": 1}


def test_routing_off_allocates_in_primary_key_order(
    shopper, france, configure_o2o, fake_geocoder
):
    places, _courier = france
    route(configure_o2o, fake_geocoder, on=False)
    fake_geocoder.requests.clear()

    assert order_from(shopper, france, 2) == "order"

    first = Stock.objects.order_by("pk").first().warehouse
    assert allocated(places) == {"marseille": 2} and first == places["marseille"]
    assert fake_geocoder.requests == []  # Nothing asked of the provider.


def test_the_allocation_is_what_was_reserved(shopper, france, variant):
    places, _courier = france
    stock_at(places, variant, lille=1, lyon=1, marseille=5)
    reserved = []

    def meanwhile():
        reserved.extend(
            PickupReservation.objects.values_list("stock_id", "quantity").order_by(
                "stock_id"
            )
        )
        # While the bank answers, Lille is restocked: re-planning now would choose
        # it, but the units reserved in Marseille are the ones allocated.
        stock_at(places, variant, lille=5)

    fake_gateway.during_payment.append(meanwhile)

    assert order_from(shopper, france, 3) == "order"

    assert allocated(places) == {"marseille": 3}
    assert reserved == list(
        Allocation.objects.values_list("stock_id", "quantity_allocated").order_by(
            "stock_id"
        )
    )


def test_a_reservation_that_no_longer_fits_is_planned_again_nearest_first(
    shopper, france, variant
):
    places, _courier = france
    stock_at(places, variant, lille=0)
    # Staff count Lyon's shelf while the bank answers: one unit left, not two.
    fake_gateway.during_payment.append(
        lambda: store_stock_lower(places["lyon"], variant, 1)
    )

    assert order_from(shopper, france, 2) == "order"

    assert allocated(places) == {"marseille": 2}


def store_stock_lower(place, variant, quantity):
    Stock.objects.filter(warehouse=place, product_variant=variant).update(
        quantity=quantity
    )


def test_nothing_is_charged_when_no_place_can_ship_it_all(shopper, france, variant):
    places, _courier = france
    checkout_id = prepare(shopper, france, 4)
    stock_at(places, variant, lille=1, lyon=1, marseille=1)

    assert outcome(shopper.checkout_complete(checkout_id)) == "INSUFFICIENT_STOCK"

    assert not Order.objects.exists()
    assert not PickupReservation.objects.exists()


def test_reserving_and_allocating_never_ask_the_provider(
    france, variant, fake_geocoder
):
    """Inside the order's transactions only the cache is read: an address not
    placed beforehand is routed from the country's centre."""
    places, courier = france
    address = Address.objects.create(
        street_address_1="10 Rue de Rivoli",
        city="Paris",
        postal_code="75004",
        country="FR",
    )
    checkout = Checkout.objects.create(
        shipping_address=address, shipping_method=courier, email="a@example.com"
    )
    checkout.lines.create(variant=variant, quantity=1)
    fake_geocoder.requests.clear()

    completion.checkout_reserve(checkout=checkout)

    assert fake_geocoder.requests == []
    [reservation] = PickupReservation.objects.select_related("stock")
    assert reservation.stock.warehouse == places["lyon"]  # Country's centre.

    routing_services.origin_locate(address, settings=fake_geocoder.settings())
    PickupReservation.objects.all().delete()
    completion.checkout_reserve(checkout=checkout)

    [reservation] = PickupReservation.objects.select_related("stock")
    assert reservation.stock.warehouse == places["lille"]  # Placed in Paris.


def test_the_routed_source_lists_every_shipping_place_nearest_first(
    france, fake_geocoder
):
    places, _courier = france
    address = Address(city="Paris", postal_code="75004", country="FR")
    routing_services.origin_locate(address, settings=fake_geocoder.settings())

    source = routing_services.shipping_source_routed(
        address=address, settings=fake_geocoder.settings()
    )

    assert source.is_routed
    assert source.nearest_first == (
        places["lille"].pk,
        places["lyon"].pk,
        places["marseille"].pk,
    )
    assert source.warehouse_ids == tuple(sorted(source.nearest_first))
    assert reservations.shipping_source("FR").warehouse_ids == source.warehouse_ids


def test_an_unplaced_warehouse_ranks_after_the_placed_ones(france, fake_geocoder):
    places, _courier = france
    WarehouseLocation.objects.filter(warehouse=places["lyon"]).update(
        latitude=None, longitude=None, status=GeocodingStatus.FAILED
    )
    address = Address(city="Paris", postal_code="75004", country="FR")

    source = routing_services.shipping_source_routed(
        address=address, settings=fake_geocoder.settings()
    )

    assert source.nearest_first[-1] == places["lyon"].pk


def test_a_warehouse_saved_while_routing_was_off_is_geocoded_at_the_next_order(
    shopper, france, on_commit
):
    places, _courier = france
    WarehouseLocation.objects.all().delete()

    with on_commit():
        assert order_from(shopper, france, 1) == "order"

    lyon = WarehouseLocation.objects.get(warehouse=places["lyon"])
    assert Point(lyon.latitude, lyon.longitude) == Point(*LYON)
