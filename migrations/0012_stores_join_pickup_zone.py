"""Stores offering click-and-collect join the pickup zone now, not on first choice.

Saleor counts the stock of the warehouses in the zones covering a shopper's country
when the cart is filled; a store's warehouse used to join the pickup zone only when a
checkout first chose it, so a variant stocked only in stores could not be put in a
cart. Creates the zone and method with the default name and fee if no store was
chosen yet (the plugin's settings rename them on first use).
"""

from django.conf import settings
from django.db import migrations

ZONE_NAME = "Click and collect (O2O)"


def forwards(apps, schema_editor):
    Store = apps.get_model("saleor_o2o", "Store")
    PickupMethod = apps.get_model("saleor_o2o", "PickupMethod")
    ShippingZone = apps.get_model("shipping", "ShippingZone")
    ShippingMethod = apps.get_model("shipping", "ShippingMethod")

    stores = list(
        Store.objects.filter(is_active=True, is_click_and_collect=True).select_related(
            "warehouse__address"
        )
    )
    if not stores:
        return
    row = PickupMethod.objects.select_related("shipping_method__shipping_zone").first()
    if row is None:
        zone = ShippingZone.objects.create(name=ZONE_NAME, countries=[])
        method = ShippingMethod.objects.create(
            name="Click and collect",
            type="price",
            price_amount=0,
            currency=settings.DEFAULT_CURRENCY,
            minimum_order_price_amount=0,
            shipping_zone=zone,
        )
        PickupMethod.objects.create(shipping_method=method)
    else:
        zone = row.shipping_method.shipping_zone
    countries = {country.code for country in zone.countries}
    for store in stores:
        store.warehouse.shipping_zones.add(zone)
        countries.add(store.warehouse.address.country.code)
    zone.countries = sorted(countries)
    zone.save(update_fields=["countries"])


class Migration(migrations.Migration):

    dependencies = [
        ("saleor_o2o", "0011_checkout_pickup_held_until"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
