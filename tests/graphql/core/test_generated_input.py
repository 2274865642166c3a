"""Generated input for every argument the extension adds: never a server error.

Every O2O query and mutation, and every O2O field with arguments on Saleor's types, is
found by comparing the composed schema with Saleor's own, then called with values
hypothesis draws from the argument's type: long and control-character strings
(NUL included), extreme numbers, NaN, far dates, foreign and malformed IDs, and IDs
of real objects. Half the calls start from a valid call of the field and replace
one value, so that each value reaches the code behind the checks that come first.
Each answer must be HTTP 200 or 400 without an internal exception name (the
database's, Python's) in it: bad input gets typed errors.
"""

import copy
import datetime as dt
import json
import os
from typing import Dict, List, Tuple

import pytest
from django.db import transaction
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from saleor.account.models import User
from saleor.checkout.models import Checkout
from saleor.graphql.api import schema as saleor_schema

from saleor_o2o.graphql.api import schema

from helpers.api import gid
from helpers.stores import store_input

#: Exceptions that mean the server failed, not the client.
INTERNAL = {
    "AssertionError",
    "AttributeError",
    "DataError",
    "DoesNotExist",
    "IndexError",
    "IntegrityError",
    "InternalError",
    "InvalidOperation",
    "KeyError",
    "MultipleObjectsReturned",
    "NotImplementedError",
    "OperationalError",
    "OverflowError",
    "ProgrammingError",
    "RecursionError",
    "TypeError",
    "UnicodeEncodeError",
    "ValueError",
    "ZeroDivisionError",
}
ROOTS = {"Query": "query", "Mutation": "mutation"}


def o2o_fields() -> List[Tuple[str, str]]:
    """Return (type, field) for every argument-taking field the extension adds."""
    ours, saleors = schema.get_type_map(), saleor_schema.get_type_map()
    found = []
    for type_name, graphql_type in sorted(ours.items()):
        if type_name.startswith("__") or not isinstance(
            graphql_type, GraphQLObjectType
        ):
            continue
        saleor_type = saleors.get(type_name)
        for name, field in graphql_type.fields.items():
            replaced = type_name == "Mutation" and name == "checkoutComplete"
            if saleor_type is not None and name in saleor_type.fields and not replaced:
                continue
            if field.args:
                found.append((type_name, name))
    return found


def _named(graphql_type):
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        graphql_type = graphql_type.of_type
    return graphql_type


TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    st.sampled_from(["", " ", "\x00", "x" * 300, "é" * 5000, "a" * 100_000]),
)
DATES = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["9999-12-31", "0001-01-01", "", "2026-02-30", "today"]),
)
DATETIMES = st.one_of(
    st.datetimes(timezones=st.just(dt.timezone.utc)).map(dt.datetime.isoformat),
    st.sampled_from(["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00", "", "x"]),
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**63), 2**63),
    st.sampled_from([0, -1, 1e308, -1e-308]),
)
SCALARS = {
    "String": TEXT,
    "Int": st.one_of(
        st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 2**31 - 1])
    ),
    "Float": NUMBERS,
    "Boolean": st.booleans(),
    "UUID": st.one_of(st.uuids().map(str), TEXT),
    "Date": DATES,
    "DateTime": DATETIMES,
    "Time": st.one_of(
        st.times().map(dt.time.isoformat), st.sampled_from(["", "24:00", "25:61"])
    ),
    "Decimal": st.one_of(NUMBERS, TEXT),
    "PositiveDecimal": st.one_of(NUMBERS, TEXT),
}


def ids(real: Dict[str, List[str]]):
    """IDs: real ones, another type's, malformed, and huge or odd primary keys."""
    forged = st.builds(
        gid,
        st.sampled_from(sorted(real) + ["Order", "User", "App", "Webhook"]),
        st.one_of(
            st.integers(-(2**70), 2**70).map(str), st.text(max_size=12), st.just("")
        ),
    )
    known = [value for values in real.values() for value in values]
    return st.one_of(st.sampled_from(known), forged, TEXT)


def values_for(graphql_type, real, depth: int = 0):
    """Return a strategy of JSON values for a GraphQL input type."""
    if isinstance(graphql_type, GraphQLNonNull):
        return values_for(graphql_type.of_type, real, depth)
    inner = _value_of(graphql_type, real, depth)
    return st.one_of(st.none(), inner)


