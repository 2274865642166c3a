"""A store's local delivery on Saleor-style GraphQL: its area, fees and windows.

`extend_store_type` adds ``deliveryArea`` and ``deliveryWindows`` to the ``Store``
type; both are read in batches for store lists (dataloaders).
"""

import graphene
from django.conf import settings
from prices import Money as Amount
from saleor.graphql.core.dataloaders import DataLoader
from saleor.graphql.core.types import CountryDisplay, Money

from saleor_o2o.graphql.core.context import request_now
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.local_delivery import selectors
from saleor_o2o.local_delivery.models import DeliveryArea as DeliveryAreaModel

DEFAULT_WINDOW_DAYS = 7


def _money(amount):
    if amount is None:
        return None
    return Amount(amount, settings.DEFAULT_CURRENCY)


class DeliveryPostalCodes(graphene.ObjectType):
    country = graphene.Field(
        CountryDisplay, required=True, description="The country of the codes."
    )
    prefixes = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description=(
            "Postal codes, or their beginnings, delivered to (upper case, without "
            "spaces or dashes): '750' serves 75001 to 75020."
        ),
    )

    class Meta:
        description = "The postal codes of one country a store delivers to."


class DeliveryArea(graphene.ObjectType):
    is_active = graphene.Boolean(
        required=True, description="Whether the store delivers locally now."
    )
    radius_km = graphene.Float(
        description="Kilometres around the store delivered to; null: postal codes only."
    )
    postal_codes = graphene.List(
        graphene.NonNull(DeliveryPostalCodes),
        required=True,
        description="Postal codes and prefixes delivered to, by country.",
    )
    minimum_order = graphene.Field(
        Money, required=True, description="The smallest order delivered."
    )
    fee_base = graphene.Field(
        Money, required=True, description="The fee of every delivery."
    )
    fee_per_km = graphene.Field(
        Money,
        required=True,
        description="Added to the fee per kilometre in a straight line from the store.",
    )
    free_above = graphene.Field(
        Money, description="Orders of this value or more are delivered free."
    )
    lead_time_minutes = graphene.Int(
        required=True,
        description="Minutes from the order to the start of the earliest window.",
    )
    window_minutes = graphene.Int(
        required=True, description="Length of a delivery window, in minutes."
    )
    window_capacity = graphene.Int(
        required=True, description="Deliveries one window takes."
    )

    class Meta:
        description = "Where, when and for how much a store delivers locally."

    @staticmethod
    def resolve_postal_codes(root: DeliveryAreaModel, _info):
        from django_countries import countries

        return [
            DeliveryPostalCodes(
                country=CountryDisplay(code=code, country=countries.name(code)),
                prefixes=list(prefixes),
            )
            for code, prefixes in selectors.area_postal_codes(root).items()
        ]

    @staticmethod
    def resolve_minimum_order(root: DeliveryAreaModel, _info):
        return _money(root.minimum_order_amount)

    @staticmethod
    def resolve_fee_base(root: DeliveryAreaModel, _info):
        return _money(root.fee_base_amount)

    @staticmethod
    def resolve_fee_per_km(root: DeliveryAreaModel, _info):
        return _money(root.fee_per_km_amount)

    @staticmethod
    def resolve_free_above(root: DeliveryAreaModel, _info):
        return _money(root.free_above_amount)


class DeliveryWindow(graphene.ObjectType):
    start = graphene.DateTime(required=True, description="When the window starts.")
    end = graphene.DateTime(required=True, description="When the window ends.")
    capacity = graphene.Int(required=True, description="Deliveries the window takes.")
    remaining = graphene.Int(required=True, description="Deliveries it can still take.")

    class Meta:
        description = "A time window in which an order is delivered."

    @staticmethod
    def from_domain(slot) -> "DeliveryWindow":
        return DeliveryWindow(
            start=slot.start,
            end=slot.end,
            capacity=slot.capacity,
            remaining=slot.remaining,
        )


class DeliveryAreaByStoreLoader(DataLoader):
    """Delivery areas of stores: two queries for a whole store list."""

    context_key = "o2o_delivery_area_by_store"

    def batch_load(self, keys):
        found = selectors.delivery_areas_by_store(list(keys))
        return [found.get(key) for key in keys]


class DeliveryWindowsByStoreLoader(DataLoader):
    """Delivery windows of ``(store, days)`` keys: a few queries for a store list."""

    context_key = "o2o_delivery_windows_by_store"

    def batch_load(self, keys):
        return selectors.stores_delivery_windows(
            requests=list(keys), now=request_now(self.context)
        )


def resolve_delivery_area(root, info):
    return DeliveryAreaByStoreLoader(info.context).load(root.pk)


def resolve_delivery_windows(root, info, days=None):
    days = DEFAULT_WINDOW_DAYS if days is None else days
    selectors.check_days(days)
    loader = DeliveryWindowsByStoreLoader(info.context)
    return loader.load((root, days)).then(
        lambda found: [DeliveryWindow.from_domain(slot) for slot in found]
    )


def extend_store_type_with_delivery() -> None:
    """Add the store's local delivery fields to the ``Store`` type."""
    add_field(
        Store,
        "delivery_area",
        graphene.Field(
            DeliveryArea,
            description=(
                "Where, when and for how much the store delivers locally; null when "
                "it has never been set up."
            ),
            resolver=resolve_delivery_area,
        ),
    )
    add_field(
        Store,
        "delivery_windows",
        graphene.Field(
            graphene.List(graphene.NonNull(DeliveryWindow)),
            days=graphene.Int(
                description=(
                    f"Local days to list, from today (1 to "
                    f"{selectors.MAX_WINDOW_DAYS}; default {DEFAULT_WINDOW_DAYS})."
                )
            ),
            required=True,
            description=(
                "The store's local delivery windows over the next days, full ones "
                "included; empty when it does not deliver."
            ),
            resolver=resolve_delivery_windows,
        ),
    )
