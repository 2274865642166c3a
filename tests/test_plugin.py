"""The O2O plugin through Saleor's plugin API, and the storefront switch it drives."""

import pytest
from saleor.plugins.models import PluginConfiguration

from saleor_o2o.core import settings as conf

from helpers.api import assert_permission_denied, content, only_error

PLUGIN = """
query {
  plugin(id: "saleor_o2o") {
    id name description active
    configuration { name value type helpText label }
  }
}
"""

PLUGINS = """
query { plugins(first: 100) { edges { node { id name active } } } }
"""

PLUGIN_UPDATE = """
mutation PluginUpdate($input: PluginUpdateInput!) {
  pluginUpdate(id: "saleor_o2o", input: $input) {
    plugin { active }
    pluginsErrors { field code message }
  }
}
"""

STORES = """
query { stores(first: 5) { edges { node { name slug } } } }
"""

STORE = """
query Store($slug: String!) { store(slug: $slug) { name slug } }
"""

#: The configuration's defaults.
PRISTINE_DEFAULTS = conf.default_configuration()


def store_configuration(active, **values):
    """Save the plugin's row as a previous `pluginUpdate` would have."""
    stored = {item["name"]: item["value"] for item in PRISTINE_DEFAULTS}
    stored.update(values)
    PluginConfiguration.objects.update_or_create(
        identifier=conf.PLUGIN_ID,
        defaults={
            "name": "O2O",
            "active": active,
            "configuration": [
                {"name": name, "value": value} for name, value in stored.items()
            ],
        },
    )


def read_plugin(client):
    return content(client.post_graphql(PLUGIN))["plugin"]


def values_of(plugin):
    return {item["name"]: item["value"] for item in plugin["configuration"]}


def update(client, active=None, **values):
    plugin_input = {
        "configuration": [
            {"name": name, "value": value} for name, value in values.items()
        ]
    }
    if active is not None:
        plugin_input["active"] = active
    response = client.post_graphql(PLUGIN_UPDATE, {"input": plugin_input})
    return content(response)["pluginUpdate"]


@pytest.fixture
def plugin_admin(staff_api_client, permission_manage_plugins):
    staff_api_client.user.user_permissions.add(permission_manage_plugins)
    return staff_api_client


@pytest.fixture
def store_manager(staff_api_client, permission_manage_products):
    staff_api_client.user.user_permissions.add(permission_manage_products)
    return staff_api_client


# The plugin on the Plugins page.


def test_plugin_is_listed_inactive_by_default(plugin_admin):
    edges = content(plugin_admin.post_graphql(PLUGINS))["plugins"]["edges"]

    nodes = {edge["node"]["id"]: edge["node"] for edge in edges}
    assert nodes[conf.PLUGIN_ID] == {
        "id": conf.PLUGIN_ID,
        "name": "Stores and click-and-collect (O2O)",
        "active": False,
    }


def test_plugin_shows_its_configuration_with_labels_and_help(plugin_admin):
    plugin = read_plugin(plugin_admin)

    assert plugin["id"] == conf.PLUGIN_ID
    assert plugin["active"] is False
    assert "click-and-collect" in plugin["description"]
    items = {item["name"]: item for item in plugin["configuration"]}
    assert list(items) == [
        "default_radius_km",
        "max_radius_km",
        "geocoder_provider",
        "geocoder_user_agent",
        "geocoder_api_key",
        "geocoder_domain",
        "geocoder_scheme",
        "pickup_method_name",
        "pickup_fee",
        "pickup_hold_hours",
        "pickup_reminder_hours",
        "webhook_max_attempts",
        "offer_remote_claims",
        "local_delivery_method_name",
        "local_delivery_listed",
        "route_by_distance",
    ]
    assert items["default_radius_km"] == {
        "name": "default_radius_km",
        "value": "25",
        "type": "STRING",
        "label": "Default search radius (km)",
        "helpText": (
            "How far, in kilometres, the store locator looks when the storefront "
            "does not say. Example: 25."
        ),
    }
    assert items["geocoder_api_key"]["type"] == "SECRET"
    assert items["geocoder_provider"]["value"] == "nominatim"
    assert items["geocoder_scheme"]["value"] == "https"
    for item in items.values():
        assert item["label"], item
        assert item["helpText"], item


def test_secret_api_key_is_masked(plugin_admin, db):
    store_configuration(False, geocoder_api_key="abcdef123456")

    items = values_of(read_plugin(plugin_admin))

    assert items["geocoder_api_key"] == "3456"


# pluginUpdate.


