"""Who a shopper is, and the signals they leave: product views and impressions."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Optional, Sequence, Tuple

from django.db import connection, transaction
from django.utils import timezone
from saleor.order.models import Order
from saleor.product.models import Product

from saleor_o2o.core.db import transaction_lock
from saleor_o2o.core.errors import InvalidInput, NotFound
from saleor_o2o.offer import ranking
from saleor_o2o.offer.models import OfferImpression, OfferImpressionMark, ProductView


@dataclass(frozen=True)
class Shopper:
    """Who is asking: a logged-in customer, or an anonymous storefront token."""

    user: Any = None
    token: Optional[uuid.UUID] = None

    @property
    def known(self) -> bool:
        return self.user is not None or self.token is not None

    @property
    def logged_in(self) -> bool:
        return self.user is not None

    @property
    def key(self) -> str:
        """Return a short text naming the shopper (for marks and locks)."""
        if self.user is not None:
            return f"user:{self.user.pk}"
        if self.token is not None:
            return f"token:{self.token}"
        raise ValueError("An unknown shopper has no key.")

    def lookup(self) -> Dict[str, Any]:
        """Return the filter selecting this shopper's rows (claims, views)."""
        if self.user is not None:
            return {"user": self.user}
        return {"anonymous_token": self.token, "user__isnull": True}


def shopper_for(user, token: Optional[str]) -> Shopper:
    """Return the shopper: the user when logged in, else the token given (a UUID)."""
    if user is not None and getattr(user, "is_authenticated", False):
        return Shopper(user=user)
    if not token:
        return Shopper()
    try:
        return Shopper(token=uuid.UUID(str(token)))
    except ValueError:
        raise InvalidInput("The token must be a UUID.", field="token")


def require_known(shopper: Shopper) -> Shopper:
    if not shopper.known:
        raise InvalidInput(
            "Log in, or pass the storefront's anonymous `token`.",
            field="token",
            code="REQUIRED",
        )
    return shopper


#: Marks the (offer, shopper, day) pairs not marked yet, and counts a showing of
#: those offers (with the store they were shown with) only: one statement, so two
#: concurrent searches of one shopper count an offer once (the second insert of a
#: mark waits for the first, then does nothing).
IMPRESSIONS_RECORD_SQL = """
WITH shown AS (
    SELECT o, s FROM unnest(%(offers)s::int[], %(stores)s::int[]) AS p(o, s)
), marked AS (
    INSERT INTO {marks} (offer_id, shopper_key, day)
    SELECT o, %(shopper)s, %(day)s FROM shown
    ON CONFLICT (offer_id, shopper_key, day) DO NOTHING
    RETURNING offer_id
)
INSERT INTO {impressions} (offer_id, store_id, shown)
SELECT shown.o, shown.s, 1 FROM shown JOIN marked ON marked.offer_id = shown.o
ON CONFLICT (offer_id, store_id) DO UPDATE SET shown = {impressions}.shown + 1
""".format(
    marks=OfferImpressionMark._meta.db_table,
    impressions=OfferImpression._meta.db_table,
)


def impressions_record(
    *,
    pairs: Sequence[Tuple[int, int]],
    shopper: Shopper,
    now: Optional[datetime] = None,
) -> None:
    """Count a showing of each (offer, store) pair, once per shopper, offer and day.

    Shoppers without an account or a token are not counted: nothing tells one
    request of theirs from another's.
    """
    if not pairs or not shopper.known:
        return
    offer_ids = list(dict.fromkeys(o for o, _ in pairs))
    stores = dict(pairs)
    with connection.cursor() as cursor:
        cursor.execute(
            IMPRESSIONS_RECORD_SQL,
            {
                "offers": offer_ids,
                "stores": [stores[o] for o in offer_ids],
                "shopper": shopper.key,
                "day": ranking.impression_day(now or timezone.now()),
            },
        )


def product_view_record(
    *, shopper: Shopper, product_id: int, now: Optional[datetime] = None
) -> None:
    """Remember that the shopper viewed a product; keep their newest views only.

    The shopper's writes take turns (a lock on the shopper), so concurrent views
    never leave more than `MAX_VIEWS_KEPT` rows for one shopper.
    """
    require_known(shopper)
    now = now or timezone.now()
    if not Product.objects.filter(pk=product_id).exists():
        raise NotFound("No such product.", field="productId")
    mine = ProductView.objects.filter(**shopper.lookup())
    with transaction.atomic():
        transaction_lock(f"product-views:{shopper.key}")
        mine.filter(product_id=product_id).delete()
        ProductView.objects.create(
            user=shopper.user,
            anonymous_token=None if shopper.user else shopper.token,
            product_id=product_id,
            viewed_at=now,
        )
        keep = mine.filter(viewed_at__gte=ranking.views_cutoff(now)).order_by(
            "-viewed_at", "-pk"
        )[: ranking.MAX_VIEWS_KEPT]
        mine.exclude(pk__in=list(keep.values_list("pk", flat=True))).delete()


def product_views_erase(*, shopper: Shopper) -> int:
    """Forget every product the shopper viewed; return how many views were erased."""
    require_known(shopper)
    deleted, _ = ProductView.objects.filter(**shopper.lookup()).delete()
    return deleted


@dataclass(frozen=True)
class SignalsPurged:
    views: int
    impression_marks: int


def shopper_signals_purge(*, now: Optional[datetime] = None) -> SignalsPurged:
    """Delete views past their retention and impression marks past their day."""
    now = now or timezone.now()
    views, _ = ProductView.objects.filter(
        viewed_at__lt=ranking.views_cutoff(now)
    ).delete()
    marks, _ = OfferImpressionMark.objects.filter(
        day__lt=ranking.impression_marks_kept_from(now)
    ).delete()
    return SignalsPurged(views=views, impression_marks=marks)


def shopper_has_orders(shopper: Shopper) -> bool:
    """Return whether the shopper is a customer who has ordered before."""
    return shopper.user is not None and Order.objects.filter(user=shopper.user).exists()
