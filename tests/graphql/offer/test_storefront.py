import json
import uuid

import pytest

from saleor_o2o.core import settings as conf
from saleor_o2o.core.geo import Point
from saleor_o2o.offer import claims, shoppers
from saleor_o2o.offer.models import OfferClaim, ProductView
from saleor_o2o.webhook.models import O2OEvent

from helpers.api import assert_permission_denied, content, gid, only_error

OFFERS_NEAR = """
query Offers($lat: Float, $lng: Float, $radius: Float, $token: String, $first: Int) {
  offers(near: {latitude: $lat, longitude: $lng}, radiusKm: $radius, token: $token,
         first: $first) {
    offer { id title rewardLabel }
    store { id name distanceKm }
    distanceKm relevance score
  }
}
"""

OFFER_CLAIM = """
mutation Claim($offerId: ID!, $token: String, $storeId: ID, $lat: Float, $lng: Float) {
  offerClaim(offerId: $offerId, token: $token, storeId: $storeId,
             near: {latitude: $lat, longitude: $lng}) {
    claim { code qrPayload claimedAt offer { id } claimedStore { name } }
    offerErrors { field code message }
  }
}
"""

OFFER_REDEEM = """
mutation Redeem($code: String!, $storeId: ID!) {
  offerRedeem(code: $code, storeId: $storeId) {
    claim { code redeemedAt redeemedStore { id } }
    offerErrors { field code message }
  }
}
"""

MY_CLAIMS = """
query Mine($token: String) { myOfferClaims(token: $token) { code offer { title } } }
"""

VIEW = """
mutation View($productId: ID!, $token: String) {
  productViewRecord(productId: $productId, token: $token) {
    recorded offerErrors { field code }
  }
}
"""

ERASE = """
mutation Erase($token: String) {
  productViewsErase(token: $token) { erased offerErrors { field code } }
}
"""

STATS = """
query Stats($id: ID!) {
  offerStats(offerId: $id) {
    shown claimed redeemed redemptionRate ordersAfter pickupsAfter
    stores { store { name } shown claimed redeemed redemptionRate }
  }
}
"""

OFFER_LIST = """
{ offerList(first: 10) { totalCount edges { node { id title } } } }
"""

LOUVRE = {"lat": 48.8606, "lng": 2.3376}
LOUVRE_POINT = Point(LOUVRE["lat"], LOUVRE["lng"])


def errors(response):
    assert response.status_code == 200, response.content
    return json.loads(response.content)["errors"]


@pytest.fixture
def token():
    return str(uuid.uuid4())


def test_offers_near_ranks_offers_with_their_nearest_store(
    api_client, o2o_active, store_factory, offer_factory, variant, token
):
    louvre = store_factory("Louvre", 48.8606, 2.3376)
    bastille = store_factory("Bastille", 48.8532, 2.3691)
    generic = offer_factory(louvre, bastille, title="Generic")
    shoes = offer_factory(
        bastille, title="Shoes", target_product_ids=[variant.product_id]
    )
    api_client.post_graphql(
        VIEW, {"productId": gid("Product", variant.product_id), "token": token}
    )
    data = content(api_client.post_graphql(OFFERS_NEAR, {**LOUVRE, "token": token}))
    found = data["offers"]
    assert [f["offer"]["title"] for f in found] == ["Shoes", "Generic"]
    assert found[0]["store"]["name"] == "Bastille"
    assert found[1]["store"]["name"] == "Louvre"
    assert found[0]["distanceKm"] == pytest.approx(2.5, abs=0.2)
    assert found[0]["store"]["distanceKm"] == found[0]["distanceKm"]
    assert found[0]["relevance"] > found[1]["relevance"]
    assert found[1]["offer"]["rewardLabel"] == "20% off"
    # Another shopper, nothing viewed: the nearer generic offer first.
    data = content(api_client.post_graphql(OFFERS_NEAR, LOUVRE))
    assert [f["offer"]["id"] for f in data["offers"]] == [
        gid("Offer", generic.pk),
        gid("Offer", shoes.pk),
    ]


