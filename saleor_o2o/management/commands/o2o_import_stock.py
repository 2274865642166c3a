"""Import the quantities on hand of each store from a CSV file (store, SKU, quantity).

The whole file is read and checked before anything is written; then every row is
applied in one transaction, store by store, through `store.stock.store_stock_update`, so
low-stock events are recorded as for any other stock change.
"""

import contextlib
import csv
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from saleor.account.models import User
from saleor.product.models import ProductVariant
from saleor.warehouse.models import Stock

from saleor_o2o.core.db import rows_lock
from saleor_o2o.core.errors import O2OError
from saleor_o2o.core.ids import global_id
from saleor_o2o.store import access, stock
from saleor_o2o.store.models import Store
from saleor_o2o.store.reach import EVERYWHERE, MANAGER, Reach
from saleor_o2o.store.stock import StockLevel
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

#: The columns every file needs (header names are matched case-insensitively).
REQUIRED_COLUMNS = ("store", "sku", "quantity")
#: A progress line is printed every this many rows (and at the end).
PROGRESS_EVERY = 1000
#: Rows of one store passed to one `store_stock_update` call.
APPLY_BATCH = 1000
#: Values per `IN (...)` lookup.
LOOKUP_BATCH = 5000
#: Saleor keeps quantities in a PostgreSQL integer column.
MAX_QUANTITY = stock.MAX_STOCK_QUANTITY
#: A whole number, optionally written with a zero fraction ("12.0") as spreadsheets do.
WHOLE_NUMBER = re.compile(r"[+-]?\d+(?:\.0*)?")
#: What merchants may type for a tab, which a shell cannot pass literally.
DELIMITER_ALIASES = {"tab": "\t", "\\t": "\t"}

T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    """A data row as written in the file."""

    line: int
    store: str
    sku: str
    quantity: str