def _value_of(graphql_type, real, depth):
    if isinstance(graphql_type, GraphQLNonNull):
        return _value_of(graphql_type.of_type, real, depth)
    if isinstance(graphql_type, GraphQLList):
        return st.lists(
            _value_of(graphql_type.of_type, real, depth + 1), max_size=3 if depth else 4
        )
    if isinstance(graphql_type, GraphQLEnumType):
        return st.sampled_from(
            sorted(graphql_type.values and [v.name for v in graphql_type.values])
        )
    if isinstance(graphql_type, GraphQLInputObjectType):
        required, optional = {}, {}
        for name, field in graphql_type.fields.items():
            if depth > 2 and not isinstance(field.type, GraphQLNonNull):
                continue
            strategy = (
                _value_of(field.type, real, depth + 1)
                if isinstance(field.type, GraphQLNonNull)
                else values_for(field.type, real, depth + 1)
            )
            (required if isinstance(field.type, GraphQLNonNull) else optional)[
                name
            ] = strategy
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(graphql_type, GraphQLScalarType):
        if graphql_type.name == "ID":
            return ids(real)
        return SCALARS.get(graphql_type.name, TEXT)
    raise AssertionError(f"No strategy for {graphql_type}")


def selection(graphql_type) -> str:
    named = _named(graphql_type)
    if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
        if named.name.endswith("Connection"):
            return "{ totalCount edges { node { __typename } } }"
        return "{ __typename }"
    return ""


def valid_calls(real, token, order_token, code) -> Dict[Tuple[str, str], dict]:
    """Return variables of one valid call of the main fields, by (type, field)."""
    store, variant, offer = (
        real["Store"][0],
        real["ProductVariant"][0],
        real["Offer"][0],
    )
    near = {"latitude": 48.86, "longitude": 2.34}
    store_data = store_input(
        timezone="Europe/Paris",
        services=["CLICK_AND_COLLECT"],
        openingHours=[{"weekday": "MONDAY", "opens": "09:00", "closes": "19:00"}],
        openingHoursExceptions=[{"date": "2026-12-25", "name": "Christmas"}],
        pickupSlotCapacity=2,
    )
    offer_input = {
        "title": "10% off",
        "rewardType": "PERCENTAGE",
        "rewardValue": 10,
        "storeIds": [store],
        "geofenceRadiusKm": 5,
        "startsAt": "2026-01-01T00:00:00+00:00",
        "endsAt": "2027-01-01T00:00:00+00:00",
        "perShopperLimit": 1,
        "totalLimit": 10,
    }
    lines = {"lines": [{"variantId": variant, "quantity": 1}]}
    return {
        ("Mutation", "storeCreate"): {"input": store_data},
        ("Mutation", "storeUpdate"): {"id": store, "input": store_data},
        ("Mutation", "storeStockUpdate"): {
            "storeId": store,
            "stocks": [{"variantId": variant, "quantity": 3}],
            "safetyStock": 1,
            "lowStockThreshold": 2,
        },
        ("Mutation", "offerCreate"): {"input": offer_input},
        ("Mutation", "offerUpdate"): {"id": offer, "input": offer_input},
        ("Mutation", "offerClaim"): {
            "offerId": offer,
            "token": "3f1c5a36-44c6-4a23-8f43-5b7d8a0a1c11",
            "near": near,
            "storeId": store,
        },
        ("Mutation", "offerRedeem"): {"code": "ABCDEFGH", "storeId": store},
        ("Mutation", "checkoutPickupStoreUpdate"): {
            "checkoutId": real["Checkout"][0],
            "storeId": store,
            "curbside": False,
        },
        ("Mutation", "pickupStatusUpdate"): {
            "id": real["Pickup"][0],
            "status": "PREPARING",
            "note": "n",
        },
        ("Mutation", "pickupCollect"): {"id": real["Pickup"][0], "code": code},
        ("Mutation", "pickupCheckIn"): {"orderToken": order_token, "bay": "3"},
        ("Query", "stores"): {
            "first": 5,
            "near": near,
            "radiusKm": 10,
            "filter": {"canSupply": lines},
        },
        ("Query", "offers"): {"first": 5, "near": near, "radiusKm": 10},
        ("Query", "pickups"): {"first": 5, "storeId": store},
        ("ProductVariant", "storeAvailability"): {"first": 5, "near": near},
        ("Checkout", "pickupOptions"): {"first": 5, "near": near},
        ("Store", "pickupSlots"): {"date": dt.date.today().isoformat()},
    }


