"""Codes shown at the counter: one alphabet, one way of reading them back."""

import pytest

from saleor_o2o.core import codes
from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.pickup import rules as lifecycle


def test_new_codes_use_the_unambiguous_alphabet():
    made = {codes.new_code(8) for _ in range(200)}
    assert len(made) == 200
    assert all(len(code) == 8 and set(code) <= set(codes.ALPHABET) for code in made)
    assert not set(codes.ALPHABET) & set("01OI")


@pytest.mark.parametrize("typed", ["k7p2-qx9a", " K7P2 QX9A\n", "K7P2\tQX9A"])
def test_pickup_and_offer_codes_are_read_back_alike(typed):
    assert lifecycle.normalise_code(typed) == "K7P2QX9A"
    assert offer_rules.normalise_code(typed) == "K7P2QX9A"


def test_each_kind_reads_its_own_qr_payload():
    assert lifecycle.normalise_code(lifecycle.qr_payload("K7P2QX")) == "K7P2QX"
    assert offer_rules.normalise_code(offer_rules.qr_payload("K7P2QX9A")) == "K7P2QX9A"
    # Another kind's payload is not taken for a code.
    assert lifecycle.normalise_code(offer_rules.qr_payload("K7P2QX")) != "K7P2QX"