def test_plugin_update_activates_and_stores_values(plugin_admin):
    result = update(
        plugin_admin,
        active=True,
        default_radius_km="10",
        max_radius_km="50",
        geocoder_user_agent="shop.example (ops@shop.example)",
        geocoder_domain="geo.shop.example:8080",
        geocoder_scheme="http",
    )

    assert result["pluginsErrors"] == []
    plugin = read_plugin(plugin_admin)
    assert plugin["active"] is True
    assert values_of(plugin) == {
        "default_radius_km": "10",
        "max_radius_km": "50",
        "geocoder_provider": "nominatim",
        "geocoder_user_agent": "shop.example (ops@shop.example)",
        "geocoder_api_key": None,
        "geocoder_domain": "geo.shop.example:8080",
        "geocoder_scheme": "http",
        "pickup_method_name": "Click and collect",
        "pickup_fee": "0",
        "pickup_hold_hours": "72",
        "pickup_reminder_hours": "24",
        "webhook_max_attempts": "10",
        "offer_remote_claims": "false",
        "local_delivery_method_name": "Local delivery",
        "local_delivery_listed": "false",
        "route_by_distance": "false",
    }
    settings = conf.get_o2o_settings()
    assert settings.active is True
    assert (settings.default_radius_km, settings.max_radius_km) == (10.0, 50.0)
    assert settings.geocoder.domain == "geo.shop.example:8080"


def test_remote_offer_claims_are_a_checkbox_off_by_default(plugin_admin):
    store_configuration(True, geocoder_user_agent="shop")
    items = {item["name"]: item for item in read_plugin(plugin_admin)["configuration"]}
    option = items["offer_remote_claims"]
    assert (option["type"], option["value"]) == ("BOOLEAN", "false")
    assert option["label"] == (
        "Allow logged-in shoppers to claim offers away from the store"
    )
    assert conf.get_o2o_settings().offer_remote_claims is False

    # The dashboard sends a ticked checkbox as "true"; Saleor stores a boolean.
    assert update(plugin_admin, offer_remote_claims="true")["pluginsErrors"] == []

    assert values_of(read_plugin(plugin_admin))["offer_remote_claims"] == "true"
    assert conf.get_o2o_settings().offer_remote_claims is True
    assert update(plugin_admin, offer_remote_claims="false")["pluginsErrors"] == []
    assert conf.get_o2o_settings().offer_remote_claims is False


def test_plugin_update_deactivates_and_keeps_values(plugin_admin):
    store_configuration(True, geocoder_user_agent="shop", default_radius_km="12")

    result = update(plugin_admin, active=False)

    assert result["pluginsErrors"] == []
    plugin = read_plugin(plugin_admin)
    assert plugin["active"] is False
    assert values_of(plugin)["default_radius_km"] == "12"
    assert values_of(plugin)["geocoder_user_agent"] == "shop"
    assert conf.get_o2o_settings().active is False


def test_plugin_update_changes_values_without_touching_active(plugin_admin):
    store_configuration(True, geocoder_user_agent="shop")

    result = update(plugin_admin, max_radius_km="75")

    assert result["pluginsErrors"] == []
    plugin = read_plugin(plugin_admin)
    assert plugin["active"] is True
    assert values_of(plugin)["max_radius_km"] == "75"


def test_nominatim_without_user_agent_is_accepted_while_inactive(plugin_admin):
    store_configuration(False)

    result = update(plugin_admin, active=False, default_radius_km="30")

    assert result["pluginsErrors"] == []
    assert values_of(read_plugin(plugin_admin))["default_radius_km"] == "30"


@pytest.mark.parametrize(
    "active, values, field, code",
    [
        (False, {"default_radius_km": "abc"}, "defaultRadiusKm", "INVALID"),
        (False, {"max_radius_km": "-3"}, "maxRadiusKm", "INVALID"),
        (False, {"max_radius_km": "10"}, "defaultRadiusKm", "INVALID"),
        (False, {"geocoder_provider": "teleport"}, "geocoderProvider", "INVALID"),
        (False, {"geocoder_scheme": "ftp"}, "geocoderScheme", "INVALID"),
        (False, {"pickup_fee": "-1"}, "pickupFee", "INVALID"),
        (False, {"pickup_method_name": " "}, "pickupMethodName", "INVALID"),
        (
            True,
            {"geocoder_user_agent": ""},
            "geocoderUserAgent",
            "PLUGIN_MISCONFIGURED",
        ),
        (
            True,
            {"geocoder_provider": "nominatim", "geocoder_user_agent": "  "},
            "geocoderUserAgent",
            "PLUGIN_MISCONFIGURED",
        ),
    ],
)
def test_bad_values_are_refused_and_nothing_is_stored(
    plugin_admin, active, values, field, code
):
    store_configuration(False, geocoder_user_agent="shop", default_radius_km="20")
    before = PluginConfiguration.objects.get(identifier=conf.PLUGIN_ID)

    result = update(plugin_admin, active=active, **values)

    [error] = result["pluginsErrors"]
    assert (error["field"], error["code"]) == (field, code)
    assert error["message"]
    assert result["plugin"] is None
    after = PluginConfiguration.objects.get(identifier=conf.PLUGIN_ID)
    assert (after.active, after.configuration) == (before.active, before.configuration)
    plugin = read_plugin(plugin_admin)
    assert plugin["active"] is False
    assert values_of(plugin)["default_radius_km"] == "20"
    assert values_of(plugin)["geocoder_user_agent"] == "shop"


