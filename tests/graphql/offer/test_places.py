"""The same place answers the same typed error in `offers(near:)` and `offerClaim`."""

import json
import uuid

from helpers.api import content, gid

OFFERS_NEAR_ADDRESS = """
query Offers($address: String!) {
  offers(near: {address: $address}, first: 5, token: "t") { distanceKm }
}
"""

OFFER_CLAIM_NEAR_ADDRESS = """
mutation Claim($offerId: ID!, $token: String, $address: String!) {
  offerClaim(offerId: $offerId, token: $token, near: {address: $address}) {
    claim { code }
    offerErrors { field code }
  }
}
"""


def test_an_unknown_place_is_place_not_found_in_queries_and_claims(
    o2o_active_with_geocoder, offer, api_client
):
    place = {"address": "Nowhere at all"}

    query = json.loads(api_client.post_graphql(OFFERS_NEAR_ADDRESS, place).content)
    claim = content(
        api_client.post_graphql(
            OFFER_CLAIM_NEAR_ADDRESS,
            {**place, "offerId": gid("Offer", offer.pk), "token": str(uuid.uuid4())},
        )
    )["offerClaim"]

    assert query["errors"][0]["extensions"]["code"] == "PLACE_NOT_FOUND"
    assert claim["claim"] is None
    assert [error["code"] for error in claim["offerErrors"]] == ["PLACE_NOT_FOUND"]
