"""A card gateway for the tests: Saleor's dummy gateway, plus tokens that misbehave.

Payment gateways are outside the machine; this one plays them locally. Tokens:
``declined`` fails the payment; ``slow:<seconds>`` takes that long to answer (to
widen the window in which concurrent requests overlap); anything else succeeds.
In-process tests can make something happen while a payment is processed
(`during_payment`).
"""

import time
from typing import Callable, List

from saleor.payment import TransactionKind
from saleor.payment.gateways.dummy.plugin import DummyGatewayPlugin
from saleor.payment.interface import GatewayResponse

GATEWAY_ID = "o2o.tests.cards"
DECLINED = "declined"
#: Calls made once, in order, while the next payments are being processed: what
#: happens elsewhere in the shop while a shopper's bank answers.
during_payment: List[Callable[[], None]] = []


def slow(seconds: float) -> str:
    return f"slow:{seconds}"


class FakeCardGatewayPlugin(DummyGatewayPlugin):
    PLUGIN_ID = GATEWAY_ID
    PLUGIN_NAME = "Test cards"

    def process_payment(self, payment_information, previous_value):
        if not self.active:
            return previous_value
        token = payment_information.token or ""
        if token == DECLINED:
            return GatewayResponse(
                is_success=False,
                action_required=False,
                kind=TransactionKind.CAPTURE,
                amount=payment_information.amount,
                currency=payment_information.currency,
                transaction_id=token,
                error="Card declined.",
            )
        if token.startswith("slow:"):
            time.sleep(float(token.split(":", 1)[1]))
        if during_payment:
            during_payment.pop(0)()
        return super().process_payment(payment_information, previous_value)
