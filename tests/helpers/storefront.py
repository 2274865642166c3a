"""A storefront's checkout: the GraphQL documents it sends, and a shopper sending them.

The documents are Saleor 2.10's own checkout mutations and the extension's pickup
and local delivery choices. `Storefront` runs them over any transport:
`HttpStorefront` posts to a running server (one shopper at a time or many at once),
`client_storefront` goes through Django's test client.
"""

from typing import Callable, List, Optional, Sequence, Tuple

import requests

from helpers.api import gid

CHECKOUT_CREATE = """
mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    created
    checkout { id token email }
    checkoutErrors { field code message }
  }
}
"""

BILLING_ADDRESS_UPDATE = """
mutation($checkout: ID!, $address: AddressInput!) {
  checkoutBillingAddressUpdate(checkoutId: $checkout, billingAddress: $address) {
    checkoutErrors { field code message }
  }
}
"""

SHIPPING_ADDRESS_UPDATE = """
mutation($checkout: ID!, $address: AddressInput!) {
  checkoutShippingAddressUpdate(checkoutId: $checkout, shippingAddress: $address) {
    checkout { availableShippingMethods { id name } }
    checkoutErrors { field code message }
  }
}
"""

SHIPPING_METHOD_UPDATE = """
mutation($checkout: ID!, $method: ID!) {
  checkoutShippingMethodUpdate(checkoutId: $checkout, shippingMethodId: $method) {
    checkout { totalPrice { gross { amount currency } } }
    checkoutErrors { field code message }
  }
}
"""

PICKUP_STORE_UPDATE = """
mutation($checkout: ID!, $store: ID!, $slot: DateTime) {
  checkoutPickupStoreUpdate(checkoutId: $checkout, storeId: $store, slot: $slot) {
    checkout { totalPrice { gross { amount currency } } shippingMethod { name } }
    pickupErrors { field code message }
  }
}
"""

LOCAL_DELIVERY_UPDATE = """
mutation($checkout: ID!, $store: ID, $window: DateTime!) {
  checkoutLocalDeliveryUpdate(checkoutId: $checkout, storeId: $store, window: $window) {
    checkout { totalPrice { gross { amount currency } } shippingMethod { name } }
    localDeliveryErrors { field code message }
  }
}
"""

PAYMENT_CREATE = """
mutation($checkout: ID!, $input: PaymentInput!) {
  checkoutPaymentCreate(checkoutId: $checkout, input: $input) {
    payment { id chargeStatus total { amount currency } }
    paymentErrors { field code message }
  }
}
"""

CHECKOUT_COMPLETE = """
mutation($checkout: ID!) {
  checkoutComplete(checkoutId: $checkout) {
    confirmationNeeded
    order {
      id
      number
      userEmail
      status
      paymentStatus
      total { gross { amount currency } }
      lines { productSku quantity }
    }
    checkoutErrors { field code message }
  }
}
"""

PARIS_ADDRESS = {
    "firstName": "Camille",
    "lastName": "Martin",
    "streetAddress1": "10 Rue de Rivoli",
    "city": "Paris",
    "postalCode": "75004",
    "country": "FR",
}

#: Saleor's dummy gateway, and the token it charges in full.
DUMMY_GATEWAY = "mirumee.payments.dummy"
DUMMY_TOKEN = "fully_charged"


class GraphQLFailure(AssertionError):
    """The server answered something other than a GraphQL result without errors."""


