from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError
from saleor.warehouse.models import Stock

from saleor_o2o.core.ids import global_id
from saleor_o2o.management.commands.o2o_import_stock import parse_quantity
from saleor_o2o.store import stock as store_stock
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

COMMAND = "o2o_import_stock"


@pytest.fixture
def make_variants(variant):
    """Return a function creating variants SKU-<prefix>-<n> of the trail shoe."""
    from saleor.product.models import ProductVariant

    def make(count: int, prefix: str = "V"):
        ProductVariant.objects.bulk_create(
            ProductVariant(
                product=variant.product,
                sku=f"{prefix}-{number}",
                price_override_amount=50,
                currency="USD",
            )
            for number in range(count)
        )
        return list(
            ProductVariant.objects.filter(sku__startswith=f"{prefix}-").order_by("pk")
        )

    return make


@pytest.fixture
def second_variant(make_variants):
    (variant,) = make_variants(1, prefix="SKU-2")
    return variant


@pytest.fixture
def lyon(store_factory):
    return store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")


def quantity_of(store, variant):
    stock = Stock.objects.filter(warehouse=store.warehouse, product_variant=variant)
    return stock.values_list("quantity", flat=True).first()


def set_quantity(store, variant, quantity):
    Stock.objects.update_or_create(
        warehouse=store.warehouse,
        product_variant=variant,
        defaults={"quantity": quantity},
    )


class Result:
    def __init__(self, out: StringIO, err: StringIO):
        self.out = out.getvalue()
        self.err = err.getvalue()


def run(tmp_path, text, *args, **options):
    path = tmp_path / "stock.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    try:
        call_command(COMMAND, str(path), *args, stdout=out, stderr=err, **options)
    finally:
        run.last = Result(out, err)
    return run.last


def run_failing(tmp_path, text, *args, **options):
    with pytest.raises(CommandError) as raised:
        run(tmp_path, text, *args, **options)
    return str(raised.value), run.last


def test_import_sets_quantities_and_creates_missing_stock_rows(
    tmp_path, store, lyon, variant, second_variant
):
    set_quantity(store, variant, 3)
    result = run(
        tmp_path,
        "Store,SKU,Quantity,Product name\n"
        "paris-louvre,SKU-1,7,Trail shoe\n"
        "paris-louvre,SKU-2-0,0,Trail shoe\n"
        "lyon-bellecour,SKU-1,12,Trail shoe\n",
    )
    assert quantity_of(store, variant) == 7
    assert quantity_of(store, second_variant) == 0
    assert quantity_of(lyon, variant) == 12
    assert Stock.objects.count() == 3
    assert "stores touched: 2" in result.out
    assert "rows applied: 3" in result.out
    assert "quantities changed: 3 (2 new stock records)" in result.out
    assert "low-stock events recorded: 0" in result.out


def test_columns_may_come_in_any_order_and_case_with_spaces_and_blank_lines(
    tmp_path, store, variant
):
    run(
        tmp_path,
        "\ufeff Quantity ;NOTE; sku ;STORE\n\n 4 ;x; SKU-1 ; Paris-Louvre \n;;;\n",
        "--delimiter",
        ";",
    )
    assert quantity_of(store, variant) == 4


@pytest.mark.parametrize("delimiter", ["tab", "\\t", "\t"])
def test_tab_separated_files(tmp_path, store, variant, delimiter):
    run(
        tmp_path,
        "store\tsku\tquantity\nparis-louvre\tSKU-1\t5\n",
        "--delimiter",
        delimiter,
    )
    assert quantity_of(store, variant) == 5


def test_bad_delimiter_is_refused(tmp_path, store, variant):
    message, _ = run_failing(tmp_path, "store,sku,quantity\n", "--delimiter", ";;")
    assert "single character" in message


def test_missing_columns_are_named(tmp_path, store, variant):
    message, _ = run_failing(tmp_path, "Store,Units\nparis-louvre,4\n")
    assert "sku, quantity" in message
    assert quantity_of(store, variant) is None


def test_missing_columns_suggest_the_delimiter(tmp_path, store, variant):
    message, _ = run_failing(tmp_path, "store;sku;quantity\nparis-louvre;SKU-1;4\n")
    assert "--delimiter" in message


def test_a_column_named_twice_is_refused(tmp_path, store, variant):
    message, _ = run_failing(tmp_path, "store,sku,SKU,quantity\n")
    assert "more than once: sku" in message


@pytest.mark.parametrize(
    "text, expected",
    [("", "empty"), ("store,sku,quantity\n", "no data rows")],
)
def test_empty_files_are_refused(tmp_path, store, text, expected):
    message, _ = run_failing(tmp_path, text)
    assert expected in message


