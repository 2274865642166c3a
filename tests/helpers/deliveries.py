"""Local delivery at checkout: stores that deliver, carts to deliver, and orders
created as Saleor's ``checkoutComplete`` creates them between the plugin's hooks,
moved along their lifecycle, and the stock they hold."""

from decimal import Decimal

from django.utils import timezone
from saleor.account.models import Address
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.warehouse.models import Stock

from saleor_o2o.core.settings import O2OSettings
from saleor_o2o.local_delivery import handover, selectors
from saleor_o2o.local_delivery import services as delivery_services
from saleor_o2o.local_delivery.method import local_delivery_zone_sync
from saleor_o2o.local_delivery.models import DeliveryArea, DeliveryPostalCode
from saleor_o2o.local_delivery.rules import DELIVERED, OUT_FOR_DELIVERY

#: The shopper's address: Paris 4e, by the Louvre.
ADDRESS = dict(
    first_name="Camille",
    last_name="Martin",
    street_address_1="10 Rue de Rivoli",
    city="PARIS",
    postal_code="75004",
    country="FR",
)


def delivering(store, variant, *, stock=10, postal_codes=("75004",), **area):
    """Give the store stock of `variant` and an active area covering `postal_codes`
    in France (a fee of 5 + 1/km, free from 150, by default); return the area."""
    Stock.objects.update_or_create(
        warehouse=store.warehouse,
        product_variant=variant,
        defaults={"quantity": stock},
    )
    area.setdefault("radius_km", None)
    area.setdefault("fee_base_amount", Decimal("5"))
    area.setdefault("fee_per_km_amount", Decimal("1"))
    area.setdefault("free_above_amount", Decimal("150"))
    found, _ = DeliveryArea.objects.update_or_create(store=store, defaults=area)
    DeliveryPostalCode.objects.filter(area=found).delete()
    DeliveryPostalCode.objects.bulk_create(
        DeliveryPostalCode(area=found, country="FR", prefix=prefix)
        for prefix in postal_codes
    )
    local_delivery_zone_sync(store=store, settings=O2OSettings(active=True))
    return found


def cart(variant, quantity=1, *, address=None, email="shopper@example.com"):
    """Return a checkout of `quantity` units with a shipping address (Paris 4e)."""
    shipping = Address.objects.create(**(address or ADDRESS))
    checkout = Checkout.objects.create(email=email, shipping_address=shipping)
    checkout.lines.create(variant=variant, quantity=quantity)
    return checkout


def windows(store, days=7):
    """Return the store's delivery windows over `days` days, with room left."""
    area = DeliveryArea.objects.get(store=store)
    return selectors.store_delivery_windows(store=store, area=area, days=days)


def first_window(store, room=None):
    """Return the store's first window with room (with exactly `room` if given)."""
    return next(
        window
        for window in windows(store)
        if window.start > timezone.now()
        and (window.remaining == room if room is not None else window.remaining)
    )


def order_for(checkout):
    """Create the order as Saleor's ``create_order`` does, before its hooks run."""
    checkout.refresh_from_db()
    order = Order.objects.create(
        checkout_token=checkout.token,
        user_email=checkout.email,
        shipping_method=checkout.shipping_method,
        shipping_address=checkout.shipping_address.get_copy(),
        currency="USD",
    )
    for line in checkout.lines.all():
        order.lines.create(
            variant=line.variant,
            product_name="Trail shoe",
            product_sku=line.variant.sku,
            is_shipping_required=True,
            quantity=line.quantity,
            unit_price_net_amount=50,
            unit_price_gross_amount=50,
            currency="USD",
        )
    return order


def move(delivery, *statuses, actor, courier="Sam (bike)"):
    """Move `delivery` through `statuses` in turn as `actor` (going out with
    `courier`; DELIVERED with the delivery's code); return it."""
    for status in statuses:
        if status == DELIVERED:
            delivery = handover.local_delivery_deliver(delivery, delivery.code, actor)
            continue
        delivery = delivery_services.local_delivery_status_update(
            delivery,
            status,
            actor,
            courier_name=courier if status == OUT_FOR_DELIVERY else "",
        )
    return delivery


def stock_at(store, variant):
    """Return the store's stock row of `variant`, fresh from the database."""
    return Stock.objects.get(warehouse=store.warehouse, product_variant=variant)