@dataclass
class StoreResult:
    store: Store
    rows: int = 0
    changed: int = 0
    created: int = 0
    events: int = 0


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _shown(value: str, limit: int = 60) -> str:
    """Return a value as quoted in the report, shortened if very long."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return f'"{value}"'


def parse_quantity(value: str) -> Tuple[Optional[int], str]:
    """Return the quantity written in a cell, or None and why it is not one."""
    if not value:
        return None, "missing (give the number of units on hand)"
    if not WHOLE_NUMBER.fullmatch(value):
        return None, "not a whole number"
    quantity = int(value.split(".")[0])
    if quantity < 0:
        return None, "cannot be negative"
    if quantity > MAX_QUANTITY:
        return None, f"too large (at most {MAX_QUANTITY:,})"
    return quantity, ""


class Command(BaseCommand):
    help = (
        "Set the quantity on hand of product variants in your stores from a CSV file. "
        "The file needs a header row with the columns store (the store's slug), sku "
        "and quantity; other columns are ignored. Every row is checked first: if any "
        "row is wrong, all the wrong rows are listed with their line numbers and "
        "nothing is imported. Otherwise the whole file is imported at once (all or "
        "nothing), and a low-stock event is recorded for each variant whose pickup "
        "stock falls to the store's low-stock threshold. Variants not in the file keep "
        "their quantities. Importing the same file twice changes nothing the second "
        "time."
    )
    #: Lets tests (and callers of call_command) pass a stream to read "-" from.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            help=(
                "The CSV file to import, for example stock.csv; give - to read it from "
                "standard input. Save spreadsheets as 'CSV UTF-8'."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=(
                "Check the file and show, store by store, how many quantities would "
                "change, without changing anything."
            ),
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="EMAIL",
            help=(
                "Import on behalf of this staff user: rows for stores they do not "
                "manage are refused, as in the API (staff acting in every store may "
                "import every row)."
            ),
        )
        parser.add_argument(
            "--delimiter",
            default=",",
            help=(
                "The character between columns (default: a comma). Use ';' for files "
                "from spreadsheets set to European formats, or 'tab' for tab-separated "
                "files."
            ),
        )

    # Output ------------------------------------------------------------------------

    def _progress(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stderr.write(message, style_func=lambda text: text)
            self.stderr.flush()

    def _progress_every(self, done: int, previous: int, total: int, verb: str) -> None:
        if done // PROGRESS_EVERY > previous // PROGRESS_EVERY or done == total:
            percent = done * 100 // total if total else 100
            self._progress(f"{verb} {done:,}/{total:,} rows ({percent}%)")

    # Steps -------------------------------------------------------------------------

    def handle(self, *args, path, dry_run=False, delimiter=",", **options):
        self.verbosity = options.get("verbosity", 1)
        self.reach = self._reach(options.get("as_user"))
        started = time.monotonic()
        delimiter = self._clean_delimiter(delimiter)
        with self._open(path, options.get("stdin")) as stream:
            rows = self._read(stream, delimiter)
        if not rows:
            raise CommandError("The file has a header row but no data rows.")
        levels = self._check(rows)
        if dry_run:
            self._dry_run(levels)
        else:
            self._apply(levels, started)

    def _reach(self, email: Optional[str]) -> Reach:
        """Return the stores the import may change: every one, or the user's."""
        if email is None:
            return EVERYWHERE
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user has the e-mail {email}.")
        reach = access.reach_of(user)
        if not (reach.all_stores or reach.store_ids(MANAGER)):
            raise CommandError(f"{user.email} manages no store: nothing to import.")
        return reach

    def _clean_delimiter(self, delimiter: str) -> str:
        delimiter = DELIMITER_ALIASES.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1 or delimiter in '"\r\n':
            raise CommandError(
                f"The delimiter must be a single character such as , or ; (or 'tab'), "
                f"not {delimiter!r}."
            )
        return delimiter

    def _open(self, path: str, stdin):
        if path == "-":
            return contextlib.nullcontext(stdin or sys.stdin)
        try:
            return open(path, newline="", encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot open {path}: {error.strerror}.")

    def _header(self, header: List[str], delimiter: str) -> Tuple[int, int, int]:
        names = [cell.strip().lstrip("\ufeff").strip().lower() for cell in header]
        repeated = [name for name in REQUIRED_COLUMNS if names.count(name) > 1]
        if repeated:
            raise CommandError(
                "The header row names these columns more than once: "
                f"{', '.join(repeated)}. Keep one of each."
            )
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            found = ", ".join(_shown(cell) for cell in header) or "nothing"
            message = (
                f"The file lacks the column(s) {', '.join(missing)}: its header row "
                f"(line 1) has {found}. The columns needed are "
                f"{', '.join(REQUIRED_COLUMNS)}."
            )
            if len(header) == 1 and any(char in header[0] for char in ",;\t|"):
                message += (
                    f" Are the columns separated by something other than "
                    f"{delimiter!r}? Use --delimiter."
                )
            raise CommandError(message)
        store, sku, quantity = (names.index(name) for name in REQUIRED_COLUMNS)
        return store, sku, quantity

    def _read(self, stream, delimiter: str) -> List[Row]:
        reader = csv.reader(stream, delimiter=delimiter)
        rows: List[Row] = []
        try:
            header = next(reader, None)
            if header is None:
                raise CommandError(
                    "The file is empty: it needs a header row with the columns "
                    f"{', '.join(REQUIRED_COLUMNS)}."
                )
            store_at, sku_at, quantity_at = self._header(header, delimiter)
            width = max(store_at, sku_at, quantity_at) + 1
            end = reader.line_num
            for cells in reader:
                line, end = end + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue  # Blank lines, or rows of empty cells from a spreadsheet.
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                rows.append(
                    Row(
                        line=line,
                        store=cells[store_at].strip(),
                        sku=cells[sku_at].strip(),
                        quantity=cells[quantity_at].strip(),
                    )
                )
                if len(rows) % PROGRESS_EVERY == 0:
                    self._progress(f"read {len(rows):,} rows")
        except csv.Error as error:
            raise CommandError(
                f"Line {reader.line_num} is not valid CSV ({error}); nothing was "
                "imported."
            )
        except UnicodeDecodeError:
            raise CommandError(
                f"The file is not UTF-8 text (after line {reader.line_num}); save it "
                "as 'CSV UTF-8' and try again. Nothing was imported."
            )
        if len(rows) >= PROGRESS_EVERY and len(rows) % PROGRESS_EVERY:
            self._progress(f"read {len(rows):,} rows")
        return rows

    def _lookups(self, rows: Sequence[Row]) -> Tuple[Dict[str, Store], Dict[str, int]]:
        """Fetch every store by slug and the variant IDs of the SKUs in the file."""
        stores = {
            store.slug: store
            for store in Store.objects.only("id", "slug", "name", "warehouse_id")
        }
        skus = sorted({row.sku for row in rows if row.sku})
        variants: Dict[str, int] = {}
        for batch in _batches(skus, LOOKUP_BATCH):
            variants.update(
                ProductVariant.objects.filter(sku__in=batch).values_list("sku", "pk")
            )
        return stores, variants

    def _check(self, rows: Sequence[Row]) -> Dict[Store, List[StockLevel]]:
        """Return the levels to set by store, or report every bad row and stop."""
        stores, variants = self._lookups(rows)
        by_store: Dict[Store, List[StockLevel]] = defaultdict(list)
        first_seen: Dict[Tuple[int, int], int] = {}
        report: List[str] = []
        bad_rows = 0
        for row in rows:
            problems = []
            store = stores.get(row.store.lower()) if row.store else None
            if not row.store:
                problems.append("store: missing (give the store's slug)")
            elif store is None or not self.reach.sees(store.pk):
                problems.append(f"store {_shown(row.store)}: no store has this slug")
                store = None
            elif not self.reach.can(store.pk, MANAGER):
                problems.append(
                    f"store {_shown(row.store)}: only its managers may set its stock"
                )
                store = None
            variant_id = variants.get(row.sku) if row.sku else None
            if not row.sku:
                problems.append("sku: missing")
            elif variant_id is None:
                problems.append(
                    f"sku {_shown(row.sku)}: no product variant has this SKU"
                )
            quantity, why = parse_quantity(row.quantity)
            if why:
                shown = f" {_shown(row.quantity)}" if row.quantity else ""
                problems.append(f"quantity{shown}: {why}")
            if store is not None and variant_id is not None:
                first = first_seen.setdefault((store.pk, variant_id), row.line)
                if first != row.line:
                    problems.append(
                        f"store {_shown(row.store)} and sku {_shown(row.sku)} are "
                        f"already on line {first}; give each variant once per store"
                    )
            if problems:
                bad_rows += 1
                report.extend(f"line {row.line}: {problem}" for problem in problems)
            else:
                by_store[store].append(StockLevel(variant_id, quantity))
        if bad_rows:
            for entry in report:
                self.stderr.write(entry)
            raise CommandError(
                f"{bad_rows:,} of {len(rows):,} rows are wrong (listed above); nothing "
                "was imported. Correct them and run the import again."
            )
        return dict(sorted(by_store.items(), key=lambda item: item[0].slug))

    def _current(self, store: Store, levels: Sequence[StockLevel]) -> Dict[int, int]:
        """Return the quantities on hand now of the variants in `levels`, by ID."""
        stocks = Stock.objects.filter(
            warehouse_id=store.warehouse_id,
            product_variant_id__in=[level.variant_id for level in levels],
        )
        return dict(stocks.values_list("product_variant_id", "quantity"))

    def _lock_stocks(self, by_store: Dict[Store, List[StockLevel]]) -> None:
        """Lock the stock rows the import may change, in one statement."""
        variant_ids = {
            level.variant_id for levels in by_store.values() for level in levels
        }
        list(
            Stock.objects.select_for_update()
            .filter(
                warehouse_id__in=[store.warehouse_id for store in by_store],
                product_variant_id__in=sorted(variant_ids),
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    def _compare(self, result: StoreResult, levels: Sequence[StockLevel], current):
        """Count the changes in `levels`; return those that change a quantity."""
        changes = []
        for level in levels:
            before = current.get(level.variant_id)
            if before is None:
                result.created += 1
            if before != level.quantity:
                result.changed += 1
                changes.append(level)
        result.rows += len(levels)
        return changes

    def _dry_run(self, by_store: Dict[Store, List[StockLevel]]) -> None:
        total = sum(len(levels) for levels in by_store.values())
        done = 0
        results = []
        for store, levels in by_store.items():
            result = StoreResult(store)
            for batch in _batches(levels, LOOKUP_BATCH):
                self._compare(result, batch, self._current(store, batch))
                previous, done = done, done + len(batch)
                self._progress_every(done, previous, total, "checked")
            results.append(result)
        self.stdout.write("Dry run: nothing was changed. The import would set:")
        for result in results:
            self.stdout.write(
                f"  {result.store.slug}: {result.rows:,} variants, "
                f"{result.changed:,} changed quantities "
                f"({result.created:,} new stock records)"
            )
        self.stdout.write(
            f"{len(results):,} stores, {total:,} rows, "
            f"{sum(r.changed for r in results):,} quantities would change."
        )

    def _apply(self, by_store: Dict[Store, List[StockLevel]], started: float) -> None:
        total = sum(len(levels) for levels in by_store.values())
        done = 0
        results = [StoreResult(store) for store in by_store]
        last_event = O2OEvent.objects.order_by("-pk").values_list("pk", flat=True)
        last_event_id = last_event.first() or 0
        try:
            with transaction.atomic():
                # Take the locks in the extension's one order (stores, then every
                # stock row at once by primary key), so two imports, or an import
                # and a checkout, cannot deadlock (docs/design/click-and-collect.md).
                rows_lock(
                    Store._meta.db_table,
                    sorted(store.pk for store in by_store),
                    mode="NO KEY UPDATE",
                )
                self._lock_stocks(by_store)
                for result in results:
                    store = result.store
                    for batch in _batches(by_store[store], APPLY_BATCH):
                        current = self._current(store, batch)
                        changes = self._compare(result, batch, current)
                        if changes:
                            stock.store_stock_update(store=store, levels=changes)
                        previous, done = done, done + len(batch)
                        self._progress_every(done, previous, total, "applied")
                self._count_events(results, last_event_id)
        except (O2OError, DatabaseError) as error:
            raise CommandError(
                f"The import stopped ({error}) and was rolled back: nothing was "
                "imported."
            )
        self._summary(results, total, time.monotonic() - started)

    def _count_events(self, results: Iterable[StoreResult], after_id: int) -> None:
        by_id = {global_id("Store", result.store.pk): result for result in results}
        payloads = O2OEvent.objects.filter(
            type=O2OEventType.STORE_STOCK_LOW, pk__gt=after_id
        ).values_list("payload", flat=True)
        for payload in payloads.iterator():
            result = by_id.get((payload.get("store") or {}).get("id"))
            if result is not None:
                result.events += 1

    def _summary(self, results: List[StoreResult], total: int, seconds: float):
        if self.verbosity >= 2:
            for result in results:
                self.stdout.write(
                    f"  {result.store.slug}: {result.rows:,} rows, "
                    f"{result.changed:,} quantities changed "
                    f"({result.created:,} new stock records), "
                    f"{result.events:,} low-stock events"
                )
        changed = sum(result.changed for result in results)
        created = sum(result.created for result in results)
        self.stdout.write(
            self.style.SUCCESS(f"Stock imported in {seconds:.1f} s.")
            + f"\n  stores touched: {len(results):,}"
            + f"\n  rows applied: {total:,}"
            + f"\n  quantities changed: {changed:,} ({created:,} new stock records)"
            + "\n  low-stock events recorded: "
            + f"{sum(result.events for result in results):,}"
        )