def test_unreadable_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Cannot open"):
        call_command(COMMAND, str(tmp_path / "missing.csv"), stderr=StringIO())


def test_every_bad_row_is_reported_with_its_line_and_nothing_applied(
    tmp_path, store, variant, second_variant
):
    set_quantity(store, variant, 3)
    message, result = run_failing(
        tmp_path,
        "store,sku,quantity\n"  # line 1
        "paris-louvre,SKU-1,9\n"  # 2: good, yet not applied
        "paris-lovre,SKU-2-0,1\n"  # 3: unknown store
        "paris-louvre,SKU-404,1\n"  # 4: unknown SKU
        "paris-louvre,SKU-2-0,2.5\n"  # 5: not a whole number
        "\n"  # 6: blank, skipped but counted
        "paris-louvre,SKU-2-0,-4\n"  # 7: negative
        "paris-louvre,SKU-1,1\n"  # 8: repeats line 2
        "paris-louvre,SKU-2-0,lots\n"  # 9: not a number
        ",,5\n"  # 10: store and SKU missing
        "paris-louvre,SKU-2-0\n"  # 11: quantity missing
        '"paris-louvre","SKU-2-0","1\n2"\n'  # 12-13: a quoted line break
        "paris-louvre,SKU-2-0,99999999999\n",  # 14: beyond PostgreSQL's integer
    )
    report = result.err
    assert 'line 3: store "paris-lovre": no store has this slug' in report
    assert 'line 4: sku "SKU-404": no product variant has this SKU' in report
    assert 'line 5: quantity "2.5": not a whole number' in report
    assert 'line 7: quantity "-4": cannot be negative' in report
    assert (
        'line 8: store "paris-louvre" and sku "SKU-1" are already on line 2' in report
    )
    assert 'line 9: quantity "lots": not a whole number' in report
    assert "line 10: store: missing" in report
    assert "line 10: sku: missing" in report
    assert "line 11: quantity: missing" in report
    assert 'line 12: quantity "1\n2": not a whole number' in report
    assert 'line 14: quantity "99999999999": too large' in report
    assert "line 2:" not in report
    assert message.startswith("10 of 11 rows are wrong")
    assert "nothing was imported" in message
    assert quantity_of(store, variant) == 3
    assert quantity_of(store, second_variant) is None
    assert Stock.objects.count() == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", (0, "")),
        ("12", (12, "")),
        ("+12", (12, "")),
        ("12.0", (12, "")),
        ("12.5", (None, "not a whole number")),
        ("1,000", (None, "not a whole number")),
        ("1e3", (None, "not a whole number")),
        ("-1", (None, "cannot be negative")),
        ("2147483647", (2147483647, "")),
        ("2147483648", (None, "too large (at most 2,147,483,647)")),
    ],
)
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


def test_dry_run_reports_changes_and_writes_nothing(
    tmp_path, store, lyon, variant, second_variant
):
    set_quantity(store, variant, 3)
    set_quantity(store, second_variant, 8)
    text = (
        "store,sku,quantity\n"
        "paris-louvre,SKU-1,3\n"
        "paris-louvre,SKU-2-0,1\n"
        "lyon-bellecour,SKU-1,4\n"
    )
    result = run(tmp_path, text, "--dry-run")
    assert "nothing was changed" in result.out
    assert (
        "paris-louvre: 2 variants, 1 changed quantities (0 new stock records)"
        in result.out
    )
    assert (
        "lyon-bellecour: 1 variants, 1 changed quantities (1 new stock records)"
        in result.out
    )
    assert "2 stores, 3 rows, 2 quantities would change" in result.out
    assert quantity_of(store, second_variant) == 8
    assert quantity_of(lyon, variant) is None
    assert Stock.objects.count() == 2


def test_dry_run_still_reports_bad_rows(tmp_path, store, variant):
    message, result = run_failing(
        tmp_path, "store,sku,quantity\nparis-louvre,SKU-1,x\n", "--dry-run"
    )
    assert "1 of 1 rows are wrong" in message
    assert "line 2:" in result.err


def test_reads_standard_input(store, variant):
    out = StringIO()
    call_command(
        COMMAND,
        "-",
        stdin=StringIO("store,sku,quantity\r\nparis-louvre,SKU-1,6\r\n"),
        stdout=out,
        stderr=StringIO(),
    )
    assert quantity_of(store, variant) == 6
    assert "rows applied: 1" in out.getvalue()


