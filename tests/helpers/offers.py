"""Shoppers where offers are: places in Paris and Lyon, shoppers, claims, counts."""

import uuid

from saleor.account.models import User

from saleor_o2o.core.geo import Point
from saleor_o2o.offer import claims as offer_claims
from saleor_o2o.offer import shoppers
from saleor_o2o.offer.models import OfferImpression

LOUVRE = Point(48.8606, 2.3376)
#: About 3.3 km east of the Louvre store.
BASTILLE = Point(48.8532, 2.3691)
LYON = Point(45.7640, 4.8357)


def anonymous():
    return shoppers.Shopper(token=uuid.uuid4())


def customer(email="customer@example.com"):
    """Return a logged-in shopper (limited offers are claimed by them only)."""
    return shoppers.Shopper(user=User.objects.create_user(email, "password"))


def claim_at(point, offer, shopper, **kwargs):
    """Claim `offer` as `shopper` standing at `point`."""
    return offer_claims.offer_claim(
        offer_id=offer.pk, shopper=shopper, point=point, **kwargs
    )


def shown_counts():
    """Return how many times each offer was shown, by offer ID."""
    return dict(OfferImpression.objects.values_list("offer_id", "shown"))
