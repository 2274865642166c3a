"""Storefront side of local delivery: options for a checkout and choosing one.

``Checkout.localDeliveryOptions`` lists the stores delivering the checkout's
shipping address, best first; ``checkoutLocalDeliveryUpdate`` chooses one and a
window. Saleor's ``checkoutShippingMethodUpdate`` is served with the choice rules
(choosing another method drops the store chosen), and Saleor's
``Checkout.availableShippingMethods`` lists local delivery only when the plugin
says so, at the checkout's fee.
"""

from typing import Optional

import graphene
from prices import Money
from promise import Promise
from saleor.graphql.checkout.mutations import (
    CheckoutShippingMethodUpdate as SaleorCheckoutShippingMethodUpdate,
)
from saleor.graphql.checkout.types import Checkout
from saleor.graphql.core.types import Money as MoneyType
from saleor.graphql.core.types.common import CheckoutError
from saleor.graphql.product.types import ProductVariant

from saleor_o2o.checkout import selectors as checkout_selectors
from saleor_o2o.core.errors import O2OError
from saleor_o2o.graphql.core.context import o2o_settings, require_storefront_enabled
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.core.ids import checkout_token
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.local_delivery.errors import LocalDeliveryError
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.local_delivery import checkout as local_checkout
from saleor_o2o.local_delivery import choice as local_choice
from saleor_o2o.local_delivery import options as delivery_options
from saleor_o2o.local_delivery import pricing, windows
from saleor_o2o.local_delivery.method import local_delivery_method
from saleor_o2o.store import selectors as store_selectors
from saleor_o2o.store import stock as store_stock


class LocalDeliveryWindow(graphene.ObjectType):
    start = graphene.DateTime(required=True, description="When the window opens.")
    end = graphene.DateTime(required=True, description="When it closes.")
    remaining = graphene.Int(
        required=True, description="Deliveries it can still take (0: full)."
    )

    class Meta:
        description = "A time window in which a store delivers, and its room left."


class LocalDeliveryMissingLine(graphene.ObjectType):
    variant = graphene.Field(
        ProductVariant, required=True, description="The variant the store lacks."
    )
    quantity_short = graphene.Int(
        required=True, description="Units of it the store cannot supply."
    )

    class Meta:
        description = "A line of the cart a store cannot fully supply."


class LocalDeliveryOption(graphene.ObjectType):
    store = graphene.Field(Store, required=True, description="The store delivering.")
    distance_km = graphene.Float(
        description=(
            "Straight-line distance from the store to the address, in km; null when "
            "the address matched by postal code only."
        )
    )
    fee = graphene.Field(
        MoneyType,
        required=True,
        description="What delivery costs for the cart as it is now.",
    )
    supplies_whole_cart = graphene.Boolean(
        required=True, description="Whether the store has every line of the cart."
    )
    missing_lines = graphene.List(
        graphene.NonNull(LocalDeliveryMissingLine),
        required=True,
        description="The lines the store cannot fully supply (empty if none).",
    )
    below_minimum = graphene.Boolean(
        required=True,
        description="Whether the cart is below the store's minimum order.",
    )
    earliest_window = graphene.Field(
        LocalDeliveryWindow,
        description="The first window with room left, if any in the days asked.",
    )
    windows = graphene.List(
        graphene.NonNull(LocalDeliveryWindow),
        required=True,
        description="The store's windows over the days asked, full ones included.",
    )

    class Meta:
        description = (
            "A store that delivers to the checkout's address. It can take the order "
            "when it supplies the whole cart, is not below its minimum and has an "
            "earliest window."
        )


class LocalDeliveryOptions(graphene.ObjectType):
    options = graphene.List(
        graphene.NonNull(LocalDeliveryOption),
        required=True,
        description=(
            "Stores delivering to the address, best first: those that can take the "
            "order, then by earliest window, then by distance."
        ),
    )
    errors = graphene.List(
        graphene.NonNull(LocalDeliveryError),
        required=True,
        description=(
            "Why there are no options, or why some may be missing: FEATURE_DISABLED, "
            "OUT_OF_RANGE (days), SHIPPING_NOT_REQUIRED, ADDRESS_REQUIRED, "
            "OUTSIDE_AREA, or PLACE_NOT_FOUND / GEOCODING_UNAVAILABLE / "
            "GEOCODING_FAILED when the address could not be placed on the map (then "
            "only stores delivering to its postal code are listed)."
        ),
    )

    class Meta:
        description = "The local delivery options of a checkout, and any problem."


