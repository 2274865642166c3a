"""Offers created and changed: validation, and the search index kept in step."""

from django.utils import timezone

from saleor_o2o.offer import selectors as offer_selectors
from saleor_o2o.offer import services as offer_services
from saleor_o2o.offer.models import Offer

from helpers.api import code_of
from helpers.offers import BASTILLE


def test_offer_create_validates(store):
    def create(**fields):
        data = {
            "title": "Offer",
            "reward_type": "fixed",
            "reward_value": 5,
            "store_ids": [store.pk],
        }
        data.update(fields)
        return lambda: offer_services.offer_create(data=data)

    assert code_of(create(title=" ")) == "REQUIRED"
    assert code_of(create(store_ids=[])) == "REQUIRED"
    assert code_of(create(store_ids=[0])) == "NOT_FOUND"
    assert code_of(create(reward_value=0)) == "OUT_OF_RANGE"
    assert code_of(create(image_url="ftp://x")) == "INVALID"
    assert code_of(create(geofence_radius_km=500)) == "OUT_OF_RANGE"
    assert code_of(create(total_limit=0)) == "OUT_OF_RANGE"
    now = timezone.now()
    assert code_of(create(starts_at=now, ends_at=now)) == "INVALID"
    assert not Offer.objects.exists()
    offer = create()()
    assert list(offer.stores.all()) == [store]


def test_offer_changes_reach_the_search_index(store_factory, offer_factory):
    louvre = store_factory("Louvre", 48.8606, 2.3376)
    bastille = store_factory("Bastille", 48.8532, 2.3691)
    offer = offer_factory(louvre, geofence_radius_km=1)

    def found():
        return [
            (o, s)
            for o, s, _ in offer_selectors.offers_near(point=BASTILLE, radius_km=25)
        ]

    assert found() == []
    offer_services.offer_update(offer=offer, data={"geofence_radius_km": 5})
    assert found() == [(offer.pk, louvre.pk)]
    offer_services.offer_update(offer=offer, data={"store_ids": [bastille.pk]})
    assert found() == [(offer.pk, bastille.pk)]
    offer_services.offer_update(offer=offer, data={"is_active": False})
    assert found() == []
    offer_services.offer_update(
        offer=offer, data={"is_active": True, "ends_at": timezone.now()}
    )
    assert found() == []
