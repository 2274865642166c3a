#!/usr/bin/env python
"""Store visits benchmark: appointment slots for 30 days at a store with 10,000
bookings.

At one store (opening hours Monday to Saturday 09:00-19:00 in Paris, a holiday and
a day of special hours in the month) with an appointment type of 30-minute visits
for 3 people a slot, and 10,000 appointments of that type over the past eleven
months and the coming month (a quarter of them cancelled or missed), this prints
the p50/p95 latency of "every slot of the next 30 days with the places left",
computed two ways in the same run:

* ``visits.appointments.selectors.appointment_slots_for_days``: the store's hours
  exceptions over the 30 days in one query, the places held per slot start in one
  ``GROUP BY`` query (the partial index on holding appointments by type and
  start), the slots cut by the slot engine in Python;
* a per-slot check as a straightforward implementation would write it: the slots
  cut from the hours, then one ``COUNT`` of holding appointments per slot.

It checks that both find the same slots with the same places left.

The benchmark is made of parts, each loading its data and measuring one thing
(``PARTS``). The second is busy hours over a year of occupancy samples at 1,000
stores (``bench/_busy_hours.py``): ``Store.busyHours`` as kept per hour of the
week against a per-hour aggregate over the raw samples.

Run it from outside the checkout: the checkout's top-level graphql/ folder would hide
the graphql-core library if the checkout root were on sys.path::

    cd /tmp && /work/main/.venv/bin/python /work/main/bench/visits.py [--quick]
"""

import argparse
import datetime as dt
import gc
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence
from urllib.parse import urlparse

# Importing the locator benchmark (same folder) keeps the checkout root off
# sys.path, where its graphql/ folder would shadow graphql-core.
import _busy_hours
import locator

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/saleor_o2o_bench_visits"
QUICK_SUFFIX = "_quick"
#: The lines with the ratios the benchmark is for, as regular expressions: every
#: run prints them, quick or full (tests/test_benchmarks.py looks for each).
RATIO_LINES = (
    r"^  slots: per-slot COUNT query .* \S+x (slower|faster)$",
    r"^  slots for a month p95 <= 20 ms: (met|NOT met) \(\S+ ms\)$",
    r"^  busy hours, per-hour aggregate over raw samples .* \S+x (slower|faster)$",
    r"^  busy hours p95 <= 5 ms: (met|NOT met) \(\S+ ms\)$",
)

DAYS = 30
SEED = 1313
TYPE_NAME = "Bench fitting"

_START = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _START:7.1f}s] {message}", flush=True)


@dataclass(frozen=True)
class Plan:
    bookings: int
    runs: int


@dataclass
class Part:
    """What one part measured: its rows (first is its baseline), checks, aims."""

    rows: Dict[str, locator.Row]
    checks: List[str] = field(default_factory=list)
    aims: List[str] = field(default_factory=list)
    failures: int = 0


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Benchmark 30 days of appointment slots (appointment_slots_for_days)"
            " against a per-slot COUNT query, and busy hours against an"
            " aggregate over raw samples."
        )
    )
    parser.add_argument(
        "--database-url",
        help=f"default {DEFAULT_DATABASE_URL} (with {QUICK_SUFFIX} under --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1,000 bookings and few runs"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of the bookings query"
    )
    parser.add_argument("--runs", type=int, help="timed runs of each method (50)")
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace) -> Plan:
    plan = Plan(bookings=1_000, runs=5) if args.quick else Plan(10_000, 50)
    return Plan(bookings=plan.bookings, runs=args.runs or plan.runs)


def database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return args.database_url
    if not args.quick:
        return DEFAULT_DATABASE_URL
    parts = urlparse(DEFAULT_DATABASE_URL)
    return parts._replace(path=parts.path + QUICK_SUFFIX).geturl()


def timed(run: Callable[[], object]):
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def ratio_note(row: locator.Row, base: locator.Row) -> str:
    ratio = row.p95 / base.p95
    if ratio >= 1:
        return f"{locator.times(ratio)} slower"
    return f"{locator.times(1 / ratio)} faster"


# Appointment slots -------------------------------------------------------------