def test_low_stock_event_when_a_quantity_drops_to_the_threshold(
    tmp_path, store, variant, second_variant
):
    store_stock.store_stock_update(store=store, low_stock_threshold=2)
    set_quantity(store, variant, 10)
    set_quantity(store, second_variant, 10)
    result = run(
        tmp_path,
        "store,sku,quantity\nparis-louvre,SKU-1,1\nparis-louvre,SKU-2-0,3\n",
    )
    (event,) = O2OEvent.objects.filter(type=O2OEventType.STORE_STOCK_LOW)
    assert event.payload["store"]["id"] == global_id("Store", store.pk)
    assert event.payload["variant"] == {
        "id": global_id("ProductVariant", variant.pk),
        "sku": "SKU-1",
    }
    assert event.payload["quantity_available_for_pickup"] == 1
    assert "low-stock events recorded: 1" in result.out


def test_reimporting_the_same_file_changes_nothing(tmp_path, store, lyon, variant):
    store_stock.store_stock_update(store=store, low_stock_threshold=5)
    set_quantity(store, variant, 10)
    text = "store,sku,quantity\nparis-louvre,SKU-1,2\nlyon-bellecour,SKU-1,4\n"
    first = run(tmp_path, text)
    stocks = list(Stock.objects.order_by("pk").values_list("pk", "quantity"))
    updated_at = type(store).objects.get(pk=store.pk).updated_at
    second = run(tmp_path, text)
    assert "quantities changed: 2 (1 new stock records)" in first.out
    assert "low-stock events recorded: 1" in first.out
    assert "rows applied: 2" in second.out
    assert "quantities changed: 0 (0 new stock records)" in second.out
    assert "low-stock events recorded: 0" in second.out
    assert list(Stock.objects.order_by("pk").values_list("pk", "quantity")) == stocks
    assert O2OEvent.objects.count() == 1
    assert type(store).objects.get(pk=store.pk).updated_at == updated_at


def test_a_large_file_is_imported_with_progress(tmp_path, store, lyon, make_variants):
    variants = make_variants(2500)
    for variant in variants[:100]:
        set_quantity(store, variant, 1)
    lines = ["sku,store,quantity,comment"]
    for slug in ("paris-louvre", "lyon-bellecour"):
        lines.extend(f"{v.sku},{slug},{n % 50},restock" for n, v in enumerate(variants))
    result = run(tmp_path, "\n".join(lines) + "\n", verbosity=2)
    assert Stock.objects.count() == 5000
    assert quantity_of(lyon, variants[-1]) == 2499 % 50
    assert "read 5,000 rows" in result.err
    assert "applied 1,000/5,000 rows (20%)" in result.err
    assert "applied 5,000/5,000 rows (100%)" in result.err
    assert "rows applied: 5,000" in result.out
    assert "(4,900 new stock records)" in result.out
    assert "paris-louvre: 2,500 rows" in result.out


def test_progress_is_quiet_at_verbosity_zero(tmp_path, store, variant):
    result = run(tmp_path, "store,sku,quantity\nparis-louvre,SKU-1,1\n", verbosity=0)
    assert result.err == ""


def test_a_failure_midway_leaves_every_store_unchanged(
    tmp_path, store, lyon, variant, monkeypatch
):
    set_quantity(store, variant, 3)
    set_quantity(lyon, variant, 3)
    store_stock.store_stock_update(store=lyon, low_stock_threshold=5)
    store_stock.store_stock_update(store=store, low_stock_threshold=5)
    real = store_stock.store_stock_update
    calls = []

    def fail_on_second_store(*, store, levels):
        calls.append(store.slug)
        if len(calls) == 2:
            raise DatabaseError("deadlock detected")
        return real(store=store, levels=levels)

    monkeypatch.setattr(store_stock, "store_stock_update", fail_on_second_store)
    message, _ = run_failing(
        tmp_path,
        "store,sku,quantity\nparis-louvre,SKU-1,9\nlyon-bellecour,SKU-1,1\n",
    )
    # Stores are applied in slug order: Lyon's change (and its low-stock event)
    # was written before Paris failed, and was rolled back with it.
    assert calls == ["lyon-bellecour", "paris-louvre"]
    assert "deadlock detected" in message
    assert "rolled back: nothing was imported" in message
    assert quantity_of(lyon, variant) == 3
    assert quantity_of(store, variant) == 3
    assert not O2OEvent.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(tmp_path, store, variant):
    path = tmp_path / "stock.csv"
    path.write_bytes("store,sku,quantity\nparis-louvre,SKU-é,1\n".encode("cp1252"))
    with pytest.raises(CommandError, match="not UTF-8.*CSV UTF-8"):
        call_command(COMMAND, str(path), stdout=StringIO(), stderr=StringIO())
    assert not Stock.objects.exists()
