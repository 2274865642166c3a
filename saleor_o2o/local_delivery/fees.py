"""What a store charges for local delivery, and the smallest order it delivers.

Pure rules, no database. A fee is a base plus an amount per kilometre of straight-line
distance, rounded half up to the cent, and nothing from an order value up.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Optional

from saleor_o2o.core.errors import InvalidInput

#: Amounts are below this (the model's columns hold 9 digits before the point).
MAX_AMOUNT = Decimal(10) ** 9
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class FeeRule:
    base: Decimal
    per_km: Decimal
    #: From this order value up, delivery is free; None: never free.
    free_above: Optional[Decimal]
    #: Below this order value, the store does not deliver.
    minimum_order: Decimal


def validate_amount(value, *, field: str) -> Decimal:
    """Return the amount as a Decimal, or raise `InvalidInput` on `field`."""
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        amount = Decimal("NaN")
    if isinstance(value, bool) or not amount.is_finite():
        raise InvalidInput("Give an amount as a number.", field=field)
    if not 0 <= amount < MAX_AMOUNT:
        raise InvalidInput(
            f"An amount must be 0 or more and below {MAX_AMOUNT:,}.",
            field=field,
            code="OUT_OF_RANGE",
        )
    return amount


def validate_fee_rule(rule: FeeRule) -> FeeRule:
    """Return the rule with its amounts checked (fields named as the area's)."""
    return FeeRule(
        base=validate_amount(rule.base, field="fee_base"),
        per_km=validate_amount(rule.per_km, field="fee_per_km"),
        free_above=(
            None
            if rule.free_above is None
            else validate_amount(rule.free_above, field="free_above")
        ),
        minimum_order=validate_amount(rule.minimum_order, field="minimum_order"),
    )


def delivery_fee(
    rule: FeeRule, *, distance_km: Optional[float], order_value: Decimal
) -> Decimal:
    """Return the fee for an order of `order_value` delivered `distance_km` away.

    With no distance known (the address matched by postal code, never placed on the
    map), only the base is charged.
    """
    if rule.free_above is not None and order_value >= rule.free_above:
        return Decimal("0.00")
    fee = rule.base
    if distance_km is not None and math.isfinite(distance_km):
        fee += rule.per_km * Decimal(repr(float(distance_km)))
    return fee.quantize(_CENT, rounding=ROUND_HALF_UP)


def below_minimum(rule: FeeRule, order_value: Decimal) -> bool:
    """Return whether the order is too small for the store to deliver."""
    return order_value < rule.minimum_order
