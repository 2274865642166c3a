"""In-store offers: staff writes, the shopper's search, claims, redemption, measurement.

The domain rules live in `offer.rules`; this module loads rows and signals, applies
the rules inside transactions and records events in the same transactions.

Limits hold under concurrency because a claim locks its offer's row (claims of one
offer queue up; `claimed_count` is checked and raised under that lock), and a
redemption locks its claim's row (two tills scanning the same code at once: the
second waits, then sees the code redeemed). Limits bind to accounts: offers with a
limit are claimed by logged-in shoppers only (`rules.check_claimant`).

What shoppers leave behind is bounded: impressions count once per shopper, offer
and day (a mark row per showing, purged once its day is past), and product views
are kept to the newest `MAX_VIEWS_KEPT` per shopper, for `VIEWS_MAX_AGE`.
"""

from typing import Any, Dict, List, Optional, Sequence

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from saleor.product.models import Category, Product

from saleor_o2o.core.errors import InvalidInput, NotFound
from saleor_o2o.core.validation import datetime_check, model_text_check, text_check
from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.offer.models import Offer, OfferStore
from saleor_o2o.store.models import Store

# Staff writes ------------------------------------------------------------------

PLAIN_FIELDS = (
    "title",
    "description",
    "terms",
    "image_url",
    "all_stores",
    "geofence_radius_km",
    "starts_at",
    "ends_at",
    "reward_type",
    "reward_value",
    "reward_gift",
    "per_shopper_limit",
    "total_limit",
    "customer_segment",
    "is_active",
)


def _check_limit(value: Optional[int], field: str) -> None:
    if value is not None and value < 1:
        raise InvalidInput(
            "A limit must be at least 1 (null for no limit).",
            field=field,
            code="OUT_OF_RANGE",
        )


#: Text fields of an offer, by their input names. Descriptions and terms have no
#: column limit; they are kept to what a page shows.
TEXT_FIELDS = {
    "title": "title",
    "image_url": "imageUrl",
    "reward_gift": "rewardGift",
}
LONG_TEXT_MAX_LENGTH = 10_000


def _clean(offer: Offer, data: Dict[str, Any]) -> None:
    model_text_check(Offer, data, TEXT_FIELDS)
    for name, field in (("description", "description"), ("terms", "terms")):
        text_check(data.get(name), max_length=LONG_TEXT_MAX_LENGTH, field=field)
    for name, field in (("starts_at", "startsAt"), ("ends_at", "endsAt")):
        if data.get(name) is not None:
            data[name] = datetime_check(data[name], field=field)
    for name in PLAIN_FIELDS:
        if name in data and data[name] is not None:
            setattr(offer, name, data[name])
    for name in ("ends_at", "per_shopper_limit", "total_limit"):
        if name in data and data[name] is None:
            setattr(offer, name, None)
    offer.title = (offer.title or "").strip()
    if not offer.title:
        raise InvalidInput("An offer needs a title.", field="title", code="REQUIRED")
    if offer.image_url:
        try:
            URLValidator(schemes=["http", "https"])(offer.image_url)
        except ValidationError:
            raise InvalidInput("Not an http(s) URL.", field="imageUrl")
    offer_rules.check_dates(starts_at=offer.starts_at, ends_at=offer.ends_at)
    offer.geofence_radius_km = offer_rules.check_geofence_km(offer.geofence_radius_km)
    reward = offer_rules.validate_reward(offer.reward)
    offer.reward_value, offer.reward_gift = reward.value, reward.gift
    _check_limit(offer.per_shopper_limit, "perShopperLimit")
    _check_limit(offer.total_limit, "totalLimit")
    if offer.total_limit is not None and offer.total_limit < offer.claimed_count:
        raise InvalidInput(
            f"{offer.claimed_count} claims were made already; the total limit "
            "cannot be lower.",
            field="totalLimit",
            code="OUT_OF_RANGE",
        )
    if offer.customer_segment not in dict(offer_rules.CustomerSegment.CHOICES):
        raise InvalidInput("Unknown customer segment.", field="customerSegment")


def _existing(model, pks: Sequence[int], field: str) -> List[int]:
    pks = list(dict.fromkeys(pks))
    found = set(model.objects.filter(pk__in=pks).values_list("pk", flat=True))
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise NotFound(
            f"No {model.__name__.lower()} with ID {missing[0]}.", field=field
        )
    return pks


@transaction.atomic
def _save(offer: Offer, data: Dict[str, Any]) -> Offer:
    _clean(offer, data)
    store_ids = None
    if data.get("store_ids") is not None:
        store_ids = _existing(Store, data["store_ids"], "storeIds")
    if not offer.all_stores:
        has_stores = (
            bool(store_ids)
            if store_ids is not None
            else (offer.pk is not None and offer.stores.exists())
        )
        if not has_stores:
            raise InvalidInput(
                "Give the stores the offer is valid in, or set `allStores`.",
                field="storeIds",
                code="REQUIRED",
            )
    offer.save()
    _sync_offer_stores(offer, store_ids)
    if data.get("target_category_ids") is not None:
        offer.target_categories.set(
            _existing(Category, data["target_category_ids"], "targetCategoryIds")
        )
    if data.get("target_product_ids") is not None:
        offer.target_products.set(
            _existing(Product, data["target_product_ids"], "targetProductIds")
        )
    return offer


def _sync_offer_stores(offer: Offer, store_ids: Optional[List[int]]) -> None:
    """Link the offer to `store_ids` (None: keep the stores) with its fields copied."""
    copied = {name: getattr(offer, name) for name in OfferStore.COPIED}
    links = OfferStore.objects.filter(offer=offer)
    if store_ids is not None:
        links.exclude(store_id__in=store_ids).delete()
        linked = set(links.values_list("store_id", flat=True))
        OfferStore.objects.bulk_create(
            OfferStore(offer=offer, store_id=pk, **copied)
            for pk in store_ids
            if pk not in linked
        )
    links.update(**copied)


def offer_create(*, data: Dict[str, Any]) -> Offer:
    """Create an offer; `data` holds model field names plus store and target IDs."""
    if not data.get("reward_type"):
        raise InvalidInput("Choose a reward type.", field="rewardType", code="REQUIRED")
    return _save(Offer(), data)


def offer_update(*, offer: Offer, data: Dict[str, Any]) -> Offer:
    """Change an offer; ID lists given replace the old ones."""
    with transaction.atomic():
        locked = Offer.objects.select_for_update().get(pk=offer.pk)
        return _save(locked, data)


def offer_delete(*, offer: Offer) -> None:
    """Delete an offer with its claims and counters."""
    offer.delete()


# The shopper's search ----------------------------------------------------------


# Claims ------------------------------------------------------------------------


# Redemption --------------------------------------------------------------------


# Products viewed ---------------------------------------------------------------


# Measurement -------------------------------------------------------------------