class Storefront:
    """One shopper's storefront, posting documents with `post(query, variables)`."""

    def __init__(self, post: Callable[[str, dict], dict]):
        self._post = post

    def post(self, query: str, variables: Optional[dict] = None) -> dict:
        """Post a document; return the whole JSON answer."""
        return self._post(query, variables or {})

    def data(self, query: str, variables: dict, name: str) -> dict:
        """Post a mutation; return its payload, asserting no top-level errors."""
        answer = self.post(query, variables)
        if answer.get("errors"):
            raise GraphQLFailure(str(answer["errors"]))
        return answer["data"][name]

    def _ok(self, query: str, variables: dict, name: str, errors: str) -> dict:
        payload = self.data(query, variables, name)
        if payload[errors]:
            raise GraphQLFailure(f"{name}: {payload[errors]}")
        return payload

    def checkout_prepare(
        self,
        lines: Sequence[Tuple[int, int]],
        *,
        email: str = "shopper@example.com",
        store_id: Optional[int] = None,
        slot: Optional[str] = None,
        method_id: Optional[int] = None,
        gateway: str = DUMMY_GATEWAY,
        payment_token: str = DUMMY_TOKEN,
        local_window: Optional[str] = None,
    ) -> str:
        """Run a storefront's mutations up to `checkoutComplete`; return the ID.

        `lines` are ``(variant pk, quantity)``; the shopper collects in store
        `store_id`, or has it delivered to Paris by method `method_id`, or (with
        `local_window`) by a local store in that window: store `store_id`, or the
        best one.
        """
        created = self._ok(
            CHECKOUT_CREATE,
            {
                "input": {
                    "email": email,
                    "lines": [
                        {"variantId": gid("ProductVariant", pk), "quantity": quantity}
                        for pk, quantity in lines
                    ],
                }
            },
            "checkoutCreate",
            "checkoutErrors",
        )
        checkout_id = created["checkout"]["id"]
        self._ok(
            BILLING_ADDRESS_UPDATE,
            {"checkout": checkout_id, "address": PARIS_ADDRESS},
            "checkoutBillingAddressUpdate",
            "checkoutErrors",
        )
        if local_window is not None:
            self._ok(
                SHIPPING_ADDRESS_UPDATE,
                {"checkout": checkout_id, "address": PARIS_ADDRESS},
                "checkoutShippingAddressUpdate",
                "checkoutErrors",
            )
            chosen = self._ok(
                LOCAL_DELIVERY_UPDATE,
                {
                    "checkout": checkout_id,
                    "store": gid("Store", store_id) if store_id else None,
                    "window": local_window,
                },
                "checkoutLocalDeliveryUpdate",
                "localDeliveryErrors",
            )
        elif store_id is not None:
            chosen = self._ok(
                PICKUP_STORE_UPDATE,
                {
                    "checkout": checkout_id,
                    "store": gid("Store", store_id),
                    "slot": slot,
                },
                "checkoutPickupStoreUpdate",
                "pickupErrors",
            )
        else:
            self._ok(
                SHIPPING_ADDRESS_UPDATE,
                {"checkout": checkout_id, "address": PARIS_ADDRESS},
                "checkoutShippingAddressUpdate",
                "checkoutErrors",
            )
            chosen = self._ok(
                SHIPPING_METHOD_UPDATE,
                {"checkout": checkout_id, "method": gid("ShippingMethod", method_id)},
                "checkoutShippingMethodUpdate",
                "checkoutErrors",
            )
        total = chosen["checkout"]["totalPrice"]["gross"]["amount"]
        self._ok(
            PAYMENT_CREATE,
            {
                "checkout": checkout_id,
                "input": {"gateway": gateway, "token": payment_token, "amount": total},
            },
            "checkoutPaymentCreate",
            "paymentErrors",
        )
        return checkout_id

    def checkout_complete(self, checkout_id: str) -> dict:
        """Post `checkoutComplete`; return the whole JSON answer."""
        return self.post(CHECKOUT_COMPLETE, {"checkout": checkout_id})


class HttpStorefront(Storefront):
    """A storefront talking to a server over HTTP."""

    def __init__(self, url: str, token: Optional[str] = None):
        self.url = url
        # A connection per request, as uwsgi's http-socket closes each one; and a
        # storefront object may post from several threads at once.
        self.headers = {"Connection": "close"}
        if token:
            self.headers["Authorization"] = f"JWT {token}"
        super().__init__(self._http_post)

    def _http_post(self, query: str, variables: dict) -> dict:
        response = requests.post(
            self.url,
            json={"query": query, "variables": variables},
            headers=self.headers,
            timeout=60,
        )
        if response.status_code != 200:
            raise GraphQLFailure(f"HTTP {response.status_code}: {response.text[:2000]}")
        return response.json()


def client_storefront(client) -> Storefront:
    """Return a storefront posting through a test `ApiClient` (helpers/api.py)."""
    return Storefront(
        lambda query, variables: client.post_graphql(query, variables).json()
    )


def outcome(answer: dict) -> str:
    """Return "order", a checkout error code, or "untyped: ..." for an answer."""
    if answer.get("errors"):
        return "untyped: " + "; ".join(e.get("message", "") for e in answer["errors"])
    payload = answer["data"]["checkoutComplete"]
    if payload["order"] is not None:
        return "order"
    codes: List[str] = [error["code"] for error in payload["checkoutErrors"]]
    return ",".join(codes) or "nothing"
