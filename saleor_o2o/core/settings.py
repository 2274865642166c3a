"""The extension's configuration, as merchants set it on the dashboard's Plugins page.

Saleor stores plugin configuration as a list of ``{"name", "value"}`` items with string
values. `parse_configuration` turns that list into a typed, validated `O2OSettings`;
the plugin uses it to refuse bad values in ``pluginUpdate``, the rest to read them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from saleor_o2o.core import options
from saleor_o2o.core.errors import InvalidInput

PLUGIN_ID = "saleor_o2o"

#: The public Nominatim server. Its usage policy allows at most one request a second
#: and asks for an identifying user agent; self-hosted servers have no such limit.
PUBLIC_NOMINATIM_DOMAIN = "nominatim.openstreetmap.org"
PROVIDER_NONE = "none"


@dataclass(frozen=True)
class HoldPolicy:
    """How long a ready pickup is held, and when the shopper is reminded."""

    hold: timedelta
    remind_before: timedelta

    def expires_at(self, ready_at: datetime) -> datetime:
        return ready_at + self.hold

    def remind_at(self, ready_at: datetime) -> datetime:
        return max(ready_at, self.expires_at(ready_at) - self.remind_before)

    def is_expired(self, ready_at: datetime, now: datetime) -> bool:
        return now >= self.expires_at(ready_at)

    def needs_reminder(
        self, ready_at: datetime, reminded_at: Optional[datetime], now: datetime
    ) -> bool:
        """Return whether to remind now: due, not yet reminded, and not expired."""
        if reminded_at is not None or self.remind_before <= timedelta(0):
            return False
        return self.remind_at(ready_at) <= now < self.expires_at(ready_at)


@dataclass(frozen=True)
class GeocoderSettings:
    #: A geopy service name ("nominatim", "googlev3", "opencage", ...) or "none".
    provider: str = "nominatim"
    user_agent: str = ""
    api_key: str = ""
    #: Host (and port) of the provider's API; empty for the provider's own default.
    domain: str = ""
    scheme: str = "https"
    timeout_seconds: float = 5.0

    @property
    def enabled(self) -> bool:
        return bool(self.provider) and self.provider != PROVIDER_NONE

    @property
    def min_delay_seconds(self) -> float:
        """Return the pause the provider's usage policy asks for between requests."""
        if self.provider == "nominatim" and self.domain in (
            "",
            PUBLIC_NOMINATIM_DOMAIN,
        ):
            return 1.0
        return 0.0


@dataclass(frozen=True)
class O2OSettings:
    active: bool = False
    default_radius_km: float = 25.0
    max_radius_km: float = 200.0
    geocoder: GeocoderSettings = GeocoderSettings()
    pickup_method_name: str = "Click and collect"
    pickup_fee: Decimal = Decimal("0")
    #: How long a READY pickup is held before it expires, and when to remind.
    pickup_hold_hours: float = 72.0
    pickup_reminder_hours: float = 24.0
    webhook_max_attempts: int = 10
    #: Logged-in shoppers may claim offers wherever they are, not only near a store.
    offer_remote_claims: bool = False
    #: How same-day delivery from a local store is named among the shipping methods.
    local_delivery_method_name: str = "Local delivery"
    #: Whether Saleor's own ``availableShippingMethods`` lists it (storefronts that
    #: use ``localDeliveryOptions`` choose it through ``checkoutLocalDeliveryUpdate``).
    local_delivery_listed: bool = False
    #: Allocate ordinary shipped orders from the nearest locations that ship there.
    route_by_distance: bool = False

    @property
    def hold_policy(self) -> HoldPolicy:
        return HoldPolicy(
            hold=timedelta(hours=self.pickup_hold_hours),
            remind_before=timedelta(hours=self.pickup_reminder_hours),
        )


@dataclass(frozen=True)
class WebhookDeployment:
    """How this deployment sends O2O webhooks: Django settings an operator sets
    (``O2O_WEBHOOK_*``), as opposed to the plugin options merchants set."""

    #: How long a worker owns a delivery it is sending; after that another worker
    #: may take it over (the first was killed, or lost its database connection).
    lease_seconds: float = 60.0
    #: The first retry comes after this long, then the delay doubles.
    retry_base_seconds: float = 10.0
    #: Threads a worker process sends on, at most one per webhook.
    send_threads: int = 8
    #: Targets on private, loopback or link-local addresses (a local receiver).
    allow_private_targets: bool = False


