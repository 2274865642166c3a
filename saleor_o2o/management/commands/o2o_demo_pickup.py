"""Walk a demo pickup from RECEIVED to COLLECTED, as a shop and its clerk would."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from saleor.account.models import User
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.warehouse.models import Stock

from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.pickup import checkout as pickup_checkout
from saleor_o2o.pickup import handover
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.store.models import Store


class Command(BaseCommand):
    help = (
        "Place a click-and-collect order at a demo store and move it through "
        "PREPARING, READY and COLLECTED, printing each step. With the demo's worker "
        "and webhook receiver running, each step's webhook shows in "
        ".o2o/logs/webhooks.log."
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
        stock = (
            Stock.objects.filter(warehouse=shop_store.warehouse, quantity__gte=3)
            .select_related("product_variant__product")
            .order_by("pk")
            .first()
        )
        if stock is None:
            raise CommandError(f"{store} has no variant with 3 units in stock.")
        staff = User.objects.filter(is_staff=True).order_by("pk").first()
        if staff is None:
            raise CommandError("No staff user to play the clerk: create one first.")
        clerk = pickup_services.Actor.of(staff)
        variant = stock.product_variant

        checkout = Checkout.objects.create(email="demo-shopper@example.com")
        checkout.lines.create(variant=variant, quantity=1)
        pickup_checkout.checkout_pickup_set(
            checkout=checkout, store=shop_store, curbside=False, settings=settings
        )
        with transaction.atomic():
            pickup_checkout.checkout_pickup_reserve(checkout=checkout)
            order = Order.objects.create(
                checkout_token=checkout.token,
                user_email=checkout.email,
                shipping_method=checkout.shipping_method,
                shipping_address=checkout.shipping_address,
                currency=variant.currency,
            )
            order.lines.create(
                variant=variant,
                product_name=str(variant.product),
                variant_name=str(variant),
                product_sku=variant.sku,
                is_shipping_required=True,
                quantity=1,
                unit_price_net_amount=variant.base_price.amount,
                unit_price_gross_amount=variant.base_price.amount,
                currency=variant.currency,
            )
            pickup = pickup_checkout.order_pickup_allocate(order=order)
        checkout.delete()
        self.stdout.write(
            f"RECEIVED   order #{order.pk} at {shop_store.name}: 1 x {variant} "
            f"(pickup code {pickup.code})"
        )
        for status in ("preparing", "ready"):
            time.sleep(pause)
            pickup = pickup_services.pickup_status_update(
                pickup=pickup, status=status, actor=clerk
            )
            self.stdout.write(f"{status.upper():<10} by {clerk.user.email}")
        time.sleep(pause)
        pickup = handover.pickup_collect(pickup=pickup, code=pickup.code, actor=clerk)
        order.refresh_from_db()
        self.stdout.write(
            f"COLLECTED  code {pickup.code} checked; Saleor order is {order.status}"
        )
        self.stdout.write(self.style.SUCCESS("Done: see .o2o/logs/webhooks.log."))