def _paths(value, graphql_type, path=()):
    """Yield (path, input type) for every place in ``value`` a value can go."""
    named = _named(graphql_type)
    yield path, graphql_type
    if isinstance(named, GraphQLInputObjectType) and isinstance(value, dict):
        for name, field in named.fields.items():
            yield from _paths(value.get(name), field.type, path + (name,))
    inner = graphql_type
    while isinstance(inner, GraphQLNonNull):
        inner = inner.of_type
    if isinstance(inner, GraphQLList) and isinstance(value, list) and value:
        yield from _paths(value[0], inner.of_type, path + (0,))


def _replaced(base: dict, path, value) -> dict:
    variables = copy.deepcopy(base)
    target = variables
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return variables


def one_value_replaced(base: dict, args, real):
    """Strategy: the valid call ``base`` with one value replaced by a generated one."""
    places = [
        (path, graphql_type)
        for name, arg in args
        for path, graphql_type in _paths(base.get(name), arg.type, (name,))
    ]
    return st.sampled_from(places).flatmap(
        lambda place: values_for(place[1], real).map(
            lambda value: _replaced(base, place[0], value)
        )
    )


@pytest.fixture
def objects(
    o2o_active, store, variant, offer, pickup_factory, site_settings, customer_user
):
    """Real objects for IDs to point at, and valid calls of the main fields."""
    store.pickup_slot_capacity = 2  # Slot checks run too.
    store.save(update_fields=["pickup_slot_capacity"])
    pickup = pickup_factory()
    checkout = Checkout.objects.create(email="shopper@example.com")
    checkout.lines.create(variant=variant, quantity=1)
    real = {
        "Store": [gid("Store", store.pk)],
        "ProductVariant": [gid("ProductVariant", variant.pk)],
        "Product": [gid("Product", variant.product_id)],
        "Offer": [gid("Offer", offer.pk)],
        "Pickup": [gid("Pickup", pickup.pk)],
        "Checkout": [gid("Checkout", checkout.pk)],
    }
    calls = valid_calls(real, str(checkout.token), str(pickup.order.token), pickup.code)
    return real, str(checkout.token), store, variant, calls


def document(type_name: str, field_name: str, objects) -> Tuple[str, list]:
    """Return the query calling the field with variables, and its arguments."""
    real, token, store, variant, _calls = objects
    field = schema.get_type_map()[type_name].fields[field_name]
    args = sorted(field.args.items())
    declared = ", ".join(f"${name}: {arg.type}" for name, arg in args)
    call = f"{field_name}({', '.join(f'{name}: ${name}' for name, _ in args)})"
    call += " " + selection(field.type)
    wrappers = {
        "Query": "{call}",
        "Mutation": "{call}",
        "Store": '{{ store(id: "%s") {{ {call} }} }}' % gid("Store", store.pk),
        "ProductVariant": '{{ productVariant(id: "%s") {{ {call} }} }}'
        % gid("ProductVariant", variant.pk),
        "Checkout": '{{ checkout(token: "%s") {{ {call} }} }}' % token,
        "User": "{{ me {{ {call} }} }}",
    }
    body = wrappers[type_name].format(call=call)
    operation = ROOTS.get(type_name, "query")
    if type_name in ROOTS:
        body = "{ " + body + " }"
    return f"{operation}({declared}) {body}", args


def assert_no_server_error(response) -> None:
    assert response.status_code in (200, 400), response.content[:1000]
    answer = json.loads(response.content)
    for error in answer.get("errors") or ():
        exception = ((error.get("extensions") or {}).get("exception") or {}).get("code")
        assert exception not in INTERNAL, error
        assert "Traceback" not in json.dumps(error), error


@pytest.mark.parametrize("type_name, field_name", o2o_fields())
def test_generated_input_never_fails_the_server(
    type_name, field_name, objects, api_client
):
    query, args = document(type_name, field_name, objects)
    real, calls = objects[0], objects[4]
    superuser = User.objects.create_superuser("root@example.com", "password")
    api_client.user = superuser
    variables = st.fixed_dictionaries(
        {name: values_for(arg.type, real) for name, arg in args}
    )
    if (type_name, field_name) in calls:
        variables = st.one_of(
            variables, one_value_replaced(calls[(type_name, field_name)], args, real)
        )

    @settings(
        max_examples=int(os.environ.get("O2O_GENERATED_EXAMPLES", "25")),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
    )
    @given(variables)
    def call(variables):
        savepoint = transaction.savepoint()
        try:
            assert_no_server_error(api_client.post_graphql(query, variables))
        finally:
            transaction.savepoint_rollback(savepoint)

    call()
