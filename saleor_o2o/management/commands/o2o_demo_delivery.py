"""Walk a demo local delivery from RECEIVED to DELIVERED, as a shop, its clerk and
its courier would."""

import math
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from saleor.account.models import Address, User
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.warehouse.models import Stock

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.local_delivery import checkout as delivery_checkout
from saleor_o2o.local_delivery import handover
from saleor_o2o.local_delivery import services as delivery_services
from saleor_o2o.local_delivery.choice import checkout_local_delivery_set
from saleor_o2o.local_delivery.rules import OUT_FOR_DELIVERY, PREPARING
from saleor_o2o.local_delivery.selectors import (
    delivery_areas_by_store,
    store_delivery_windows,
)
from saleor_o2o.store.models import Store

#: Where the demo shopper lives: Paris 4e, a few streets from the Rivoli store.
SHOPPER_ADDRESS = dict(
    first_name="Camille",
    last_name="Martin",
    street_address_1="12 Rue de la Verrerie",
    city="PARIS",
    postal_code="75004",
    country="FR",
)


class Command(BaseCommand):
    help = (
        "Place a local delivery order from a demo store to a Paris address and move "
        "it through PREPARING, OUT_FOR_DELIVERY and DELIVERED (with the shopper's "
        "code), printing each step. With the demo's worker and webhook receiver "
        "running, each step's webhook shows in .o2o/logs/webhooks.log."
    )

    def add_arguments(self, parser):
        parser.add_argument("--store", default="Paris Rivoli", help="Store name.")
        parser.add_argument(
            "--pause", type=float, default=1.0, help="Seconds between steps."
        )

    def handle(self, *args, store, pause, **options):
        settings = get_o2o_settings()
        if not settings.active:
            raise CommandError("The O2O plugin is not active: run o2o_populatedb.")
        shop_store = Store.objects.filter(name=store).first()
        if shop_store is None:
            raise CommandError(f"No store named {store!r}: run o2o_populatedb.")
        area = delivery_areas_by_store([shop_store.pk]).get(shop_store.pk)
        if area is None or not area.is_active:
            raise CommandError(f"{store} does not deliver: run o2o_populatedb.")
        # A cart worth the store's minimum order, of one variant it has enough of.
        choice = None
        for stock in (
            Stock.objects.filter(warehouse=shop_store.warehouse, quantity__gte=3)
            .select_related("product_variant__product")
            .order_by("pk")
        ):
            price = stock.product_variant.base_price.amount
            quantity = max(1, math.ceil(area.minimum_order_amount / price))
            if (
                price > 0
                and quantity <= stock.quantity - shop_store.pickup_safety_stock
            ):
                choice = (stock.product_variant, quantity)
                break
        if choice is None:
            raise CommandError(f"{store} has no variant to make up a minimum order.")
        variant, quantity = choice
        staff = User.objects.filter(is_staff=True).order_by("pk").first()
        if staff is None:
            raise CommandError("No staff user to play the clerk: create one first.")
        clerk = Actor.of(staff)
        window = next(
            (
                w
                for w in store_delivery_windows(store=shop_store, area=area)
                if w.remaining
            ),
            None,
        )
        if window is None:
            raise CommandError(f"{store} has no delivery window with room this week.")

        checkout = Checkout.objects.create(
            email="demo-shopper@example.com",
            shipping_address=Address.objects.create(**SHOPPER_ADDRESS),
            billing_address=Address.objects.create(**SHOPPER_ADDRESS),
        )
        checkout.lines.create(variant=variant, quantity=quantity)
        checkout_local_delivery_set(
            checkout=checkout,
            store=shop_store,
            window_start=window.start,
            settings=settings,
        )
        with transaction.atomic():
            delivery_checkout.checkout_local_delivery_reserve(checkout=checkout)
            order = Order.objects.create(
                checkout_token=checkout.token,
                user_email=checkout.email,
                shipping_method=checkout.shipping_method,
                shipping_address=checkout.shipping_address.get_copy(),
                billing_address=checkout.billing_address.get_copy(),
                currency=variant.currency,
            )
            order.lines.create(
                variant=variant,
                product_name=str(variant.product),
                variant_name=str(variant),
                product_sku=variant.sku,
                is_shipping_required=True,
                quantity=quantity,
                unit_price_net_amount=variant.base_price.amount,
                unit_price_gross_amount=variant.base_price.amount,
                currency=variant.currency,
            )
            delivery = delivery_checkout.order_local_delivery_allocate(order=order)
        checkout.delete()
        self.stdout.write(
            f"RECEIVED          order #{order.pk}: {quantity} x {variant}, from "
            f"{shop_store.name} to "
            f"{SHOPPER_ADDRESS['postal_code']} {SHOPPER_ADDRESS['city']}, window "
            f"{window.start:%Y-%m-%d %H:%M} UTC (delivery code {delivery.code})"
        )
        time.sleep(pause)
        delivery = delivery_services.local_delivery_status_update(
            delivery, PREPARING, clerk
        )
        self.stdout.write(f"PREPARING         by {staff.email}")
        time.sleep(pause)
        delivery = delivery_services.local_delivery_status_update(
            delivery, OUT_FOR_DELIVERY, clerk, courier_name="Sam (cargo bike)"
        )
        self.stdout.write("OUT_FOR_DELIVERY  with Sam (cargo bike)")
        time.sleep(pause)
        delivery = handover.local_delivery_deliver(delivery, delivery.code, clerk)
        order.refresh_from_db()
        self.stdout.write(
            f"DELIVERED         code {delivery.code} given to the courier; Saleor "
            f"order is {order.status}"
        )
        self.stdout.write(self.style.SUCCESS("Done: see .o2o/logs/webhooks.log."))
