"""Demo data: Saleor's catalogue plus O2O stores in real cities, hours and stock."""

import datetime as dt
import os
import random
import time
from decimal import Decimal

import saleor
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from saleor.plugins.models import PluginConfiguration
from saleor.product.models import Category, ProductVariant

from saleor_o2o.core import settings as conf
from saleor_o2o.local_delivery.services_area import delivery_area_update
from saleor_o2o.management.commands._demo_appointments import demo_appointment_types
from saleor_o2o.occupancy.demo import occupancy_demo_history
from saleor_o2o.offer import services as offer_services
from saleor_o2o.offer.models import Offer
from saleor_o2o.store import hours
from saleor_o2o.store import services as store_services
from saleor_o2o.store import stock as store_stock
from saleor_o2o.store.models import Store
from saleor_o2o.visits.events.demo import demo_event_ensure

T = dt.time
#: Where scripts/run-demo.sh runs o2o_webhook_receiver (its port: WEBHOOK_PORT).
DEMO_RECEIVER_URL = "http://127.0.0.1:8765/"

#: (name, city, street, postal code, country, area, latitude, longitude, timezone)
DEMO_STORES = [
    (
        "Paris Rivoli",
        "Paris",
        "99 Rue de Rivoli",
        "75001",
        "FR",
        "",
        48.8606,
        2.3376,
        "Europe/Paris",
    ),  # noqa: E501
    (
        "Paris Opéra",
        "Paris",
        "40 Boulevard Haussmann",
        "75009",
        "FR",
        "",
        48.8736,
        2.3320,
        "Europe/Paris",
    ),  # noqa: E501
    (
        "Paris Bastille",
        "Paris",
        "2 Place de la Bastille",
        "75011",
        "FR",
        "",
        48.8532,
        2.3691,
        "Europe/Paris",
    ),  # noqa: E501
    (
        "Versailles",
        "Versailles",
        "1 Rue de la Paroisse",
        "78000",
        "FR",
        "",
        48.8049,
        2.1301,
        "Europe/Paris",
    ),  # noqa: E501
    (
        "London Covent Garden",
        "London",
        "1 Long Acre",
        "WC2E 9LH",
        "GB",
        "",
        51.5117,
        -0.1240,
        "Europe/London",
    ),  # noqa: E501
    (
        "London Shoreditch",
        "London",
        "1 Shoreditch High Street",
        "E1 6JE",
        "GB",
        "",
        51.5246,
        -0.0786,
        "Europe/London",
    ),  # noqa: E501
    (
        "Berlin Mitte",
        "Berlin",
        "Alexanderplatz 1",
        "10178",
        "DE",
        "",
        52.5219,
        13.4132,
        "Europe/Berlin",
    ),  # noqa: E501
    (
        "Berlin Potsdamer Platz",
        "Berlin",
        "Potsdamer Platz 1",
        "10785",
        "DE",
        "",
        52.5096,
        13.3760,
        "Europe/Berlin",
    ),  # noqa: E501
    (
        "New York Herald Square",
        "New York",
        "151 W 34th St",
        "10001",
        "US",
        "NY",
        40.7506,
        -73.9890,
        "America/New_York",
    ),  # noqa: E501
    (
        "Brooklyn Heights",
        "Brooklyn",
        "1 Court St",
        "11201",
        "US",
        "NY",
        40.6935,
        -73.9907,
        "America/New_York",
    ),  # noqa: E501
    (
        "Tokyo Marunouchi",
        "Chiyoda-ku",
        "2-7-2 Marunouchi",
        "100-0005",
        "JP",
        "Tokyo",
        35.6812,
        139.7649,
        "Asia/Tokyo",
    ),  # noqa: E501
    (
        "Sydney George Street",
        "Sydney",
        "500 George St",
        "2000",
        "AU",
        "NSW",
        -33.8731,
        151.2068,
        "Australia/Sydney",
    ),  # noqa: E501
]


def _week(weekday_hours, saturday, sunday=None):
    intervals = [
        hours.WeeklyInterval(weekday=day, interval=hours.Interval(*weekday_hours))
        for day in range(5)
    ]
    intervals.append(
        hours.WeeklyInterval(weekday=5, interval=hours.Interval(*saturday))
    )
    if sunday:
        intervals.append(
            hours.WeeklyInterval(weekday=6, interval=hours.Interval(*sunday))
        )
    return intervals