@pytest.mark.parametrize(
    "variables, code, field",
    [
        ({"lat": 91, "lng": 0}, "OUT_OF_RANGE", "near.latitude"),
        ({"lat": 48.0}, "REQUIRED", "near.longitude"),
        ({**LOUVRE, "radius": 10_000}, "OUT_OF_RANGE", "radiusKm"),
        ({**LOUVRE, "first": 0}, "INVALID", "first"),
    ],
)
def test_offers_near_bad_input(api_client, o2o_active, variables, code, field):
    found = errors(api_client.post_graphql(OFFERS_NEAR, variables))
    assert (found[0]["extensions"]["code"], found[0]["extensions"]["field"]) == (
        code,
        field,
    )


def test_offers_near_uses_the_checkout_lines(
    api_client, o2o_active, store, offer_factory, variant
):
    from saleor.checkout.models import Checkout

    checkout = Checkout.objects.create(currency="USD")
    checkout.lines.create(variant=variant, quantity=1)
    offer_factory(store, title="Shoes", target_product_ids=[variant.product_id])
    query = """
    query Offers($checkoutToken: String) {
      offers(near: {latitude: 48.8606, longitude: 2.3376},
             checkoutToken: $checkoutToken) { relevance }
    }"""
    data = content(
        api_client.post_graphql(query, {"checkoutToken": str(checkout.token)})
    )
    assert data["offers"][0]["relevance"] == pytest.approx(0.9)
    found = errors(api_client.post_graphql(query, {"checkoutToken": "nope"}))
    assert found[0]["extensions"]["field"] == "checkoutToken"


def test_storefront_offers_are_off_while_the_plugin_is_inactive(api_client, offer):
    found = errors(api_client.post_graphql(OFFERS_NEAR, LOUVRE))
    assert found[0]["extensions"]["code"] == "FEATURE_DISABLED"
    response = api_client.post_graphql(
        OFFER_CLAIM, {"offerId": gid("Offer", offer.pk), "token": str(uuid.uuid4())}
    )
    assert content(response)["offerClaim"]["offerErrors"][0]["code"] == (
        "FEATURE_DISABLED"
    )


def test_a_shopper_claims_and_staff_redeem_once(
    api_client,
    user_api_client,
    staff_api_client,
    permission_manage_orders,
    o2o_active,
    offer,
    store,
):
    data = content(
        user_api_client.post_graphql(
            OFFER_CLAIM, {"offerId": gid("Offer", offer.pk), **LOUVRE}
        )
    )["offerClaim"]
    assert data["offerErrors"] == []
    claim = data["claim"]
    assert claim["qrPayload"] == f"o2o:offer:{claim['code']}"
    assert claim["claimedStore"] == {"name": store.name}
    mine = content(user_api_client.post_graphql(MY_CLAIMS))["myOfferClaims"]
    assert [c["code"] for c in mine] == [claim["code"]]
    assert content(api_client.post_graphql(MY_CLAIMS))["myOfferClaims"] == []

    redeem = {"code": claim["qrPayload"], "storeId": gid("Store", store.pk)}
    data = content(
        staff_api_client.post_graphql(
            OFFER_REDEEM, redeem, permissions=[permission_manage_orders]
        )
    )["offerRedeem"]
    assert data["offerErrors"] == []
    assert data["claim"]["redeemedStore"] == {"id": gid("Store", store.pk)}
    again = content(staff_api_client.post_graphql(OFFER_REDEEM, redeem))["offerRedeem"]
    assert [(e["field"], e["code"]) for e in again["offerErrors"]] == [
        ("code", "ALREADY_REDEEMED")
    ]
    assert [e.type for e in O2OEvent.objects.order_by("pk")] == [
        "offer_claimed",
        "offer_redeemed",
    ]


