from pathlib import Path

import saleor_o2o.graphql
from saleor_o2o.schema_sdl import composed_schema_sdl

SDL_FILE = Path(saleor_o2o.graphql.__file__).resolve().parent / "schema.graphql"


def test_committed_schema_matches_the_code():
    committed = SDL_FILE.read_text()
    current = composed_schema_sdl()
    assert (
        current == committed
    ), "graphql/schema.graphql is out of date: run `make schema` and commit it."


def test_schema_keeps_saleor_and_adds_o2o():
    sdl = composed_schema_sdl()
    for expected in (
        "shop: Shop!",
        "stores(near: StoreNearInput",
        "storeCreate(input: StoreCreateInput!): StoreCreate",
        "enum StoreErrorCode",
        "storeErrors: [StoreError!]!",
        "offerErrors: [OfferError!]!",
        "enum OfferErrorCode",
    ):
        assert expected in sdl


def test_every_o2o_field_is_documented():
    from graphql import GraphQLInputObjectType, GraphQLObjectType

    from saleor_o2o.graphql.api import schema

    o2o_types = [
        "Store",
        "StoreCreate",
        "StoreUpdate",
        "StoreDelete",
        "StoreGeocode",
        "StoreStockUpdate",
        "StoreStockInput",
        "StoreSupplyInput",
        "StoreSupplyLineInput",
        "StoreCartSupply",
        "StoreSupplyLine",
        "VariantStoreAvailability",
        "CheckoutPickupStoreUpdate",
        "Pickup",
        "PickupError",
        "CheckoutPickupChoice",
        "PickupSlot",
        "StoreError",
        "TimeInterval",
        "StoreOpeningInterval",
        "StoreHoursException",
        "StoreCreateInput",
        "StoreUpdateInput",
        "StoreNearInput",
        "StoreFilterInput",
        "StoreSortingInput",
        "TimeIntervalInput",
        "StoreOpeningIntervalInput",
        "StoreHoursExceptionInput",
        "Offer",
        "OfferError",
        "NearbyOffer",
        "ClaimedOffer",
        "OfferStats",
        "OfferStoreStats",
        "OfferCreateInput",
        "OfferUpdateInput",
        "OfferCreate",
        "OfferUpdate",
        "OfferDelete",
        "OfferClaim",
        "OfferRedeem",
        "ProductViewRecord",
        "ProductViewsErase",
    ]
    undocumented = []
    for name in o2o_types:
        graphql_type = schema.get_type(name)
        assert isinstance(graphql_type, (GraphQLObjectType, GraphQLInputObjectType))
        for field_name, field in graphql_type.fields.items():
            if field_name in ("errors",):
                continue  # Saleor's own deprecated field.
            if not field.description:
                undocumented.append(f"{name}.{field_name}")
    query = schema.get_query_type()
    mutation = schema.get_mutation_type()
    for root, names in (
        (
            query,
            ["store", "stores", "offers", "offer", "offerList", "offerStats"]
            + ["myOfferClaims"],
        ),
        (
            mutation,
            [
                "storeCreate",
                "storeUpdate",
                "storeDelete",
                "storeGeocode",
                "storeStockUpdate",
                "checkoutPickupStoreUpdate",
                "offerCreate",
                "offerUpdate",
                "offerDelete",
                "offerClaim",
                "offerRedeem",
                "productViewRecord",
                "productViewsErase",
            ],
        ),
    ):  # noqa: E501
        for field_name in names:
            field = root.fields[field_name]
            if not field.description:
                undocumented.append(f"{root.name}.{field_name}")
            undocumented.extend(
                f"{root.name}.{field_name}({arg})"
                for arg, argument in field.args.items()
                if not argument.description
            )
    variant_field = schema.get_type("ProductVariant").fields["storeAvailability"]
    if not variant_field.description:
        undocumented.append("ProductVariant.storeAvailability")
    undocumented.extend(
        f"ProductVariant.storeAvailability({arg})"
        for arg, argument in variant_field.args.items()
        if not argument.description
    )
    for type_name, field_name in (
        ("Checkout", "pickup"),
        ("Checkout", "pickupOptions"),
        ("Order", "pickup"),
    ):
        if not schema.get_type(type_name).fields[field_name].description:
            undocumented.append(f"{type_name}.{field_name}")
    for enum in (
        "PickupErrorCode",
        "PickupStatusEnum",
        "StoreErrorCode",
        "StoreServiceEnum",
        "WeekdayEnum",
        "StoreSortField",
        "OfferErrorCode",
        "OfferRewardTypeEnum",
        "OfferCustomerSegmentEnum",
    ):
        graphql_enum = schema.get_type(enum)
        if not graphql_enum.description:
            undocumented.append(enum)
    assert undocumented == []