def test_activation_without_user_agent_is_refused_with_nominatim(plugin_admin):
    result = update(plugin_admin, active=True)

    [error] = result["pluginsErrors"]
    assert error["field"] == "geocoderUserAgent"
    assert error["code"] == "PLUGIN_MISCONFIGURED"
    assert "user agent" in error["message"]


def test_refused_first_update_leaves_the_plugin_inactive(plugin_admin):
    result = update(plugin_admin, default_radius_km="abc")

    assert result["pluginsErrors"]
    assert read_plugin(plugin_admin)["active"] is False


def test_refused_update_leaves_the_builtin_defaults_alone(plugin_admin):
    result = update(
        plugin_admin, default_radius_km="abc", geocoder_user_agent="someone else"
    )

    assert result["pluginsErrors"]
    defaults = conf.parse_configuration([], active=False)
    assert defaults.default_radius_km == 25.0
    assert defaults.geocoder.user_agent == ""


def test_plugin_update_needs_manage_plugins(
    staff_api_client, permission_manage_products
):
    staff_api_client.user.user_permissions.add(permission_manage_products)
    plugin_input = {
        "active": True,
        "configuration": [{"name": "geocoder_user_agent", "value": "shop"}],
    }

    response = staff_api_client.post_graphql(PLUGIN_UPDATE, {"input": plugin_input})

    assert_permission_denied(response)
    assert not PluginConfiguration.objects.filter(
        identifier=conf.PLUGIN_ID, active=True
    ).exists()
    assert conf.get_o2o_settings().active is False


def test_plugin_query_needs_manage_plugins(staff_api_client):
    response = staff_api_client.post_graphql(PLUGIN)

    assert_permission_denied(response)


# The storefront switch.


@pytest.mark.parametrize("requestor", ["api_client", "user_api_client"])
def test_shoppers_are_refused_while_inactive(request, store, requestor):
    client = request.getfixturevalue(requestor)

    stores_error = only_error(client.post_graphql(STORES))
    store_error = only_error(client.post_graphql(STORE, {"slug": store.slug}))

    for error in (stores_error, store_error):
        assert error["extensions"]["code"] == "FEATURE_DISABLED"
        assert error["extensions"]["exception"]["code"] == "FeatureDisabled"
    assert stores_error["path"] == ["stores"]
    assert store_error["path"] == ["store"]


def test_staff_without_manage_products_are_refused_while_inactive(
    staff_api_client, store
):
    error = only_error(staff_api_client.post_graphql(STORES))

    assert error["extensions"]["code"] == "FEATURE_DISABLED"


def test_stored_inactive_row_disables_the_storefront(api_client, store):
    store_configuration(False, geocoder_user_agent="shop")

    error = only_error(api_client.post_graphql(STORES))

    assert error["extensions"]["code"] == "FEATURE_DISABLED"


def test_store_managers_see_stores_while_inactive(store_manager, store):
    stores = content(store_manager.post_graphql(STORES))["stores"]
    one = content(store_manager.post_graphql(STORE, {"slug": store.slug}))["store"]

    assert [edge["node"]["slug"] for edge in stores["edges"]] == [store.slug]
    assert one == {"name": store.name, "slug": store.slug}


def test_shoppers_see_stores_once_activated(plugin_admin, api_client, store):
    assert only_error(api_client.post_graphql(STORES))

    result = update(
        plugin_admin,
        active=True,
        geocoder_provider="none",
    )

    assert result["pluginsErrors"] == []
    stores = content(api_client.post_graphql(STORES))["stores"]
    one = content(api_client.post_graphql(STORE, {"slug": store.slug}))["store"]
    assert [edge["node"]["name"] for edge in stores["edges"]] == [store.name]
    assert one == {"name": store.name, "slug": store.slug}


def test_shoppers_are_refused_again_once_deactivated(plugin_admin, api_client, store):
    store_configuration(True, geocoder_user_agent="shop")
    assert content(api_client.post_graphql(STORES))["stores"]["edges"]

    result = update(plugin_admin, active=False)

    assert result["pluginsErrors"] == []
    error = only_error(api_client.post_graphql(STORES))
    assert error["extensions"]["code"] == "FEATURE_DISABLED"


def test_stored_garbage_disables_the_storefront(api_client, store):
    store_configuration(True, geocoder_user_agent="shop", max_radius_km="many")

    error = only_error(api_client.post_graphql(STORES))

    assert error["extensions"]["code"] == "FEATURE_DISABLED"