def load_bookings(plan: Plan, now: dt.datetime):
    """Give the first store Paris hours, a holiday and special hours, one type,
    and `plan.bookings` appointments; return the type (reloaded every run)."""
    from datetime import time as clock

    from django.db import connection, transaction

    from saleor_o2o.store import hours
    from saleor_o2o.store.models import Store, StoreHoursException
    from saleor_o2o.visits.appointments import selectors
    from saleor_o2o.visits.appointments.models import Appointment, AppointmentType
    from saleor_o2o.visits.appointments.rules import AppointmentStatus

    store = Store.objects.order_by("pk").first()
    today = now.date()
    with transaction.atomic():
        Appointment.objects.all().delete()
        AppointmentType.objects.all().delete()
        StoreHoursException.objects.filter(store=store).delete()
        store.timezone = "Europe/Paris"
        store.opening_hours = hours.weekly_to_json(
            [
                hours.WeeklyInterval(day, hours.Interval(clock(9), clock(19)))
                for day in range(6)
            ]
        )
        store.save(update_fields=["timezone", "opening_hours"])
        StoreHoursException.objects.create(
            store=store, date=today + dt.timedelta(days=9), name="Holiday"
        )
        StoreHoursException.objects.create(
            store=store,
            date=today + dt.timedelta(days=16),
            intervals=hours.intervals_to_json([hours.Interval(clock(14), clock(17))]),
        )
        appointment_type = AppointmentType.objects.create(
            store=store,
            name=TYPE_NAME,
            duration_minutes=30,
            capacity=3,
            book_ahead_days=60,
            min_notice_minutes=0,
        )
        days = [today + dt.timedelta(days=n) for n in range(-335, DAYS + 1)]
        starts = [
            slot.start
            for day in selectors.appointment_slots_for_days(
                appointment_type, days, now=now, bookable_only=False
            )
            for slot in day
        ]
        rng = random.Random(SEED)
        holding: Dict[dt.datetime, int] = {}
        rows = []
        while len(rows) < plan.bookings:
            start = rng.choice(starts)
            status = rng.choice(
                [AppointmentStatus.BOOKED] * 3
                + [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW]
            )
            if status in AppointmentStatus.HOLDING:
                if holding.get(start, 0) >= appointment_type.capacity:
                    continue
                holding[start] = holding.get(start, 0) + 1
            rows.append(
                Appointment(
                    appointment_type=appointment_type,
                    store=store,
                    starts_at=start,
                    ends_at=start + dt.timedelta(minutes=30),
                    status=status,
                    email=f"visitor{len(rows)}@bench.example",
                    token_hash=f"bench-{len(rows)}",
                    code=f"B{len(rows)}",
                )
            )
        Appointment.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE saleor_o2o_appointment")
    coming = sum(1 for row in rows if today <= row.starts_at.date())
    log(f"  {len(rows):,} appointments, {coming:,} of them from today")
    return appointment_type.pk


def month_days(now: dt.datetime) -> List[dt.date]:
    return [now.date() + dt.timedelta(days=n) for n in range(DAYS)]


def slots_selector(type_pk: int, now: dt.datetime):
    """Thirty days of slots as `Store.appointmentSlots` computes each day's."""
    from saleor_o2o.visits.appointments import selectors

    appointment_type = selectors.appointment_type_for_id(type_pk)
    return selectors.appointment_slots_for_days(
        appointment_type, month_days(now), now=now
    )


def slots_per_slot_count(type_pk: int, now: dt.datetime):
    """The slots cut from the hours, then one COUNT of holding appointments each."""
    from saleor_o2o.store import slots as slot_engine
    from saleor_o2o.visits.appointments import rules, selectors
    from saleor_o2o.visits.appointments.models import Appointment
    from saleor_o2o.visits.appointments.rules import AppointmentStatus

    appointment_type = selectors.appointment_type_for_id(type_pk)
    schedule = appointment_type.store.schedule()
    earliest = rules.earliest_start(
        now=now, min_notice_minutes=appointment_type.min_notice_minutes
    )
    found = []
    for day in month_days(now):
        cut = slot_engine.time_slots(
            schedule,
            day=day,
            slot_minutes=appointment_type.duration_minutes,
            capacity=appointment_type.capacity,
            earliest=earliest,
            booked={},
            wording=slot_engine.APPOINTMENT,
            step_minutes=rules.step_minutes(
                duration_minutes=appointment_type.duration_minutes,
                buffer_minutes=appointment_type.buffer_minutes,
            ),
        )
        found.append(
            [
                slot_engine.Slot(
                    start=slot.start,
                    end=slot.end,
                    capacity=slot.capacity,
                    booked=Appointment.objects.filter(
                        appointment_type_id=type_pk,
                        starts_at=slot.start,
                        status__in=AppointmentStatus.HOLDING,
                    ).count(),
                )
                for slot in cut
            ]
        )
    return found


def explain_bookings(type_pk: int, now: dt.datetime) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        slots_selector(type_pk, now)
    cursor = locator.raw_cursor()
    for query in captured.captured_queries:
        if "GROUP BY" in query["sql"]:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("  EXPLAIN ANALYZE (places held per slot start):")
            for (line,) in cursor.fetchall():
                print("    " + line)
    cursor.close()


