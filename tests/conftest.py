"""Fixtures shared by the whole suite.

There is deliberately no ``tests/__init__.py`` and no root ``conftest.py``: either
would put the repository root on ``sys.path``, where the top-level ``graphql/`` folder
hides the graphql-core library (see README, "Layout").
"""

import json
import threading
from contextlib import contextmanager
from datetime import time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from saleor.account.models import User
from saleor.app.models import App
from saleor.plugins.models import PluginConfiguration

from saleor_o2o.core import settings as conf
from saleor_o2o.store import hours
from saleor_o2o.store import services as store_services

from helpers.api import ApiClient
from helpers.webhooks import WebhookReceiver


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return ApiClient()


@pytest.fixture
def staff_user(db):
    """A staff user acting in every store (as every staff user did before store
    staff existed; the migration gives them that)."""
    from saleor_o2o.store.models import StaffAllStores

    user = User.objects.create_user(
        "staff@example.com", "password", is_staff=True, is_active=True
    )
    StaffAllStores.objects.create(user=user)
    return user


@pytest.fixture
def customer_user(db):
    return User.objects.create_user("shopper@example.com", "password", is_active=True)


@pytest.fixture
def staff_api_client(staff_user):
    return ApiClient(user=staff_user)


@pytest.fixture
def user_api_client(customer_user):
    return ApiClient(user=customer_user)


@pytest.fixture
def app(db):
    return App.objects.create(name="Store sync", is_active=True)


@pytest.fixture
def app_api_client(app):
    return ApiClient(app=app)


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def permission_manage_products(db):
    return _permission("product", "manage_products")


@pytest.fixture
def permission_manage_users(db):
    return _permission("account", "manage_users")


@pytest.fixture
def permission_manage_staff(db):
    return _permission("account", "manage_staff")


@pytest.fixture
def permission_manage_plugins(db):
    return _permission("plugins", "manage_plugins")


def configure_plugin(active: bool = True, **values) -> PluginConfiguration:
    """Store the O2O plugin's configuration as `pluginUpdate` would."""
    items = conf.default_configuration()
    defaults = {conf.GEOCODER_USER_AGENT: "saleor-o2o-tests"}
    defaults.update(values)
    for item in items:
        if item["name"] in defaults:
            item["value"] = defaults[item["name"]]
    config, _ = PluginConfiguration.objects.update_or_create(
        identifier=conf.PLUGIN_ID,
        defaults={"active": active, "configuration": items, "name": "O2O"},
    )
    return config


@pytest.fixture
def o2o_active(db):
    """The plugin switched on, with geocoding off unless a test configures it."""
    return configure_plugin(active=True, **{conf.GEOCODER_PROVIDER: "none"})


@contextmanager
def capture_on_commit_callbacks(*, execute: bool = True):
    """Run `transaction.on_commit` callbacks registered inside the block.

    Tests run inside a transaction that is never committed, so on-commit callbacks
    would never run; Django 3.2 has this as ``captureOnCommitCallbacks``.
    """
    callbacks: List[Callable] = []
    start = len(connection.run_on_commit)
    try:
        yield callbacks
    finally:
        callbacks[:] = [func for _sids, func in connection.run_on_commit[start:]]
        del connection.run_on_commit[start:]
        if execute:
            for callback in callbacks:
                callback()


@pytest.fixture
def on_commit():
    return capture_on_commit_callbacks


#: Monday to Saturday, 09:00-19:00.
WEEKDAYS_9_TO_19 = [
    hours.WeeklyInterval(weekday=day, interval=hours.Interval(time(9), time(19)))
    for day in range(6)
]


def make_store(name: str, latitude, longitude, *, city="Paris", country="FR", **extra):
    data = {
        "name": name,
        "address": {
            "street_address_1": extra.pop("street", "1 Rue de Test"),
            "city": city,
            "postal_code": extra.pop("postal_code", "75001"),
            "country": country,
            "country_area": extra.pop("country_area", ""),
        },
        "latitude": latitude,
        "longitude": longitude,
        "timezone": extra.pop("timezone", "Europe/Paris"),
        "opening_hours": extra.pop("opening_hours", WEEKDAYS_9_TO_19),
    }
    data.update(extra)
    return store_services.store_create(data=data)


@pytest.fixture
def store(db):
    return make_store("Paris Louvre", 48.8606, 2.3376)


@pytest.fixture
def store_factory(db):
    return make_store