def test_claim_errors(
    api_client, user_api_client, o2o_active, offer_factory, store, token
):
    far = offer_factory(store, geofence_radius_km=1, per_shopper_limit=None)
    limited = offer_factory(store, total_limit=1, per_shopper_limit=None)

    def claim(client=api_client, **variables):
        variables = {"token": token, **LOUVRE, **variables}
        response = client.post_graphql(OFFER_CLAIM, variables)
        found = content(response)["offerClaim"]["offerErrors"]
        return [(e["field"], e["code"]) for e in found]

    assert claim(offerId=gid("Offer", far.pk), lat=45.76, lng=4.83) == [
        ("near", "OUT_OF_RANGE")
    ]
    assert claim(offerId="bad") == [("offerId", "GRAPHQL_ERROR")]
    assert claim(offerId=gid("Store", store.pk)) == [("offerId", "NOT_FOUND")]
    assert claim(offerId=gid("Offer", far.pk), token=None) == [("token", "REQUIRED")]
    assert claim(offerId=gid("Offer", limited.pk)) == [("offerId", "LOGIN_REQUIRED")]
    assert claim(user_api_client, offerId=gid("Offer", limited.pk)) == []
    assert claim(user_api_client, offerId=gid("Offer", limited.pk)) == [
        ("offerId", "LIMIT_REACHED")
    ]
    assert claim(offerId=gid("Offer", far.pk), storeId=gid("Store", 0)) == [
        ("storeId", "NOT_FOUND")
    ]
    assert claim(offerId=gid("Offer", far.pk), token="not-a-uuid") == [
        ("token", "INVALID")
    ]
    assert OfferClaim.objects.count() == 1


def test_redeem_errors_and_lock_out(
    staff_api_client,
    permission_manage_orders,
    o2o_active,
    offer_factory,
    store,
    store_factory,
):
    other = store_factory("Other", 48.87, 2.35)
    offer = offer_factory(store, per_shopper_limit=None)
    claim = claims.offer_claim(
        offer_id=offer.pk,
        shopper=shoppers.Shopper(token=uuid.uuid4()),
        point=LOUVRE_POINT,
    )

    def redeem(code, at=store):
        response = staff_api_client.post_graphql(
            OFFER_REDEEM,
            {"code": code, "storeId": gid("Store", at.pk)},
            permissions=[permission_manage_orders],
        )
        return [e["code"] for e in content(response)["offerRedeem"]["offerErrors"]]

    assert redeem(claim.code, at=other) == ["WRONG_STORE"]
    for _ in range(claims.MAX_WRONG_CODES):
        assert redeem("ZZZZZZZZ") == ["NOT_FOUND"]
    assert redeem(claim.code) == ["TOO_MANY_ATTEMPTS"]
    claim.refresh_from_db()
    assert claim.redeemed_at is None


def test_offer_redeem_needs_manage_orders(user_api_client, offer, store):
    response = user_api_client.post_graphql(
        OFFER_REDEEM, {"code": "ABCDEFGH", "storeId": gid("Store", store.pk)}
    )
    assert_permission_denied(response)


def test_product_views_record_and_erase(api_client, o2o_active, variant, token):
    product = gid("Product", variant.product_id)
    data = content(
        api_client.post_graphql(VIEW, {"productId": product, "token": token})
    )
    assert data["productViewRecord"] == {"recorded": True, "offerErrors": []}
    data = content(api_client.post_graphql(VIEW, {"productId": product}))
    assert data["productViewRecord"]["offerErrors"] == [
        {"field": "token", "code": "REQUIRED"}
    ]
    data = content(
        api_client.post_graphql(VIEW, {"productId": gid("Product", 0), "token": token})
    )
    assert data["productViewRecord"]["offerErrors"] == [
        {"field": "productId", "code": "NOT_FOUND"}
    ]
    data = content(api_client.post_graphql(ERASE, {"token": token}))
    assert data["productViewsErase"] == {"erased": 1, "offerErrors": []}
    assert not ProductView.objects.exists()


def test_offer_stats_for_staff(
    staff_api_client,
    permission_manage_discounts,
    o2o_active,
    api_client,
    customer_user,
    offer,
    store,
    token,
):
    for _reload in range(3):
        content(api_client.post_graphql(OFFERS_NEAR, {**LOUVRE, "token": token}))
    claim = claims.offer_claim(
        offer_id=offer.pk,
        shopper=shoppers.Shopper(user=customer_user),
        store=store,
        point=LOUVRE_POINT,
    )
    claims.offer_redeem(code=claim.code, store=store)
    data = content(
        staff_api_client.post_graphql(
            STATS,
            {"id": gid("Offer", offer.pk)},
            permissions=[permission_manage_discounts],
        )
    )["offerStats"]
    assert (data["shown"], data["claimed"], data["redeemed"]) == (1, 1, 1)
    assert data["redemptionRate"] == 1.0
    assert data["stores"] == [
        {
            "store": {"name": store.name},
            "shown": 1,
            "claimed": 1,
            "redeemed": 1,
            "redemptionRate": 1.0,
        }
    ]
    listed = content(staff_api_client.post_graphql(OFFER_LIST))["offerList"]
    assert listed["totalCount"] == 1


