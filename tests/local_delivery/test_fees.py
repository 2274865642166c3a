"""Delivery fees: base plus distance, free above a threshold, and the minimum order."""

from decimal import Decimal

import pytest

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.local_delivery import fees


def rule(base="4.00", per_km="0.50", free_above=None, minimum_order="0"):
    return fees.FeeRule(
        base=Decimal(base),
        per_km=Decimal(per_km),
        free_above=None if free_above is None else Decimal(free_above),
        minimum_order=Decimal(minimum_order),
    )


def test_the_fee_is_base_plus_distance():
    fee = fees.delivery_fee(rule(), distance_km=3.0, order_value=Decimal("20"))
    assert fee == Decimal("5.50")


def test_the_fee_is_rounded_half_up_to_the_cent():
    # 0.25 x 0.5 km = 0.125: half a cent rounds up.
    fee = fees.delivery_fee(
        rule(base="1", per_km="0.25"), distance_km=0.5, order_value=Decimal("1")
    )
    assert fee == Decimal("1.13")
    assert str(fee) == "1.13"
    fee = fees.delivery_fee(
        rule(base="0", per_km="0.333"), distance_km=1.0, order_value=Decimal("1")
    )
    assert fee == Decimal("0.33")


def test_delivery_is_free_from_the_threshold_up():
    free_above = rule(free_above="50")
    assert fees.delivery_fee(
        free_above, distance_km=3.0, order_value=Decimal("50")
    ) == Decimal("0")
    assert fees.delivery_fee(
        free_above, distance_km=3.0, order_value=Decimal("49.99")
    ) == Decimal("5.50")


def test_without_a_threshold_delivery_is_never_free():
    assert fees.delivery_fee(
        rule(), distance_km=0.0, order_value=Decimal("100000")
    ) == Decimal("4.00")


def test_an_address_without_a_distance_pays_the_base():
    assert fees.delivery_fee(
        rule(), distance_km=None, order_value=Decimal("20")
    ) == Decimal("4.00")


def test_orders_below_the_minimum_are_refused():
    minimum = rule(minimum_order="25")
    assert fees.below_minimum(minimum, Decimal("24.99"))
    assert not fees.below_minimum(minimum, Decimal("25"))
    assert not fees.below_minimum(rule(), Decimal("0"))


@pytest.mark.parametrize(
    "value, code",
    [
        ("-0.01", "OUT_OF_RANGE"),
        (Decimal(10) ** 9, "OUT_OF_RANGE"),
        ("NaN", "INVALID"),
        ("Infinity", "INVALID"),
        (float("inf"), "INVALID"),
        ("ten", "INVALID"),
        (True, "INVALID"),
    ],
)
def test_bad_amounts_are_refused(value, code):
    with pytest.raises(InvalidInput) as error:
        fees.validate_amount(value, field="fee_base")
    assert (error.value.field, error.value.code) == ("fee_base", code)


def test_a_fee_rule_names_the_amount_that_is_wrong():
    with pytest.raises(InvalidInput) as error:
        fees.validate_fee_rule(rule(free_above="-1"))
    assert error.value.field == "free_above"
    checked = fees.validate_fee_rule(
        fees.FeeRule(base=0, per_km=0.1, free_above=None, minimum_order=Decimal(1))
    )
    assert checked.per_km == Decimal("0.1")