def appointment_slots_part(plan: Plan, args: argparse.Namespace) -> Part:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    now = timezone.now()
    started = time.perf_counter()
    type_pk = load_bookings(plan, now)
    log(f"  loaded the bookings ({time.perf_counter() - started:.1f}s)")
    part = Part(
        rows={
            "selector": locator.Row("slots: appointment_slots_for_days", []),
            "naive": locator.Row("slots: per-slot COUNT query", []),
        }
    )
    expected = slots_selector(type_pk, now)
    with CaptureQueriesContext(connection) as captured:
        slots_selector(type_pk, now)
    queries = len(captured.captured_queries)
    slots = sum(len(day) for day in expected)
    part.checks.append(
        f"slots: {slots} slots over {DAYS} days in {queries} queries (the type"
        f" lookup and the crowding cap included): {locator.ok(queries <= 4)}"
    )
    part.failures += queries > 4
    agree = slots_per_slot_count(type_pk, now) == expected
    part.checks.append(
        f"slots: the per-slot check finds the same slots and places: "
        f"{locator.ok(agree)}"
    )
    part.failures += not agree
    if args.explain:
        explain_bookings(type_pk, now)
    gc.collect()
    gc.disable()
    try:
        for _ in range(plan.runs):
            elapsed, _ = timed(lambda: slots_selector(type_pk, now))
            part.rows["selector"].samples.append(elapsed)
            elapsed, _ = timed(lambda: slots_per_slot_count(type_pk, now))
            part.rows["naive"].samples.append(elapsed)
    finally:
        gc.enable()
    base = part.rows["selector"]
    part.aims.append(
        f"slots for a month p95 <= 20 ms: {locator.verdict(base.p95 <= 20.0)}"
        f" ({base.p95:.2f} ms)"
    )
    log(f"  slots: {plan.runs} runs of each method")
    return part


# The parts ---------------------------------------------------------------------

# Busy hours --------------------------------------------------------------------


def busy_hours_parts(plan: Plan, args: argparse.Namespace) -> List[Part]:
    """A year of occupancy samples at 1,000 stores (bench/_busy_hours.py)."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _busy_hours.setup(cursor, args.quick)
    log(f"  busy hours: data ready ({time.perf_counter() - started:.1f}s)")
    parts = [
        Part(rows={label: locator.Row(label, samples) for label, samples in group})
        for group in _busy_hours.measure(args.quick)
    ]
    kept = next(iter(parts[0].rows.values()))
    parts[0].checks.append(
        "busy hours: both ways give the same figures at 20 stores: OK"
    )
    parts[0].aims.append(
        f"busy hours p95 <= 5 ms: {locator.verdict(kept.p95 <= 5.0)}"
        f" ({kept.p95:.2f} ms)"
    )
    log("  busy hours: timed")
    return parts


#: The parts of the benchmark, run in this order on the same database. Each takes
#: the plan and the arguments and returns its `Part`s.
PARTS: List[Callable[[Plan, argparse.Namespace], List[Part]]] = [
    lambda plan, args: [appointment_slots_part(plan, args)],
    busy_hours_parts,
]


def print_part(part: Part) -> None:
    rows = list(part.rows.values())
    base = rows[0]
    for row in rows:
        note = "baseline" if row is base else ratio_note(row, base)
        print(
            f"  {row.method:<54} {len(row.samples):>5} {row.p50:>9.3f}"
            f" {row.p95:>9.3f}  {note}"
        )
    for check in part.checks:
        print(f"  check: {check}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    url = database_url(args)
    locator.ensure_database(url)
    locator.setup_django(url)
    locator.migrate()
    locator.refuse_foreign_data()
    locator.activate_plugin()
    facts = locator.server_facts()
    log(
        f"{plan.bookings:,} bookings; database {urlparse(url).path.lstrip('/')};"
        f" {facts['postgres']}"
    )
    locator.load_stores(10)
    parts = [part for run in PARTS for part in run(plan, args)]
    print(f"\n  {facts['postgres']}, {facts['python']}, {facts['cpu']}")
    print(f"  {'method':<54} {'runs':>5} {'p50 ms':>9} {'p95 ms':>9}  p95 vs baseline")
    for part in parts:
        print_part(part)
    print("\nAims")
    for part in parts:
        for aim in part.aims:
            print(f"  {aim}")
    failures = sum(part.failures for part in parts)
    print(
        "  correctness checks:", "all OK" if not failures else f"{failures} MISMATCHES"
    )
    sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