def _delivery_area(store: Store, postal: str, country: str) -> None:
    """Deliver within 8 km and to the store's postal district: 4.90 plus 0.50 a km,
    free from 80, from 20, windows of two hours with six places."""
    district = postal.replace(" ", "")[:2]
    delivery_area_update(
        store=store,
        data={
            "is_active": True,
            "radius_km": 8.0,
            "postal_codes": {country: [district]},
            "minimum_order": Decimal("20"),
            "fee_base": Decimal("4.90"),
            "fee_per_km": Decimal("0.50"),
            "free_above": Decimal("80"),
            "lead_time_minutes": 90,
            "window_minutes": 120,
            "window_capacity": 6,
        },
    )


def _holidays(today: dt.date):
    year = today.year if today.month < 12 or today.day <= 25 else today.year + 1
    return [
        hours.DateException(date=dt.date(year, 12, 25), name="Christmas Day"),
        hours.DateException(
            date=dt.date(year, 12, 24),
            name="Christmas Eve",
            intervals=(hours.Interval(T(9), T(16)),),
        ),
        hours.DateException(date=dt.date(year + 1, 1, 1), name="New Year's Day"),
    ]


#: (title, stores (none: every store), fields): a few offers per demo city.
DEMO_OFFERS = [
    (
        "15% off everything in our Paris stores",
        ["Paris Rivoli", "Paris Opéra", "Paris Bastille"],
        {"reward_type": "percentage", "reward_value": 15, "geofence_radius_km": 10},
    ),
    (
        "A free tote bag at Paris Bastille",
        ["Paris Bastille"],
        {
            "reward_type": "gift",
            "reward_gift": "Canvas tote bag",
            "geofence_radius_km": 5,
            "total_limit": 200,
            "customer_segment": "new",
        },
    ),
    (
        "10 off your favourite category in Versailles",
        ["Versailles"],
        {
            "reward_type": "fixed",
            "reward_value": 10,
            "geofence_radius_km": 20,
            "target_first_category": True,
        },
    ),
    (
        "20% off in London",
        ["London Covent Garden", "London Shoreditch"],
        {"reward_type": "percentage", "reward_value": 20, "geofence_radius_km": 15},
    ),
    (
        "Welcome back: 5 off in any store",
        [],
        {
            "reward_type": "fixed",
            "reward_value": 5,
            "geofence_radius_km": 25,
            "per_shopper_limit": 2,
            "customer_segment": "returning",
        },
    ),
]