class CheckoutLocalDeliveryChoice(graphene.ObjectType):
    store = graphene.Field(Store, required=True, description="The store delivering.")
    window_start = graphene.DateTime(required=True, description="Window start.")
    window_end = graphene.DateTime(required=True, description="Window end.")
    distance_km = graphene.Float(
        description="Distance from the store when chosen (null: by postal code)."
    )

    class Meta:
        description = "The store and window chosen to deliver a checkout."


def _window(slot) -> Optional[LocalDeliveryWindow]:
    if slot is None:
        return None
    return LocalDeliveryWindow(start=slot.start, end=slot.end, remaining=slot.remaining)


def _error(error: O2OError) -> LocalDeliveryError:
    """Return a service's error as the typed error (its code checked, as mutations'
    are)."""
    return LocalDeliveryError(
        field=error.field,
        message=error.message,
        code=CheckoutLocalDeliveryUpdate._code(error.code),
    )


def _resolve_local_delivery_options(root, info, days=delivery_options.DEFAULT_DAYS):
    try:
        settings = require_storefront_enabled(info.context)
    except O2OError as error:
        return LocalDeliveryOptions(options=[], errors=[_error(error)])
    answer = delivery_options.checkout_local_delivery_options(
        checkout=root, settings=settings, discounts=info.context.discounts, days=days
    )
    stores = store_selectors.stores_by_id(
        [option.store_id for option in answer.options], with_address=True
    )
    variants = store_stock.variants_by_id(
        [line.variant_id for option in answer.options for line in option.short]
    )
    options = []
    for option in answer.options:
        store = stores[option.store_id]
        store.distance_km = option.distance_km
        options.append(
            LocalDeliveryOption(
                store=store,
                distance_km=option.distance_km,
                fee=Money(option.fee, root.currency),
                supplies_whole_cart=option.supplies_all,
                missing_lines=[
                    LocalDeliveryMissingLine(
                        variant=variants[line.variant_id],
                        quantity_short=line.quantity,
                    )
                    for line in option.short
                ],
                below_minimum=option.below_minimum,
                earliest_window=_window(option.earliest_window),
                windows=[_window(slot) for slot in option.windows],
            )
        )
    return LocalDeliveryOptions(
        options=options, errors=[_error(error) for error in answer.errors]
    )


def _resolve_local_delivery(root, _info):
    if not local_checkout.is_local_delivery(root.shipping_method_id):
        return None
    choice = getattr(root, "o2o_local_delivery", None)
    if choice is None:
        return None
    return CheckoutLocalDeliveryChoice(
        store=choice.store,
        window_start=choice.window_start,
        window_end=choice.window_end,
        distance_km=choice.distance_km,
    )


def _listed(root, info, methods):
    """Return Saleor's methods for the checkout, local delivery only when listed,
    at the checkout's fee."""
    method = local_delivery_method()
    if method is None:
        return methods
    settings = o2o_settings(info.context)
    if not (settings.active and settings.local_delivery_listed):
        return [m for m in methods if m.pk != method.pk]
    listed = []
    for candidate in methods:
        if candidate.pk == method.pk:
            fee = pricing.checkout_fee(
                root, list(root), info.context.discounts, settings=settings
            )
            if fee is None:
                continue  # No store delivers this cart there now.
            candidate.price = Money(fee, root.currency)
        listed.append(candidate)
    return listed


def _wrap_available_shipping_methods() -> None:
    field = Checkout._meta.fields["available_shipping_methods"]
    saleor_resolve = field.resolver or Checkout.resolve_available_shipping_methods

    def resolve(root, info, **kwargs):
        return Promise.resolve(saleor_resolve(root, info, **kwargs)).then(
            lambda methods: _listed(root, info, methods)
        )

    field.resolver = resolve


