"""The O2O plugin: how merchants switch the extension on and configure it."""

import copy

from django.core.exceptions import ValidationError
from saleor.plugins.base_plugin import BasePlugin, ConfigurationTypeField
from saleor.plugins.error_codes import PluginErrorCode
from saleor.plugins.models import PluginConfiguration

from saleor_o2o.checkout import completion
from saleor_o2o.core import settings as conf
from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.local_delivery import pricing as local_delivery_pricing
from saleor_o2o.local_delivery import services as local_delivery_services
from saleor_o2o.pickup import services as pickup_services


class O2OPlugin(BasePlugin):
    PLUGIN_ID = conf.PLUGIN_ID
    PLUGIN_NAME = "Stores and click-and-collect (O2O)"
    PLUGIN_DESCRIPTION = (
        "Bring online shoppers into your physical stores: a store locator, per-store "
        "stock and click-and-collect. While inactive, the storefront's store queries "
        "answer that the feature is disabled."
    )
    DEFAULT_ACTIVE = False
    DEFAULT_CONFIGURATION = conf.DEFAULT_CONFIGURATION
    CONFIG_STRUCTURE = {
        conf.DEFAULT_RADIUS_KM: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "How far, in kilometres, the store locator looks when the storefront "
                "does not say. Example: 25."
            ),
            "label": "Default search radius (km)",
        },
        conf.MAX_RADIUS_KM: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "The largest radius, in kilometres, a shopper may search. Larger "
                "requests are refused. Example: 200."
            ),
            "label": "Maximum search radius (km)",
        },
        conf.GEOCODER_PROVIDER: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "Service that turns addresses into map coordinates: 'nominatim' "
                "(OpenStreetMap, free, one request a second), another geopy service "
                "name such as 'googlev3' or 'opencage', or 'none' to enter "
                "coordinates by hand."
            ),
            "label": "Geocoding provider",
        },
        conf.GEOCODER_USER_AGENT: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "Identifies your shop to the provider; Nominatim requires it. "
                "Example: 'my-shop.example (ops@my-shop.example)'."
            ),
            "label": "Geocoding user agent",
        },
        conf.GEOCODER_API_KEY: {
            "type": ConfigurationTypeField.SECRET,
            "help_text": "API key, for providers that need one (not Nominatim).",
            "label": "Geocoding API key",
        },
        conf.GEOCODER_DOMAIN: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "Leave empty to use the provider's own servers. For a self-hosted "
                "Nominatim, its host and port, e.g. 'geo.my-shop.example:8080'."
            ),
            "label": "Geocoding server",
        },
        conf.PICKUP_METHOD_NAME: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "How click-and-collect is named among the delivery methods at "
                "checkout. Example: 'Collect in store'."
            ),
            "label": "Pickup method name",
        },
        conf.PICKUP_FEE: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "What click-and-collect costs the shopper, in the shop's currency. "
                "0 for free."
            ),
            "label": "Pickup fee",
        },
        conf.PICKUP_HOLD_HOURS: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "How long a ready pickup order waits for the shopper, in hours. "
                "After that it expires: the order is cancelled and its stock "
                "released. Example: 72."
            ),
            "label": "Pickup hold period (hours)",
        },
        conf.PICKUP_REMINDER_HOURS: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "How many hours before expiry to remind the shopper (a webhook "
                "event for your notification app). 0 for no reminder. Example: 24."
            ),
            "label": "Pickup reminder (hours before expiry)",
        },
        conf.WEBHOOK_MAX_ATTEMPTS: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "How many times an O2O webhook is tried, with growing pauses from 10 "
                "seconds to an hour, before it is marked dead for staff to retry. "
                "Example: 10."
            ),
            "label": "Webhook attempts",
        },
        conf.GEOCODER_SCHEME: {
            "type": ConfigurationTypeField.STRING,
            "help_text": "'https' (default) or 'http' for a server on your network.",
            "label": "Geocoding server scheme",
        },
        conf.OFFER_REMOTE_CLAIMS: {
            "type": ConfigurationTypeField.BOOLEAN,
            "help_text": (
                "When ticked, shoppers who are logged in can claim an in-store offer "
                "wherever they are, to use it on their next visit. When not ticked, "
                "an offer can only be claimed within its distance of one of its "
                "stores (the storefront sends where the shopper is)."
            ),
            "label": "Allow logged-in shoppers to claim offers away from the store",
        },
        conf.LOCAL_DELIVERY_METHOD_NAME: {
            "type": ConfigurationTypeField.STRING,
            "help_text": (
                "How delivery from a local store is named among the shipping methods "
                "and on orders. Example: 'Same-day delivery from our stores'."
            ),
            "label": "Local delivery method name",
        },
        conf.LOCAL_DELIVERY_LISTED: {
            "type": ConfigurationTypeField.BOOLEAN,
            "help_text": (
                "When ticked, Saleor's list of shipping methods for a checkout shows "
                "local delivery too (chosen there, it is delivered by the best store). "
                "When not ticked, only storefronts that ask for local delivery "
                "options offer it."
            ),
            "label": "List local delivery among the shipping methods",
        },
        conf.ROUTE_BY_DISTANCE: {
            "type": ConfigurationTypeField.BOOLEAN,
            "help_text": (
                "When ticked, an ordinary shipped order is allocated from the stores "
                "and warehouses that ship to its address, nearest first, splitting "
                "across them only when no single one has the whole order. When not "
                "ticked, Saleor allocates by warehouse, in its own order."
            ),
            "label": "Route shipped orders by distance",
        },
    }

    def __init__(self, *, configuration, active):
        # Saleor passes the class's default list itself and edits it in place.
        super().__init__(configuration=copy.deepcopy(configuration), active=active)

    @classmethod
    def save_plugin_configuration(cls, plugin_configuration, cleaned_data):
        try:
            return super().save_plugin_configuration(plugin_configuration, cleaned_data)
        except ValidationError:
            # Saleor creates a missing row as active before validating the update:
            # never leave a configuration that is not valid for an active plugin on.
            stored = PluginConfiguration.objects.filter(pk=plugin_configuration.pk)
            stored = stored.first()
            if stored is not None and stored.active:
                try:
                    conf.parse_configuration(stored.configuration, active=True)
                except InvalidInput:
                    stored.active = False
                    stored.save(update_fields=["active"])
            raise

    @classmethod
    def validate_plugin_configuration(cls, plugin_configuration):
        try:
            conf.parse_configuration(
                plugin_configuration.configuration, active=plugin_configuration.active
            )
        except InvalidInput as error:
            code = (
                PluginErrorCode.PLUGIN_MISCONFIGURED
                if error.code == "PLUGIN_MISCONFIGURED"
                else PluginErrorCode.INVALID
            )
            raise ValidationError(
                {error.field: ValidationError(error.message, code=code.value)}
            )

    # Hooks: Saleor calls them whether or not the plugin is active.

    def preprocess_order_creation(self, checkout, discounts, previous_value):
        if self.active:
            completion.checkout_reserve(checkout=checkout)
        return previous_value

    def order_created(self, order, previous_value):
        if self.active:
            completion.order_allocate(order=order)
        return previous_value

    def calculate_checkout_shipping(self, checkout, lines, discounts, previous_value):
        if not self.active:
            return previous_value
        return local_delivery_pricing.checkout_shipping_price(
            checkout=checkout,
            lines=lines,
            discounts=discounts,
            previous_value=previous_value,
        )

    def order_cancelled(self, order, previous_value):
        if self.active:
            pickup_services.order_pickup_cancelled(order=order)
            local_delivery_services.order_local_delivery_cancelled(order=order)
        return previous_value