def webhook_deployment() -> WebhookDeployment:
    """Return the webhook settings of this deployment, read from Django's settings."""
    from django.conf import settings

    default = WebhookDeployment()
    return WebhookDeployment(
        lease_seconds=float(
            getattr(settings, "O2O_WEBHOOK_LEASE_SECONDS", default.lease_seconds)
        ),
        retry_base_seconds=float(
            getattr(
                settings, "O2O_WEBHOOK_RETRY_BASE_SECONDS", default.retry_base_seconds
            )
        ),
        send_threads=max(
            1, int(getattr(settings, "O2O_WEBHOOK_SEND_THREADS", default.send_threads))
        ),
        allow_private_targets=bool(
            getattr(
                settings,
                "O2O_WEBHOOK_ALLOW_PRIVATE_TARGETS",
                default.allow_private_targets,
            )
        ),
    )


#: Names of the configuration items, as stored by Saleor.
DEFAULT_RADIUS_KM = "default_radius_km"
MAX_RADIUS_KM = "max_radius_km"
GEOCODER_PROVIDER = "geocoder_provider"
GEOCODER_USER_AGENT = "geocoder_user_agent"
GEOCODER_API_KEY = "geocoder_api_key"
GEOCODER_DOMAIN = "geocoder_domain"
GEOCODER_SCHEME = "geocoder_scheme"
PICKUP_METHOD_NAME = "pickup_method_name"
PICKUP_FEE = "pickup_fee"
PICKUP_HOLD_HOURS = "pickup_hold_hours"
PICKUP_REMINDER_HOURS = "pickup_reminder_hours"
WEBHOOK_MAX_ATTEMPTS = "webhook_max_attempts"
OFFER_REMOTE_CLAIMS = "offer_remote_claims"
LOCAL_DELIVERY_METHOD_NAME = "local_delivery_method_name"
LOCAL_DELIVERY_LISTED = "local_delivery_listed"
ROUTE_BY_DISTANCE = "route_by_distance"