def extend_checkout_type() -> None:
    """Add the local delivery fields to Saleor's ``Checkout`` type, and list local
    delivery among its shipping methods only as the plugin says."""
    add_field(
        Checkout,
        "local_delivery_options",
        graphene.Field(
            LocalDeliveryOptions,
            required=True,
            days=graphene.Argument(
                graphene.Int,
                default_value=delivery_options.DEFAULT_DAYS,
                description=(
                    f"Days of windows to list, from today "
                    f"(1-{windows.MAX_WINDOW_DAYS})."
                ),
            ),
            resolver=_resolve_local_delivery_options,
            description=(
                "Stores that can deliver this checkout to its shipping address, best "
                "first, each with its fee and windows; choose one with "
                "checkoutLocalDeliveryUpdate."
            ),
        ),
    )
    add_field(
        Checkout,
        "local_delivery",
        graphene.Field(
            CheckoutLocalDeliveryChoice,
            resolver=_resolve_local_delivery,
            description=(
                "The store and window chosen with checkoutLocalDeliveryUpdate, while "
                "the checkout's shipping method is local delivery."
            ),
        ),
    )
    _wrap_available_shipping_methods()


class CheckoutLocalDeliveryUpdate(O2OMutation):
    checkout = graphene.Field(Checkout, description="The checkout updated.")

    class Arguments:
        checkout_id = graphene.ID(required=True, description="ID of the checkout.")
        store_id = graphene.ID(
            description=(
                "ID of the store to deliver from; without it, the best store "
                "offering the window."
            )
        )
        window = graphene.DateTime(
            required=True,
            description="Start of a delivery window from `localDeliveryOptions`.",
        )

    class Meta:
        description = (
            "Deliver the checkout to its shipping address from a local store, in a "
            "window: sets the local delivery shipping method (its price is the "
            "store's fee) and drops a pickup store chosen before. The store must "
            "deliver there, have every line and a place in the window; both are "
            "secured when the checkout completes."
        )
        error_type_class = LocalDeliveryError
        error_type_field = "local_delivery_errors"

    @classmethod
    def perform_mutation(cls, _root, info, checkout_id, window, store_id=None):
        settings = require_storefront_enabled(info.context)
        checkout = cls.get_node_or_error(
            info, checkout_id, field="checkoutId", only_type=Checkout
        )
        store = None
        if store_id is not None:
            store = cls.get_node_or_error(
                info, store_id, field="storeId", only_type=Store
            )
        checkout = local_choice.checkout_local_delivery_set(
            checkout=checkout,
            store=store,
            window_start=window,
            settings=settings,
            discounts=info.context.discounts,
        )
        return cls(checkout=checkout)


def _method_pk(method_id) -> Optional[int]:
    try:
        type_name, pk = graphene.Node.from_global_id(method_id)
        return int(pk) if type_name == "ShippingMethod" else None
    except (TypeError, ValueError, AttributeError):
        return None


class CheckoutShippingMethodUpdate(SaleorCheckoutShippingMethodUpdate):
    """Saleor's ``checkoutShippingMethodUpdate``, keeping one delivery choice."""

    class Meta:
        description = (
            "Updates the shipping method of the checkout. Choosing another method "
            "than local delivery or click-and-collect drops the store chosen for it; "
            "local delivery is accepted here only while the shop lists it, or after "
            "checkoutLocalDeliveryUpdate."
        )
        error_type_class = CheckoutError
        error_type_field = "checkout_errors"

    @classmethod
    def perform_mutation(cls, root, info, checkout_id, shipping_method_id):
        token = checkout_token(checkout_id)
        checkout = checkout_selectors.checkout_for_token(token=token) if token else None
        if checkout is not None:
            local_choice.checkout_shipping_method_check(
                checkout=checkout,
                shipping_method_id=_method_pk(shipping_method_id),
                settings=o2o_settings(info.context),
            )
        response = super().perform_mutation(
            root, info, checkout_id=checkout_id, shipping_method_id=shipping_method_id
        )
        local_choice.checkout_shipping_method_changed(checkout=response.checkout)
        return response


class CheckoutLocalDeliveryMutations(graphene.ObjectType):
    checkout_local_delivery_update = CheckoutLocalDeliveryUpdate.Field()
    checkout_shipping_method_update = CheckoutShippingMethodUpdate.Field()