class FakeGeocoder:
    """A local HTTP server answering Nominatim's /search API from a dict of places."""

    def __init__(self):
        self.places: Dict[str, tuple] = {}
        self.requests: List[dict] = []
        #: Status codes to answer with, one per request, before answering normally.
        self.failures: List[int] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append(
                    {"path": url.path, "params": params, "headers": dict(self.headers)}
                )
                if fake.failures:
                    self.send_response(fake.failures.pop(0))
                    self.end_headers()
                    return
                found = [
                    place
                    for query, place in fake.places.items()
                    if query.lower() in params.get("q", "").lower()
                ]
                body = [
                    {
                        "lat": str(lat),
                        "lon": str(lng),
                        "display_name": label,
                        "place_id": index,
                    }
                    for index, (lat, lng, label) in enumerate(found[:1])
                ]
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    @property
    def domain(self) -> str:
        return "127.0.0.1:%d" % self.server.server_address[1]

    def add(self, query: str, latitude: float, longitude: float, label: str = ""):
        self.places[query] = (latitude, longitude, label or query)

    def settings(self) -> conf.GeocoderSettings:
        return conf.GeocoderSettings(
            provider="nominatim",
            user_agent="saleor-o2o-tests",
            domain=self.domain,
            scheme="http",
            timeout_seconds=2,
        )


@pytest.fixture
def fake_geocoder():
    fake = FakeGeocoder()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def o2o_active_with_geocoder(db, fake_geocoder):
    configure_plugin(
        active=True,
        **{
            conf.GEOCODER_PROVIDER: "nominatim",
            conf.GEOCODER_DOMAIN: fake_geocoder.domain,
            conf.GEOCODER_SCHEME: "http",
        },
    )
    return fake_geocoder


@pytest.fixture
def variant(db):
    """A product variant (SKU "SKU-1") of a physical product, priced in USD."""
    # Saleor 2.10's product.tasks and product.utils import each other; loading the
    # latter first, as Saleor's URLconf does, avoids the cycle.
    import saleor.product.utils  # noqa: F401
    from saleor.product.models import Product, ProductType, ProductVariant

    product_type = ProductType.objects.create(name="Shoes", slug="shoes")
    product = Product.objects.create(
        name="Trail shoe",
        slug="trail-shoe",
        product_type=product_type,
        price_amount=50,
        currency="USD",
    )
    return ProductVariant.objects.create(
        product=product, sku="SKU-1", price_override_amount=50, currency="USD"
    )


@pytest.fixture
def order_line_allocated_in(variant):
    """Return a function that allocates one unit of `variant` in a store's warehouse."""
    from saleor.order.models import Order
    from saleor.warehouse.models import Allocation, Stock

    def allocate(store, quantity: int = 1):
        stock, _ = Stock.objects.get_or_create(
            warehouse=store.warehouse,
            product_variant=variant,
            defaults={"quantity": 10},
        )
        order = Order.objects.create(user_email="shopper@example.com", currency="USD")
        line = order.lines.create(
            variant=variant,
            product_name=variant.product.name,
            product_sku=variant.sku,
            is_shipping_required=True,
            quantity=quantity,
            unit_price_net_amount=50,
            unit_price_gross_amount=50,
            currency="USD",
        )
        return Allocation.objects.create(
            order_line=line, stock=stock, quantity_allocated=quantity
        )

    return allocate


@pytest.fixture
def permission_manage_discounts(db):
    return _permission("discount", "manage_discounts")


@pytest.fixture
def permission_manage_orders(db):
    return _permission("order", "manage_orders")


@pytest.fixture
def permission_manage_webhooks(db):
    return _permission("webhook", "manage_webhooks")