class Command(BaseCommand):
    help = (
        "Load demo data: Saleor's catalogue (populatedb, if the shop has no products "
        "yet) and O2O stores in real cities with opening hours and stock. Safe to run "
        "again: stores are updated, not duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-saleor-catalogue",
            action="store_true",
            help="Run Saleor's populatedb first when the shop has no products.",
        )
        parser.add_argument(
            "--variants-per-store",
            type=int,
            default=60,
            help="How many product variants each store stocks (default 60).",
        )
        parser.add_argument(
            "--webhook-url",
            default=DEMO_RECEIVER_URL,
            help="Where the demo webhook sends O2O events (default %(default)s).",
        )

    def step(self, message):
        self.stdout.write(f"  {message}")
        self.stdout.flush()

    def handle(
        self,
        *args,
        with_saleor_catalogue=False,
        variants_per_store=60,
        webhook_url=DEMO_RECEIVER_URL,
        **kw,
    ):
        started = time.monotonic()
        if with_saleor_catalogue:
            if ProductVariant.objects.exists():
                self.step("Saleor catalogue already loaded.")
            else:
                self.step("Loading Saleor's demo catalogue (populatedb, ~30 s)...")
                # populatedb reads its images by paths relative to site-packages.
                previous = os.getcwd()
                os.chdir(os.path.dirname(os.path.dirname(saleor.__file__)))
                try:
                    call_command("populatedb", createsuperuser=True)
                finally:
                    os.chdir(previous)
        self._activate_plugin()
        self._subscribe_demo_receiver(webhook_url)
        variants = list(
            ProductVariant.objects.order_by("pk").values_list("pk", flat=True)
        )
        rng = random.Random(2010)
        today = dt.date.today()
        for index, row in enumerate(DEMO_STORES, start=1):
            name, city, street, postal, country, area, lat, lng, tz = row
            weekday = (T(9), T(20))
            saturday = (T(10), T(19))
            sunday = (T(11), T(17)) if country in ("GB", "US", "AU", "JP") else None
            if name == "Tokyo Marunouchi":
                weekday = (T(0), T(0), True)  # Open around the clock.
                saturday = sunday = (T(0), T(0), True)
            data = {
                "name": name,
                "address": {
                    "company_name": "Saleor O2O demo",
                    "street_address_1": street,
                    "city": city,
                    "postal_code": postal,
                    "country": country,
                    "country_area": area,
                },
                "latitude": lat,
                "longitude": lng,
                "timezone": tz,
                "opening_hours": _week(weekday, saturday, sunday),
                "opening_hours_exceptions": _holidays(today),
                "is_curbside": index % 2 == 1,
                "pickup_lead_time_minutes": 60 if index % 3 else 120,
                "pickup_slot_minutes": 30,
                "pickup_slot_capacity": 4,
            }
            with transaction.atomic():
                store = Store.objects.filter(name=name).first()
                if store is None:
                    store = store_services.store_create(data=data)
                else:
                    store = store_services.store_update(store=store, data=data)
                stocked = rng.sample(variants, min(variants_per_store, len(variants)))
                store_stock.store_stock_update(
                    store=store,
                    levels=[
                        store_stock.StockLevel(
                            variant_id=variant_id,
                            quantity=rng.choice([0, 1, 2, 3, 5, 8, 12, 20]),
                        )
                        for variant_id in stocked
                    ],
                    safety_stock=1,
                    low_stock_threshold=2,
                )
                _delivery_area(store, postal, country)
                types = demo_appointment_types(store)
            sampled = occupancy_demo_history(store=store, seed=index)
            self.step(
                f"[{index}/{len(DEMO_STORES)}] {name}, {city}: {len(stocked)} SKUs,"
                f" {types} appointment types, {sampled} hours of occupancy history"
            )
        self._offers()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo stores ready in {time.monotonic() - started:.1f} s: "
                f"{Store.objects.count()} stores, {Offer.objects.count()} offers."
            )
        )

    def _offers(self):
        """Create or refresh the demo offers (matched by title), each city's own."""
        stores = {
            store.name: store
            for store in Store.objects.filter(name__in=[row[0] for row in DEMO_STORES])
        }
        categories = list(Category.objects.order_by("pk").values_list("pk", flat=True))
        now = timezone.now()
        for title, store_names, extra in DEMO_OFFERS:
            data = {
                "title": title,
                "starts_at": now - dt.timedelta(days=1),
                "ends_at": now + dt.timedelta(days=60),
                "store_ids": [stores[name].pk for name in store_names],
                "all_stores": not store_names,
                "is_active": True,
                **extra,
            }
            if extra.get("target_first_category") and categories:
                data["target_category_ids"] = categories[:1]
            data.pop("target_first_category", None)
            offer = Offer.objects.filter(title=title).first()
            if offer is None:
                offer_services.offer_create(data=data)
            else:
                offer_services.offer_update(offer=offer, data=data)
        self.step(f"{len(DEMO_OFFERS)} in-store offers around the demo stores.")
        event = demo_event_ensure([stores["Paris Rivoli"], stores["Paris Opéra"]])
        self.step(f"A store event: /o2o/events/{event.slug}/")

    def _activate_plugin(self):
        items = conf.default_configuration()
        existing = PluginConfiguration.objects.filter(identifier=conf.PLUGIN_ID).first()
        if existing and existing.active:
            self.step("O2O plugin already active; its configuration is kept.")
            return
        for item in items:
            if item["name"] == conf.GEOCODER_USER_AGENT:
                item["value"] = "saleor-o2o-demo (admin@example.com)"
        PluginConfiguration.objects.update_or_create(
            identifier=conf.PLUGIN_ID,
            defaults={
                "name": "Stores and click-and-collect (O2O)",
                "active": True,
                "configuration": items,
            },
        )
        self.step(
            "O2O plugin activated (Plugins page: 'Stores and click-and-collect')."
        )

    def _subscribe_demo_receiver(self, url: str):
        """Send every O2O event to the demo's receiver (o2o_webhook_receiver)."""
        from django.contrib.auth.models import Permission
        from saleor.app.models import App
        from saleor.webhook.models import Webhook

        from saleor_o2o.webhook import services as webhook_services
        from saleor_o2o.webhook.events import O2OEventType

        app, _ = App.objects.get_or_create(
            name="O2O demo receiver", defaults={"is_active": True}
        )
        # Each O2O event goes only to apps holding its permission.
        app.permissions.add(
            *(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
                for app_label, codename in sorted(
                    {
                        tuple(permission.value.split("."))
                        for permission in O2OEventType.PERMISSIONS.values()
                    }
                )
            )
        )
        webhook, _ = Webhook.objects.update_or_create(
            app=app,
            name="O2O events",
            defaults={"target_url": url, "secret_key": "demo-secret"},
        )
        webhook_services.webhook_subscriptions_set(
            webhook=webhook, event_types=[value for value, _ in O2OEventType.CHOICES]
        )
        self.step(f"Demo webhook receiver subscribed to O2O events: {url}")
