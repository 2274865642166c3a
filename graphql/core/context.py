"""Per-request helpers: who asks, and how the plugin is configured for this request."""

from datetime import datetime

from django.utils import timezone
from saleor.core.permissions import (
    DiscountPermissions,
    OrderPermissions,
    ProductPermissions,
)
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.core.errors import FeatureDisabled
from saleor_o2o.core.settings import O2OSettings, get_o2o_settings
from saleor_o2o.store import access
from saleor_o2o.store.reach import Reach


def o2o_settings(context) -> O2OSettings:
    """Return the plugin's settings, read once per request."""
    settings = getattr(context, "_o2o_settings", None)
    if settings is None:
        settings = get_o2o_settings()
        context._o2o_settings = settings
    return settings


def request_now(context) -> datetime:
    """Return one instant for the whole request, so every store is judged alike."""
    now = getattr(context, "_o2o_now", None)
    if now is None:
        now = context._o2o_now = timezone.now()
    return now


def requestor_reach(context) -> Reach:
    """Return the stores the requestor acts in, read once per request."""
    reach = getattr(context, "_o2o_reach", None)
    if reach is None:
        reach = context._o2o_reach = access.reach_of(
            get_user_or_app_from_context(context)
        )
    return reach


def requestor_has(context, permission) -> bool:
    """Return whether the staff user or app asking holds a Saleor permission."""
    requestor = get_user_or_app_from_context(context)
    return bool(requestor) and requestor.has_perm(permission)


def can_manage_stores(context) -> bool:
    return requestor_has(context, ProductPermissions.MANAGE_PRODUCTS)


def can_manage_orders(context) -> bool:
    return requestor_has(context, OrderPermissions.MANAGE_ORDERS)


def can_manage_offers(context) -> bool:
    return requestor_has(context, DiscountPermissions.MANAGE_DISCOUNTS)


def require_storefront_enabled(context) -> O2OSettings:
    """Return the settings, or raise `FeatureDisabled` for shoppers while inactive.

    Staff who manage stores keep access while the plugin is inactive, so stores can be
    prepared before the feature is switched on.
    """
    settings = o2o_settings(context)
    if not settings.active and not can_manage_stores(context):
        raise FeatureDisabled(
            "Stores and click-and-collect are disabled: the shop has not activated "
            "the O2O plugin."
        )
    return settings