@pytest.fixture
def pickup_factory(store, variant):
    """Return a function that places a pickup order (RECEIVED) through the services.

    The order is created as Saleor's ``checkoutComplete`` does, between the plugin's
    two hooks; the end-to-end path is covered in tests/graphql/test_checkout_flow.py.
    """
    from django.db import transaction
    from saleor.checkout.models import Checkout
    from saleor.order.models import Order
    from saleor.warehouse.models import Stock

    from saleor_o2o.pickup import checkout as pickup_checkout

    def make(
        *, in_store=None, quantity=1, curbside=False, user=None, stock=10, slot=None
    ):
        target = in_store or store
        if curbside and not target.is_curbside:
            target.is_curbside = True
            target.save(update_fields=["is_curbside"])
        Stock.objects.get_or_create(
            warehouse=target.warehouse,
            product_variant=variant,
            defaults={"quantity": stock},
        )
        email = user.email if user else "shopper@example.com"
        checkout = Checkout.objects.create(email=email, user=user)
        checkout.lines.create(variant=variant, quantity=quantity)
        pickup_checkout.checkout_pickup_set(
            checkout=checkout,
            store=target,
            curbside=curbside,
            settings=conf.O2OSettings(active=True),
            slot_start=slot,
        )
        with transaction.atomic():
            pickup_checkout.checkout_pickup_reserve(checkout=checkout)
            order = Order.objects.create(
                checkout_token=checkout.token,
                user=user,
                user_email=email,
                shipping_method=checkout.shipping_method,
                currency="USD",
            )
            order.lines.create(
                variant=variant,
                product_name="Trail shoe",
                product_sku=variant.sku,
                is_shipping_required=True,
                quantity=quantity,
                unit_price_net_amount=50,
                unit_price_gross_amount=50,
                currency="USD",
            )
            return pickup_checkout.order_pickup_allocate(order=order)

    return make


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def more_webhook_receivers():
    """Return a function starting another receiver (same secret as webhook_receiver)."""
    started: List[WebhookReceiver] = []

    def start() -> WebhookReceiver:
        started.append(WebhookReceiver())
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


@pytest.fixture
def o2o_webhook(app, webhook_receiver):
    """Return a function subscribing a Saleor webhook of ``app`` to O2O events.

    The app is given the permissions the events need.
    """
    from saleor.webhook.models import Webhook

    from saleor_o2o.webhook import services as webhook_services

    from helpers.api import event_permissions

    def subscribe(*event_types, url=None):
        webhook = Webhook.objects.create(
            app=app,
            name="O2O receiver",
            target_url=url or webhook_receiver.url,
            secret_key=webhook_receiver.secret,
        )
        app.permissions.add(*event_permissions(*event_types))
        webhook_services.webhook_subscriptions_set(
            webhook=webhook, event_types=event_types
        )
        return webhook

    return subscribe


@pytest.fixture
def configure_o2o(db):
    """Return `configure_plugin`, for tests that set the plugin up their own way."""
    return configure_plugin


@pytest.fixture
def site_settings(db):
    """Saleor's site settings (e-mail sender, ...), which transactional tests flush."""
    from django.contrib.sites.models import Site
    from saleor.site.models import SiteSettings

    Site.objects.clear_cache()
    site = Site.objects.get_current()
    settings, _ = SiteSettings.objects.get_or_create(site=site)
    settings.default_mail_sender_address = "shop@example.com"
    settings.default_mail_sender_name = "Example shop"
    settings.save()
    # Saleor caches the current site with its settings prefetched.
    Site.objects.clear_cache()
    return settings


def make_offer(*stores, **fields):
    """Create a running 20%-off offer valid in `stores` (or every store)."""
    from saleor_o2o.offer import services as offer_services

    data = {
        "title": "20% off in store",
        "reward_type": "percentage",
        "reward_value": 20,
        "geofence_radius_km": 10,
        "all_stores": not stores,
        "store_ids": [store.pk for store in stores],
        "starts_at": timezone.now() - timedelta(days=1),
    }
    data.update(fields)
    return offer_services.offer_create(data=data)


@pytest.fixture
def offer_factory(db):
    return make_offer


@pytest.fixture
def offer(store):
    return make_offer(store)


# A real browser: Debian's Chromium through Selenium, with the driver's path given so
# that Selenium Manager never downloads anything. Without the browser, browser tests
# are skipped, except in CI, where they fail.
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,800",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test process, with a fresh profile of its own."""
    import os
    import shutil
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    if missing:
        message = f"missing {', '.join(missing)}: run scripts/ensure-chromium.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    profile = tempfile.mkdtemp(prefix="o2o-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def live_url(live_server, monkeypatch):
    """The live server's URL, for pages driven in the browser."""
    from django.db import DEFAULT_DB_ALIAS, connections

    # Saleor keeps connections open for 10 minutes; the live server's request threads
    # would leave theirs open and block dropping the test database at the end.
    monkeypatch.setitem(connections.databases[DEFAULT_DB_ALIAS], "CONN_MAX_AGE", 0)
    return live_server.url
