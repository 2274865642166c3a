"""Many shoppers completing checkouts over HTTP, and what must hold afterwards."""

from collections import Counter

from saleor.order.models import Order
from saleor.payment import TransactionKind
from saleor.payment.models import Payment, Transaction

from helpers.storefront import HttpStorefront, outcome

#: The test card gateway (helpers/fake_gateway.py), which the test servers load.
GATEWAY = "o2o.tests.cards"


def assert_money_is_safe():
    """No payment captured without an order; each order's captured once, in full."""
    orphans = Payment.objects.filter(order__isnull=True, captured_amount__gt=0)
    assert not orphans.exists(), list(orphans.values("pk", "captured_amount"))
    for order in Order.objects.all():
        captures = Transaction.objects.filter(
            payment__order=order, kind=TransactionKind.CAPTURE, is_success=True
        )
        assert [capture.amount for capture in captures] == [order.total_gross_amount]


def shoppers_prepare(server, parallel, count, **checkout):
    """Return `count` shoppers, each with a checkout ready to complete."""
    storefronts = [HttpStorefront(server.url) for _ in range(count)]
    ids = parallel(
        [
            (
                lambda storefront=storefront, n=n: storefront.checkout_prepare(
                    email=f"shopper{n}@example.com", gateway=GATEWAY, **checkout
                )
            )
            for n, storefront in enumerate(storefronts)
        ]
    )
    return list(zip(storefronts, ids))


def complete_all(race, shoppers):
    """Send every shopper's `checkoutComplete` at once; count the outcomes."""
    answers = race(
        [
            (lambda sf=storefront, pk=checkout_id: sf.checkout_complete(pk))
            for storefront, checkout_id in shoppers
        ]
    )
    outcomes = Counter(outcome(answer) for answer in answers)
    # Why each shopper was refused, printed when an assertion on `outcomes` fails.
    print(*refusals(answers), sep="\n")
    return outcomes


def refusals(answers):
    for answer in answers:
        payload = (answer.get("data") or {}).get("checkoutComplete") or {}
        for error in payload.get("checkoutErrors") or ():
            yield f"{error['code']} {error['field']}: {error['message']}"
