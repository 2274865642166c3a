"""Offer rules: dates, limits, claimants, places, redemption, rewards, codes."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import pytz

from saleor_o2o.core.errors import InvalidInput, O2OError
from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.offer.rules import Reward, RewardType, Validity

from helpers.api import code_of

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=pytz.utc)
RUNNING = Validity(is_active=True, starts_at=NOW - timedelta(days=1))


@pytest.mark.parametrize(
    "validity, code",
    [
        (
            Validity(is_active=False, starts_at=NOW - timedelta(days=1)),
            "OFFER_INACTIVE",
        ),
        (
            Validity(is_active=True, starts_at=NOW + timedelta(hours=1)),
            "OFFER_NOT_STARTED",
        ),
        (
            Validity(is_active=True, starts_at=NOW - timedelta(days=2), ends_at=NOW),
            "OFFER_EXPIRED",
        ),
    ],
)
def test_an_offer_outside_its_dates_or_inactive_is_refused(validity, code):
    assert code_of(lambda: offer_rules.check_valid(validity, now=NOW)) == code


def test_a_running_offer_is_valid():
    offer_rules.check_valid(RUNNING, now=NOW)
    offer_rules.check_valid(
        Validity(is_active=True, starts_at=NOW, ends_at=NOW + timedelta(seconds=1)),
        now=NOW,
    )


def test_an_offer_must_end_after_it_starts():
    with pytest.raises(InvalidInput) as error:
        offer_rules.check_dates(starts_at=NOW, ends_at=NOW)
    assert error.value.field == "ends_at"
    offer_rules.check_dates(starts_at=NOW, ends_at=None)


@pytest.mark.parametrize(
    "per_shopper, total, claimed_total, mine, refused",
    [
        (1, None, 500, 0, False),
        (1, None, 500, 1, True),
        (None, 10, 9, 30, False),
        (None, 10, 10, 0, True),
        (2, 10, 3, 1, False),
    ],
)
def test_claim_limits(per_shopper, total, claimed_total, mine, refused):
    def check():
        offer_rules.check_claim_limits(
            per_shopper_limit=per_shopper,
            total_limit=total,
            claimed_total=claimed_total,
            claimed_by_shopper=mine,
        )

    if refused:
        assert code_of(check) == "LIMIT_REACHED"
    else:
        check()


@pytest.mark.parametrize(
    "per_shopper, total, logged_in, refused",
    [
        (None, None, False, False),
        (1, None, False, True),
        (None, 20, False, True),
        (1, 20, True, False),
        (None, None, True, False),
    ],
)
def test_limited_offers_are_for_logged_in_shoppers(
    per_shopper, total, logged_in, refused
):
    def check():
        offer_rules.check_claimant(
            logged_in=logged_in, per_shopper_limit=per_shopper, total_limit=total
        )

    assert offer_rules.claims_need_login(
        per_shopper_limit=per_shopper, total_limit=total
    ) is (per_shopper is not None or total is not None)
    if refused:
        assert code_of(check) == "LOGIN_REQUIRED"
    else:
        check()


@pytest.mark.parametrize(
    "located, in_fence, logged_in, allow_remote, code",
    [
        (True, True, False, False, None),
        (False, False, False, False, "REQUIRED"),
        (False, False, True, False, "REQUIRED"),
        (True, False, True, False, "OUT_OF_RANGE"),
        (False, False, False, True, "REQUIRED"),
        (True, False, False, True, "OUT_OF_RANGE"),
        (False, False, True, True, None),
        (True, False, True, True, None),
    ],
)
def test_claims_come_from_inside_the_geofence_or_from_allowed_accounts(
    located, in_fence, logged_in, allow_remote, code
):
    def check():
        offer_rules.check_claim_place(
            located=located,
            in_fence=in_fence,
            logged_in=logged_in,
            allow_remote=allow_remote,
            radius_km=1.0,
        )

    if code is None:
        check()
    else:
        with pytest.raises(O2OError) as error:
            check()
        assert (error.value.field, error.value.code) == ("near", code)


def redeem(**overrides):
    args = dict(
        validity=RUNNING,
        now=NOW,
        redeemed_at=None,
        valid_here=True,
    )
    args.update(overrides)
    return lambda: offer_rules.check_redeemable(**args)


def test_redeemable_rules():
    redeem()()
    assert code_of(redeem(valid_here=False)) == "WRONG_STORE"
    assert code_of(redeem(redeemed_at=NOW)) == "ALREADY_REDEEMED"
    expired = Validity(is_active=True, starts_at=NOW - timedelta(days=9), ends_at=NOW)
    assert code_of(redeem(validity=expired)) == "OFFER_EXPIRED"


@pytest.mark.parametrize(
    "reward, field, code",
    [
        (Reward(RewardType.PERCENTAGE, Decimal("0")), "reward_value", "OUT_OF_RANGE"),
        (Reward(RewardType.PERCENTAGE, Decimal("101")), "reward_value", "OUT_OF_RANGE"),
        (Reward(RewardType.FIXED, Decimal("-1")), "reward_value", "OUT_OF_RANGE"),
        (Reward(RewardType.GIFT, gift="  "), "reward_gift", "REQUIRED"),
        (Reward("voucher", Decimal("1")), "reward_type", "INVALID"),
    ],
)
def test_bad_rewards_are_refused(reward, field, code):
    with pytest.raises(InvalidInput) as error:
        offer_rules.validate_reward(reward)
    assert (error.value.field, error.value.code) == (field, code)


def test_rewards_amounts_and_labels():
    percent = offer_rules.validate_reward(
        Reward(RewardType.PERCENTAGE, Decimal("20.00"))
    )
    fixed = Reward(RewardType.FIXED, Decimal("15"))
    gift = offer_rules.validate_reward(
        Reward(RewardType.GIFT, Decimal("3"), " Tote bag ")
    )
    assert offer_rules.reward_amount(percent, Decimal("49.99")) == Decimal("10.00")
    assert offer_rules.reward_amount(fixed, Decimal("10")) == Decimal("10")
    assert offer_rules.reward_amount(fixed, Decimal("40")) == Decimal("15")
    assert offer_rules.reward_amount(gift, Decimal("40")) == Decimal("0")
    assert offer_rules.reward_label(percent, "EUR") == "20% off"
    assert offer_rules.reward_label(fixed, "EUR") == "15.00 EUR off"
    assert offer_rules.reward_label(gift, "EUR") == "Free: Tote bag"
    assert gift.value == 0


def test_codes_are_unambiguous_and_read_back_from_qr_payloads():
    codes = {offer_rules.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(
        len(c) == offer_rules.CODE_LENGTH and set(c) <= set(offer_rules.CODE_ALPHABET)
        for c in codes
    )
    assert not set(offer_rules.CODE_ALPHABET) & set("01OI")
    code = next(iter(codes))
    assert offer_rules.qr_payload(code) == f"o2o:offer:{code}"
    assert offer_rules.normalise_code(offer_rules.qr_payload(code)) == code
    assert offer_rules.normalise_code(" abcd-efgh ") == "ABCDEFGH"
