"""In-store offers: validity, rewards, codes, relevance to a shopper and ranking.

Pure Python: the services load rows and signals, this module decides. Relevance uses
the signals Saleor already holds (past orders, the current checkout) and the products
the shopper viewed, each weighed by how strong a sign of interest it is; views fade
with age. The ranking blends closeness to the shopper with that relevance, so a
relevant offer a little further away can come before an irrelevant one next door.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from saleor_o2o.core import codes
from saleor_o2o.core.errors import InvalidInput, O2OError


class RewardType:
    """What the shopper gets in the store."""

    PERCENTAGE = "percentage"
    FIXED = "fixed"
    GIFT = "gift"

    CHOICES = [
        (PERCENTAGE, "A percentage off"),
        (FIXED, "A fixed amount off"),
        (GIFT, "A gift"),
    ]


class CustomerSegment:
    """Which shoppers an offer targets."""

    ALL = "all"
    #: Shoppers without a past order (anonymous shoppers count as new).
    NEW = "new"
    #: Shoppers with at least one past order.
    RETURNING = "returning"

    CHOICES = [
        (ALL, "All shoppers"),
        (NEW, "New shoppers (no past order)"),
        (RETURNING, "Returning shoppers (a past order)"),
    ]


# Validity ----------------------------------------------------------------------


@dataclass(frozen=True)
class Validity:
    """When and whether an offer can be claimed and redeemed."""

    is_active: bool
    starts_at: datetime
    ends_at: Optional[datetime] = None


def check_dates(*, starts_at: datetime, ends_at: Optional[datetime]) -> None:
    """Raise `InvalidInput` unless the offer ends after it starts."""
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("An offer must end after it starts.", field="ends_at")


def check_valid(validity: Validity, *, now: datetime, field: str = "offer_id") -> None:
    """Raise a typed error unless the offer is active and running at `now`."""
    if not validity.is_active:
        raise O2OError("This offer is not active.", field=field, code="OFFER_INACTIVE")
    if now < validity.starts_at:
        raise O2OError(
            "This offer has not started yet.", field=field, code="OFFER_NOT_STARTED"
        )
    if validity.ends_at is not None and now >= validity.ends_at:
        raise O2OError("This offer has ended.", field=field, code="OFFER_EXPIRED")


def check_claim_limits(
    *,
    per_shopper_limit: Optional[int],
    total_limit: Optional[int],
    claimed_total: int,
    claimed_by_shopper: int,
) -> None:
    """Raise `LIMIT_REACHED` when one more claim would break a limit (None: none)."""
    if total_limit is not None and claimed_total >= total_limit:
        raise O2OError(
            "This offer has been claimed as often as it can be.",
            field="offer_id",
            code="LIMIT_REACHED",
        )
    if per_shopper_limit is not None and claimed_by_shopper >= per_shopper_limit:
        raise O2OError(
            "You have claimed this offer as often as you can.",
            field="offer_id",
            code="LIMIT_REACHED",
        )


# Who may claim, and from where -------------------------------------------------


def claims_need_login(
    *, per_shopper_limit: Optional[int], total_limit: Optional[int]
) -> bool:
    """Return whether only logged-in shoppers may claim the offer: it has a limit.

    An anonymous shopper is only a token the client chooses: a limit per token binds
    nobody (a new token is a new shopper), and one client with fresh tokens could use
    up a total limit meant for many. An account is the identity a limit can bind to.
    """
    return per_shopper_limit is not None or total_limit is not None


def check_claimant(
    *,
    logged_in: bool,
    per_shopper_limit: Optional[int],
    total_limit: Optional[int],
) -> None:
    """Raise `LOGIN_REQUIRED` when an anonymous shopper claims a limited offer."""
    if not logged_in and claims_need_login(
        per_shopper_limit=per_shopper_limit, total_limit=total_limit
    ):
        raise O2OError(
            "Log in to claim this offer: it can be claimed a limited number of times.",
            field="offer_id",
            code="LOGIN_REQUIRED",
        )


def check_claim_place(
    *,
    located: bool,
    in_fence: bool,
    logged_in: bool,
    allow_remote: bool,
    radius_km: float,
) -> None:
    """Raise a typed error unless the claim is made inside the offer's geofence.

    `located`: the shopper said where they are; `in_fence`: that point is within
    the geofence of a store the offer is valid in. Where the merchant allows remote
    claims, logged-in shoppers may claim from anywhere (with or without a place).
    """
    if allow_remote and logged_in:
        return
    if not located:
        raise InvalidInput(
            "Say where you are (`near`): this offer is claimed near its stores"
            + (", or by logged-in shoppers." if allow_remote else "."),
            field="near",
            code="REQUIRED",
        )
    if not in_fence:
        raise O2OError(
            f"No store of this offer is within {radius_km:g} km of you.",
            field="near",
            code="OUT_OF_RANGE",
        )


def check_redeemable(
    *,
    validity: Validity,
    now: datetime,
    redeemed_at: Optional[datetime],
    valid_here: bool,
) -> None:
    """Raise a typed error unless a claim may be redeemed now at a store where the
    offer is (``valid_here``) or is not valid."""
    if redeemed_at is not None:
        raise O2OError(
            f"This code was already redeemed on {redeemed_at:%Y-%m-%d %H:%M} UTC.",
            field="code",
            code="ALREADY_REDEEMED",
        )
    check_valid(validity, now=now, field="code")
    if not valid_here:
        raise O2OError(
            "This offer is not valid in this store.",
            field="store_id",
            code="WRONG_STORE",
        )


# Rewards -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reward:
    type: str
    value: Decimal = Decimal("0")
    gift: str = ""


def validate_reward(reward: Reward) -> Reward:
    """Return the reward cleaned, or raise `InvalidInput` naming the field."""
    value = Decimal(reward.value or 0)
    gift = (reward.gift or "").strip()
    if reward.type == RewardType.GIFT:
        if not gift:
            raise InvalidInput(
                "Describe the gift.", field="reward_gift", code="REQUIRED"
            )
        return Reward(type=reward.type, value=Decimal("0"), gift=gift)
    if reward.type == RewardType.PERCENTAGE:
        if not Decimal("0") < value <= Decimal("100"):
            raise InvalidInput(
                "A percentage off must be above 0 and at most 100.",
                field="reward_value",
                code="OUT_OF_RANGE",
            )
    elif reward.type == RewardType.FIXED:
        if value <= 0:
            raise InvalidInput(
                "An amount off must be above 0.",
                field="reward_value",
                code="OUT_OF_RANGE",
            )
    else:
        raise InvalidInput(f"Unknown reward type {reward.type!r}.", field="reward_type")
    return Reward(type=reward.type, value=value, gift="")


def reward_amount(reward: Reward, subtotal: Decimal) -> Decimal:
    """Return the amount taken off a purchase of `subtotal` (never more than it)."""
    if reward.type == RewardType.PERCENTAGE:
        off = (subtotal * reward.value / 100).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    elif reward.type == RewardType.FIXED:
        off = reward.value
    else:
        off = Decimal("0")
    return max(Decimal("0"), min(off, subtotal))


def reward_label(reward: Reward, currency: str) -> str:
    """Return a short description for a shopper: '20% off', '5.00 EUR off'."""
    if reward.type == RewardType.PERCENTAGE:
        return f"{reward.value.normalize():f}% off"
    if reward.type == RewardType.FIXED:
        return f"{reward.value.quantize(Decimal('0.01'))} {currency} off"
    return f"Free: {reward.gift}"


# Codes -------------------------------------------------------------------------

CODE_ALPHABET = codes.ALPHABET
#: 32^8 codes: guessing one by chance is hopeless under the attempt limit.
CODE_LENGTH = 8
QR_PREFIX = "o2o:offer:"


def new_code() -> str:
    return codes.new_code(CODE_LENGTH)


def normalise_code(text: str) -> str:
    """Return a code as typed or scanned (see `codes.normalise`)."""
    return codes.normalise(text, prefix=QR_PREFIX)


def qr_payload(code: str) -> str:
    """Return what the claim's QR code holds; the till reads the code back from it."""
    return codes.qr_payload(QR_PREFIX, code)


# Relevance ---------------------------------------------------------------------


# Ranking -----------------------------------------------------------------------


# Products viewed ---------------------------------------------------------------


# Impressions -------------------------------------------------------------------


def check_geofence_km(value: Optional[float]) -> float:
    """Return a geofence radius, or raise `InvalidInput` when not in (0, 200] km."""
    if value is None or not math.isfinite(value) or not 0 < value <= 200:
        raise InvalidInput(
            "The geofence radius must be above 0 and at most 200 km.",
            field="geofence_radius_km",
            code="OUT_OF_RANGE",
        )
    return float(value)
