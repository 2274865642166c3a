"""The desk's try-on section (/o2o/pickup-desk/), used by a clerk in real Chromium."""

import pytest
from saleor.warehouse.models import Stock
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from saleor_o2o.core import ids
from saleor_o2o.visits.try_on import rules
from saleor_o2o.visits.try_on.models import TryOnReservation

from fixtures.try_on import reserve

pytestmark = [pytest.mark.slow]

PASSWORD = "desk-password"


def test_a_clerk_sells_one_hold_and_releases_another(
    browser, live_url, staff_user, permission_manage_orders, try_on_store, variant
):
    staff_user.set_password(PASSWORD)
    staff_user.save()
    staff_user.user_permissions.add(permission_manage_orders)
    sold = reserve(try_on_store, variant, 2, email="buyer@example.com").reservation
    released = reserve(try_on_store, variant, 1, email="browser@example.com")
    released = released.reservation
    browser.get(f"{live_url}/o2o/pickup-desk/")
    browser.execute_script("sessionStorage.clear(); localStorage.clear();")
    browser.get(f"{live_url}/o2o/pickup-desk/")
    browser.find_element(By.ID, "email").send_keys(staff_user.email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login").click()

    def row(reservation):
        gid = ids.global_id("TryOnReservation", reservation.pk)
        found = browser.find_elements(By.CSS_SELECTOR, f'tr[data-try-on-id="{gid}"]')
        return found[0] if found else None

    def wait(condition, message):
        return WebDriverWait(browser, 20).until(lambda _: condition(), message=message)

    first = wait(lambda: row(sold), "held reservation not listed")
    assert "buyer@example.com" in first.text and "2 × Trail shoe" in first.text
    sell = first.find_element(By.CSS_SELECTOR, '[data-action="CONVERTED"]')
    sell.click()
    sell.click()  # Confirmed: paid at the till.
    wait(lambda: row(sold) is None, "sold reservation still listed")
    assert "Sold to buyer@example.com" in browser.find_element(By.ID, "flash").text

    second = row(released)
    release = second.find_element(By.CSS_SELECTOR, '[data-action="RELEASED"]')
    release.click()
    release.click()
    wait(lambda: row(released) is None, "released reservation still listed")

    statuses = dict(TryOnReservation.objects.values_list("pk", "status"))
    assert statuses == {sold.pk: rules.CONVERTED, released.pk: rules.RELEASED}
    stock = Stock.objects.get(warehouse=try_on_store.warehouse, product_variant=variant)
    assert stock.quantity == 1