def test_offer_stats_and_list_need_manage_discounts(user_api_client, offer):
    response = user_api_client.post_graphql(STATS, {"id": gid("Offer", offer.pk)})
    assert_permission_denied(response)
    assert_permission_denied(user_api_client.post_graphql(OFFER_LIST))


def test_shoppers_see_active_offers_only(api_client, o2o_active, offer_factory, store):
    live = offer_factory(store)
    hidden = offer_factory(store, is_active=False)
    query = "query O($id: ID!) { offer(id: $id) { title claimedCount } }"
    data = json.loads(
        api_client.post_graphql(query, {"id": gid("Offer", live.pk)}).content
    )
    assert data["data"]["offer"]["title"] == live.title
    # Staff-only fields are refused, not leaked.
    assert data["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    query = "query O($id: ID!) { offer(id: $id) { title } }"
    data = content(api_client.post_graphql(query, {"id": gid("Offer", hidden.pk)}))
    assert data["offer"] is None


def test_offer_lists_do_not_query_per_offer(
    staff_api_client,
    permission_manage_discounts,
    api_client,
    o2o_active,
    store_factory,
    offer_factory,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff_list = (
        "{ offerList(first: 50) { edges { node { id stores { name isOpenNow } "
        "targetCategories { id } targetProducts { id } } } } }"
    )
    near = (
        "{ offers(near: {latitude: 48.8606, longitude: 2.3376}, radiusKm: 20, "
        "first: 50) { offer { id stores { name } } store { name isOpenNow } "
        "distanceKm } }"
    )
    staff_api_client.user.user_permissions.add(permission_manage_discounts)

    def queries(client, query, count):
        for index in range(count):
            paris = store_factory(f"Offers {count}-{index}", 48.86 + index / 500, 2.33)
            offer_factory(paris, geofence_radius_km=20)
        client.post_graphql(query)  # Warm: permissions, plugin settings.
        with CaptureQueriesContext(connection) as captured:
            response = client.post_graphql(query)
        assert "errors" not in response.json(), response.json()
        return len(captured)

    few = queries(staff_api_client, staff_list, 2), queries(api_client, near, 2)
    many = queries(staff_api_client, staff_list, 6), queries(api_client, near, 6)

    assert many == few


def test_an_offer_by_id_is_disabled_with_the_plugin(api_client, offer):
    response = api_client.post_graphql(
        "query($id: ID!) { offer(id: $id) { title } }", {"id": gid("Offer", offer.pk)}
    )

    assert only_error(response)["extensions"]["code"] == "FEATURE_DISABLED"


OFFER_CLAIM_ANYWHERE = """
mutation Claim($offerId: ID!, $token: String) {
  offerClaim(offerId: $offerId, token: $token) {
    claim { code claimedStore { name } }
    offerErrors { field code message }
  }
}
"""


def claim_errors(response):
    data = content(response)["offerClaim"]
    return [(e["field"], e["code"]) for e in data["offerErrors"]]


def test_a_claim_without_near_is_refused(
    api_client, user_api_client, o2o_active, offer_factory, store, token
):
    # A 1 km offer claimed without saying from where: refused, logged in or not.
    offer = offer_factory(store, geofence_radius_km=1, per_shopper_limit=None)
    variables = {"offerId": gid("Offer", offer.pk), "token": token}
    for client in (api_client, user_api_client):
        response = client.post_graphql(OFFER_CLAIM_ANYWHERE, variables)
        assert claim_errors(response) == [("near", "REQUIRED")]
    assert not OfferClaim.objects.exists()


def test_remote_claims_only_for_logged_in_shoppers_with_the_option_on(
    api_client, user_api_client, configure_o2o, offer_factory, store, token
):
    offer = offer_factory(store, geofence_radius_km=1, per_shopper_limit=None)
    variables = {"offerId": gid("Offer", offer.pk), "token": token}
    configure_o2o(
        active=True, **{conf.GEOCODER_PROVIDER: "none", conf.OFFER_REMOTE_CLAIMS: True}
    )
    anonymous = api_client.post_graphql(OFFER_CLAIM_ANYWHERE, variables)
    assert claim_errors(anonymous) == [("near", "REQUIRED")]
    response = user_api_client.post_graphql(OFFER_CLAIM_ANYWHERE, variables)
    assert claim_errors(response) == []
    assert content(response)["offerClaim"]["claim"]["claimedStore"] is None
    # From Lyon, far outside the geofence: allowed too.
    far = {**variables, "lat": 45.76, "lng": 4.83}
    assert claim_errors(user_api_client.post_graphql(OFFER_CLAIM, far)) == []
    assert claim_errors(api_client.post_graphql(OFFER_CLAIM, far)) == [
        ("near", "OUT_OF_RANGE")
    ]

    configure_o2o(
        active=True,
        **{conf.GEOCODER_PROVIDER: "none", conf.OFFER_REMOTE_CLAIMS: False},
    )
    response = user_api_client.post_graphql(OFFER_CLAIM_ANYWHERE, variables)
    assert claim_errors(response) == [("near", "REQUIRED")]
    assert OfferClaim.objects.filter(user__isnull=False).count() == 2
    assert not OfferClaim.objects.filter(user__isnull=True).exists()


def test_limited_offers_need_a_login_and_bind_to_the_account(
    api_client, user_api_client, o2o_active, offer_factory, store
):
    offer = offer_factory(store, per_shopper_limit=1, total_limit=20)
    variables = {"offerId": gid("Offer", offer.pk), **LOUVRE}
    # One anonymous client, any number of tokens: not one claim.
    for _ in range(3):
        response = api_client.post_graphql(
            OFFER_CLAIM, {**variables, "token": str(uuid.uuid4())}
        )
        assert claim_errors(response) == [("offerId", "LOGIN_REQUIRED")]
    first = user_api_client.post_graphql(
        OFFER_CLAIM, {**variables, "token": str(uuid.uuid4())}
    )
    assert claim_errors(first) == []
    again = user_api_client.post_graphql(
        OFFER_CLAIM, {**variables, "token": str(uuid.uuid4())}
    )
    assert claim_errors(again) == [("offerId", "LIMIT_REACHED")]
    mine = content(user_api_client.post_graphql(MY_CLAIMS))["myOfferClaims"]
    assert [c["code"] for c in mine] == [content(first)["offerClaim"]["claim"]["code"]]
    offer.refresh_from_db()
    assert offer.claimed_count == 1


def test_offers_say_whether_a_login_is_needed(
    api_client, o2o_active, offer_factory, store
):
    limited = offer_factory(store, per_shopper_limit=None, total_limit=5)
    free = offer_factory(store, per_shopper_limit=None)
    query = "query O($id: ID!) { offer(id: $id) { loginRequired } }"

    def login_required(offer):
        response = api_client.post_graphql(query, {"id": gid("Offer", offer.pk)})
        return content(response)["offer"]["loginRequired"]

    assert (login_required(limited), login_required(free)) == (True, False)


def test_reloads_and_aliases_count_one_impression_per_shopper_a_day(
    api_client,
    staff_api_client,
    permission_manage_discounts,
    o2o_active,
    offer,
    store,
    token,
):
    from saleor_o2o.offer.models import OfferImpressionMark

    aliases = " ".join(
        f"a{index}: offers(near: {{latitude: 48.8606, longitude: 2.3376}}, "
        f'token: "{token}") {{ offer {{ id }} }}'
        for index in range(20)
    )
    for _reload in range(3):
        data = content(api_client.post_graphql(f"{{ {aliases} }}"))
        assert len(data) == 20 and all(len(found) == 1 for found in data.values())
    # Without a token or an account, a search is not counted.
    content(api_client.post_graphql(OFFERS_NEAR, LOUVRE))
    assert OfferImpressionMark.objects.count() == 1
    stats = content(
        staff_api_client.post_graphql(
            STATS,
            {"id": gid("Offer", offer.pk)},
            permissions=[permission_manage_discounts],
        )
    )["offerStats"]
    assert stats["shown"] == 1
    assert [row["shown"] for row in stats["stores"]] == [1]
