"""What offers remember of shoppers: product views, bounded, erasable, purged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_o2o.offer import ranking
from saleor_o2o.offer import selectors as offer_selectors
from saleor_o2o.offer import shoppers
from saleor_o2o.offer.models import ProductView

from helpers.api import code_of
from helpers.concurrency import race
from helpers.offers import LOUVRE, anonymous, shown_counts


def test_product_views_are_bounded_and_erasable(variant, customer_user):
    shopper = shoppers.Shopper(user=customer_user)
    now = timezone.now()
    shoppers.product_view_record(
        shopper=shopper, product_id=variant.product_id, now=now - timedelta(days=40)
    )
    shoppers.product_view_record(
        shopper=shopper, product_id=variant.product_id, now=now
    )
    assert ProductView.objects.count() == 1
    assert (
        code_of(lambda: shoppers.product_view_record(shopper=shopper, product_id=0))
        == "NOT_FOUND"
    )
    assert shoppers.product_views_erase(shopper=shopper) == 1
    assert not ProductView.objects.exists()


def test_views_keep_only_the_newest(variant, monkeypatch):
    from saleor.product.models import Product

    monkeypatch.setattr(ranking, "MAX_VIEWS_KEPT", 3)
    product = variant.product
    shopper = anonymous()
    pks = []
    for index in range(5):
        copy = Product.objects.create(
            name=f"P{index}",
            slug=f"p{index}",
            product_type=product.product_type,
            price_amount=1,
            currency="USD",
        )
        pks.append(copy.pk)
        shoppers.product_view_record(shopper=shopper, product_id=copy.pk)
    kept = set(ProductView.objects.values_list("product_id", flat=True))
    assert kept == set(pks[-3:])


def test_purge_drops_views_past_retention_and_marks_of_past_days(
    store, offer_factory, variant
):
    from saleor_o2o.offer.models import OfferImpressionMark

    now = timezone.now()
    offer = offer_factory(store, starts_at=now - timedelta(days=10))
    old, recent = anonymous(), anonymous()
    shoppers.product_view_record(
        shopper=old, product_id=variant.product_id, now=now - timedelta(days=31)
    )
    shoppers.product_view_record(
        shopper=recent, product_id=variant.product_id, now=now - timedelta(days=29)
    )
    for days in (3, 2, 1, 0):
        offer_selectors.offers_ranked(
            point=LOUVRE, radius_km=10, shopper=old, now=now - timedelta(days=days)
        )

    purged = shoppers.shopper_signals_purge(now=now)

    assert purged == shoppers.SignalsPurged(views=1, impression_marks=2)
    assert list(ProductView.objects.values_list("anonymous_token", flat=True)) == [
        recent.token
    ]
    assert OfferImpressionMark.objects.count() == 2
    # Today's mark is kept: the same shopper still counts once today.
    offer_selectors.offers_ranked(point=LOUVRE, radius_km=10, shopper=old, now=now)
    assert shown_counts() == {offer.pk: 4}


def test_the_purge_task_is_scheduled_under_its_pinned_name(settings, variant):
    from saleor.celeryconf import app

    from saleor_o2o.offer import tasks as offer_tasks

    name = "saleor_o2o.tasks.purge_shopper_signals_task"
    assert offer_tasks.purge_shopper_signals_task.name == name
    assert name in app.tasks
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert name in scheduled
    shoppers.product_view_record(
        shopper=anonymous(),
        product_id=variant.product_id,
        now=timezone.now() - ranking.VIEWS_MAX_AGE - timedelta(minutes=1),
    )
    assert offer_tasks.purge_shopper_signals_task.delay().get() == {
        "views": 1,
        "impression_marks": 0,
    }
    assert not ProductView.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_of_one_token_stay_within_the_bound(variant, monkeypatch):
    from saleor.product.models import Product

    monkeypatch.setattr(ranking, "MAX_VIEWS_KEPT", 3)
    product = variant.product
    pks = [
        Product.objects.create(
            name=f"P{index}",
            slug=f"race-{index}",
            product_type=product.product_type,
            price_amount=1,
            currency="USD",
        ).pk
        for index in range(8)
    ]
    shopper = anonymous()
    results = race(
        8,
        lambda i: shoppers.product_view_record(shopper=shopper, product_id=pks[i]),
    )
    assert results == ["won"] * 8
    assert ProductView.objects.filter(anonymous_token=shopper.token).count() == 3