def _option(value: Any) -> Union[str, bool]:
    """Return a default as Saleor stores it: text, or a boolean for a checkbox."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


_DEFAULTS = O2OSettings()

#: Default values, read-only (Saleor edits configuration lists in place), written
#: once: as the defaults of `O2OSettings` and `GeocoderSettings`.
DEFAULT_VALUES: Mapping[str, Union[str, bool]] = MappingProxyType(
    {
        name: _option(value)
        for name, value in (
            (DEFAULT_RADIUS_KM, _DEFAULTS.default_radius_km),
            (MAX_RADIUS_KM, _DEFAULTS.max_radius_km),
            (GEOCODER_PROVIDER, _DEFAULTS.geocoder.provider),
            (GEOCODER_USER_AGENT, _DEFAULTS.geocoder.user_agent),
            (GEOCODER_API_KEY, _DEFAULTS.geocoder.api_key),
            (GEOCODER_DOMAIN, _DEFAULTS.geocoder.domain),
            (GEOCODER_SCHEME, _DEFAULTS.geocoder.scheme),
            (PICKUP_METHOD_NAME, _DEFAULTS.pickup_method_name),
            (PICKUP_FEE, _DEFAULTS.pickup_fee),
            (PICKUP_HOLD_HOURS, _DEFAULTS.pickup_hold_hours),
            (PICKUP_REMINDER_HOURS, _DEFAULTS.pickup_reminder_hours),
            (WEBHOOK_MAX_ATTEMPTS, _DEFAULTS.webhook_max_attempts),
            (OFFER_REMOTE_CLAIMS, _DEFAULTS.offer_remote_claims),
            (LOCAL_DELIVERY_METHOD_NAME, _DEFAULTS.local_delivery_method_name),
            (LOCAL_DELIVERY_LISTED, _DEFAULTS.local_delivery_listed),
            (ROUTE_BY_DISTANCE, _DEFAULTS.route_by_distance),
        )
    }
)


def default_configuration() -> List[dict]:
    """Return a new list of Saleor configuration items holding the defaults."""
    return [{"name": name, "value": value} for name, value in DEFAULT_VALUES.items()]


#: For the plugin class attribute Saleor reads; never parse from it.
DEFAULT_CONFIGURATION = default_configuration()


def _provider_names() -> Iterable[str]:
    from geopy.geocoders import SERVICE_TO_GEOCODER

    return SERVICE_TO_GEOCODER.keys()


def parse_configuration(
    items: Optional[Iterable[dict]], *, active: bool
) -> O2OSettings:
    """Return typed settings from Saleor's configuration, or raise `InvalidInput`."""
    values: Dict[str, Any] = dict(DEFAULT_VALUES)
    for item in items or ():
        if item.get("value") is not None:
            values[item["name"]] = item["value"]

    default_km = options.positive_km(
        values, DEFAULT_RADIUS_KM, "The default search radius"
    )
    max_km = options.positive_km(values, MAX_RADIUS_KM, "The maximum search radius")
    if default_km > max_km:
        raise InvalidInput(
            "The default search radius cannot exceed the maximum search radius.",
            field=DEFAULT_RADIUS_KM,
        )

    provider = str(values.get(GEOCODER_PROVIDER) or PROVIDER_NONE).strip().lower()
    if provider != PROVIDER_NONE and provider not in _provider_names():
        raise InvalidInput(
            f"Unknown geocoding provider {provider!r}. Use 'nominatim', another geopy "
            "service name such as 'googlev3' or 'opencage', or 'none'.",
            field=GEOCODER_PROVIDER,
        )
    domain = str(values.get(GEOCODER_DOMAIN) or "").strip().lower().rstrip("/")
    if "://" in domain or "/" in domain or " " in domain:
        raise InvalidInput(
            "Give the geocoding server as a host name with an optional port, such "
            "as 'geo.my-shop.example:8080', without 'https://' or a path.",
            field=GEOCODER_DOMAIN,
        )
    scheme = str(values.get(GEOCODER_SCHEME) or "https").strip().lower()
    if scheme not in ("http", "https"):
        raise InvalidInput(
            "The scheme must be 'https' or 'http'.", field=GEOCODER_SCHEME
        )
    geocoder = GeocoderSettings(
        provider=provider,
        user_agent=str(values.get(GEOCODER_USER_AGENT) or "").strip(),
        api_key=str(values.get(GEOCODER_API_KEY) or "").strip(),
        domain=domain,
        scheme=scheme,
    )
    if active and provider == "nominatim" and not geocoder.user_agent:
        raise InvalidInput(
            "Nominatim's usage policy requires a user agent that identifies your shop, "
            "for example 'my-shop.example (ops@my-shop.example)'.",
            field=GEOCODER_USER_AGENT,
            code="PLUGIN_MISCONFIGURED",
        )
    method_name = options.method_name(values, PICKUP_METHOD_NAME, "The pickup method")
    local_name = options.method_name(
        values, LOCAL_DELIVERY_METHOD_NAME, "The local delivery method"
    )
    raw_fee = str(values.get(PICKUP_FEE) or "0").strip()
    try:
        fee = Decimal(raw_fee)
    except InvalidOperation:
        fee = Decimal("NaN")
    if not fee.is_finite() or fee < 0 or fee >= 10**9:
        raise InvalidInput(
            f"The pickup fee must be an amount of 0 or more; got {raw_fee!r}.",
            field=PICKUP_FEE,
        )
    hold_hours = options.positive_hours(
        values, PICKUP_HOLD_HOURS, "The pickup hold period"
    )
    reminder_hours = options.positive_hours(
        values, PICKUP_REMINDER_HOURS, "The reminder", allow_zero=True
    )
    if reminder_hours >= hold_hours:
        raise InvalidInput(
            "The reminder must come before the end of the hold period: give fewer "
            "hours than the hold period, or 0 for no reminder.",
            field=PICKUP_REMINDER_HOURS,
        )
    raw_attempts = str(values.get(WEBHOOK_MAX_ATTEMPTS) or "").strip()
    if not raw_attempts.isdigit() or not 1 <= int(raw_attempts) <= 30:
        raise InvalidInput(
            "Webhook attempts must be a whole number from 1 to 30; got "
            f"{raw_attempts!r}.",
            field=WEBHOOK_MAX_ATTEMPTS,
        )
    return O2OSettings(
        active=active,
        default_radius_km=default_km,
        max_radius_km=max_km,
        geocoder=geocoder,
        pickup_method_name=method_name,
        pickup_fee=fee,
        pickup_hold_hours=hold_hours,
        pickup_reminder_hours=reminder_hours,
        webhook_max_attempts=int(raw_attempts),
        offer_remote_claims=options.yes_no(
            values, OFFER_REMOTE_CLAIMS, "Remote claims of offers"
        ),
        local_delivery_method_name=local_name,
        local_delivery_listed=options.yes_no(
            values, LOCAL_DELIVERY_LISTED, "Listing local delivery"
        ),
        route_by_distance=options.yes_no(
            values, ROUTE_BY_DISTANCE, "Routing shipped orders by distance"
        ),
    )


def get_o2o_settings() -> O2OSettings:
    """Return the current settings, as stored by Saleor's ``pluginUpdate``.

    Reads the plugin's own configuration row: one small query, where building Saleor's
    plugins manager would load and instantiate every plugin.
    """
    from django.conf import settings
    from saleor.plugins.models import PluginConfiguration

    if not any(path.endswith(".O2OPlugin") for path in settings.PLUGINS):
        return O2OSettings(active=False)
    row = (
        PluginConfiguration.objects.filter(identifier=PLUGIN_ID)
        .values("active", "configuration")
        .first()
    )
    if row is None:  # Never saved: the plugin's defaults, inactive.
        return O2OSettings(active=False)
    try:
        return parse_configuration(row["configuration"], active=row["active"])
    except InvalidInput:
        # Stored before validation existed, or edited in the database: treat the
        # feature as switched off rather than failing every request.
        return O2OSettings(active=False)
