"""README's "A pickup checkout, step by step", run as written.

Every ```graphql document of that section is posted with the ```json variables that
follow it, in the README's order, as an anonymous shopper, against a shop like the
demo's. Only what a storefront takes from earlier answers (IDs, tokens, the date, the
slot, the amount) is replaced; a variable the README no longer declares fails the
test, and so does any error, so the README's example cannot rot.
"""

import copy
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import pytest
from graphql import parse
from saleor.warehouse.models import Stock

from saleor_o2o.store import hours

from helpers.api import gid

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "### A pickup checkout, step by step"

#: The steps as the README gives them: the test below runs each of them, in order.
STEPS = [
    "StoresNear",
    "VariantInStores",
    "CheckoutCreate",
    "PickupOptions",
    "PickupSlots",
    "ChoosePickup",
    "Pay",
    "Complete",
    "MyPickup",
]


@dataclass
class Step:
    name: str
    document: str
    variables: dict
    declared: List[str]


def readme_steps() -> List[Step]:
    """Return the section's documents, each with the variables written after it."""
    text = README.read_text()
    start = text.index("\n" + SECTION + " ") + 1
    following = re.search(r"^#{1,3} ", text[start + len(SECTION) :], re.MULTILINE)
    section = text[start : start + len(SECTION) + following.start()]
    blocks = re.findall(r"^```(graphql|json)\n(.*?)^```$", section, re.S | re.M)
    kinds = [kind for kind, _body in blocks]
    assert kinds == ["graphql", "json"] * (len(blocks) // 2), kinds
    steps = []
    for (_g, document), (_j, variables) in zip(blocks[::2], blocks[1::2]):
        (operation,) = parse(document).definitions
        steps.append(
            Step(
                name=operation.name.value,
                document=document,
                variables=json.loads(variables),
                declared=[
                    definition.variable.name.value
                    for definition in operation.variable_definitions
                ],
            )
        )
    return steps


def error_lists(data) -> Iterator[tuple]:
    """Yield every ``...Errors`` list in an answer, with its key."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key.endswith("Errors") and isinstance(value, list):
                yield key, value
            else:
                yield from error_lists(value)
    elif isinstance(data, list):
        for item in data:
            yield from error_lists(item)


class Storefront:
    """Posts the README's steps in order, as the shopper's browser would."""

    def __init__(self, client):
        self.client = client
        self.steps = {step.name: step for step in readme_steps()}
        self.ran: List[str] = []

    def run(self, name: str, **from_earlier_answers) -> dict:
        """Post step `name` with its README variables; return the answer's data."""
        step = self.steps[name]
        variables = copy.deepcopy(step.variables)
        for key, value in from_earlier_answers.items():
            assert key in variables, f"{name}: the README has no {key!r} any more"
            variables[key] = value
        response = self.client.post_graphql(step.document, variables)
        assert response.status_code == 200, response.content
        answer = response.json()
        assert "errors" not in answer, (name, answer["errors"])
        for key, errors in error_lists(answer["data"]):
            assert errors == [], (name, key, errors)
        if not self.ran or self.ran[-1] != name:
            self.ran.append(name)
        return answer["data"]


#: Open 09:00-20:00 every day, as the demo's Paris stores are on weekdays.
EVERY_DAY = [
    hours.WeeklyInterval(weekday=day, interval=hours.Interval(dt.time(9), dt.time(20)))
    for day in range(7)
]


@pytest.fixture
def demo_like_shop(settings, o2o_active, site_settings, store_factory, variant):
    """Two Paris stores near the shopper; the nearer one has the variant and slots."""
    # checkoutCreate checks stock in the request's country (GeoIP, else this).
    settings.DEFAULT_COUNTRY = "FR"
    variant.product.is_published = True
    variant.product.save(update_fields=["is_published"])
    rivoli = store_factory(
        "Paris Rivoli",
        48.8606,
        2.3376,
        street="99 Rue de Rivoli",
        opening_hours=EVERY_DAY,
        pickup_lead_time_minutes=60,
        pickup_slot_capacity=4,
    )
    store_factory(
        "Paris Bastille",
        48.8532,
        2.3691,
        street="2 Place de la Bastille",
        postal_code="75011",
        opening_hours=EVERY_DAY,
    )
    Stock.objects.create(
        warehouse=rivoli.warehouse, product_variant=variant, quantity=5
    )
    return rivoli, variant


def test_the_readme_gives_every_step_with_the_variables_it_declares():
    steps = readme_steps()

    assert [step.name for step in steps] == STEPS
    for step in steps:
        assert sorted(step.variables) == sorted(step.declared), step.name


def test_the_readme_pickup_checkout_runs_as_written(api_client, demo_like_shop):
    rivoli, variant = demo_like_shop
    shop = Storefront(api_client)

    stores = shop.run("StoresNear")["stores"]["edges"]
    assert [edge["node"]["name"] for edge in stores] == [
        "Paris Rivoli",
        "Paris Bastille",
    ]

    variant_id = gid("ProductVariant", variant.pk)
    found = shop.run("VariantInStores", variantId=variant_id)["productVariant"]
    assert [row["store"]["name"] for row in found["storeAvailability"]] == [
        "Paris Rivoli"
    ]

    lines = shop.steps["CheckoutCreate"].variables["lines"]
    lines = [{**line, "variantId": variant_id} for line in lines]
    checkout = shop.run("CheckoutCreate", lines=lines)["checkoutCreate"]["checkout"]

    options = shop.run("PickupOptions", checkoutToken=checkout["token"])["checkout"]
    store = options["pickupOptions"][0]
    assert (store["name"], store["cartSupply"]["isComplete"]) == ("Paris Rivoli", True)

    # A storefront offers the next dates until one has a free slot.
    today = dt.datetime.now(dt.timezone.utc).date()
    slots = []
    for offset in range(8):
        date = (today + dt.timedelta(days=offset)).isoformat()
        answer = shop.run("PickupSlots", storeId=store["id"], date=date)
        slots = [slot for slot in answer["store"]["pickupSlots"] if slot["remaining"]]
        if slots:
            break
    assert slots, "no free slot in a week"

    chosen = shop.run(
        "ChoosePickup",
        checkoutId=checkout["id"],
        storeId=store["id"],
        slot=slots[0]["start"],
    )["checkoutPickupStoreUpdate"]["checkout"]
    assert chosen["pickup"]["store"]["name"] == "Paris Rivoli"
    gateway = shop.steps["Pay"].variables["gateway"]
    assert gateway in [each["id"] for each in chosen["availablePaymentGateways"]]

    total = chosen["totalPrice"]["gross"]["amount"]
    payment = shop.run("Pay", checkoutId=checkout["id"], amount=total)
    assert payment["checkoutPaymentCreate"]["payment"]["total"]["amount"] == total

    order = shop.run("Complete", checkoutId=checkout["id"])["checkoutComplete"]["order"]
    assert order["paymentStatus"] == "FULLY_CHARGED"

    pickup = shop.run("MyPickup", orderToken=order["token"])["orderByToken"]["pickup"]
    assert pickup["status"] == "RECEIVED"
    assert pickup["store"]["name"] == "Paris Rivoli"
    assert pickup["qrPayload"] == f"o2o:pickup:{pickup['code']}"

    assert shop.ran == STEPS
