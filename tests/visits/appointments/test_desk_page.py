"""The appointment section of the desk page, used by a clerk in real Chromium:
today's list, check-in by typed or scanned code, and by the row's button."""

from datetime import timedelta

import pytest
import pytz
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from saleor_o2o.core import ids
from saleor_o2o.visits.appointments.models import Appointment

pytestmark = [pytest.mark.slow]

TIMEOUT = 20
PASSWORD = "desk-password"


@pytest.fixture
def clerk(staff_user, permission_manage_orders):
    staff_user.set_password(PASSWORD)
    staff_user.save()
    staff_user.user_permissions.add(permission_manage_orders)
    return staff_user


@pytest.fixture(autouse=True)
def _not_at_midnight_in_paris():
    """The visits below are 20 minutes either side of now, on today's list in Paris
    (the store's zone): not around midnight there, when "today" changes."""
    paris = timezone.localtime(timezone.now(), pytz.timezone("Europe/Paris"))
    minutes = paris.hour * 60 + paris.minute
    if minutes < 25 or minutes > 24 * 60 - 10:
        pytest.skip("too close to midnight in Paris for a list of today")


@pytest.fixture
def page(browser, live_url, clerk):
    browser.get(f"{live_url}/o2o/pickup-desk/")
    browser.execute_script("sessionStorage.clear(); localStorage.clear();")
    browser.get(f"{live_url}/o2o/pickup-desk/")
    browser.find_element(By.ID, "email").send_keys(clerk.email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login").click()
    return browser


def wait(driver, condition, message):
    return WebDriverWait(driver, TIMEOUT).until(lambda _d: condition(), message=message)


def row_of(driver, appointment):
    rows = driver.find_elements(
        By.CSS_SELECTOR,
        f'tr[data-appointment-id="{ids.global_id("Appointment", appointment.pk)}"]',
    )
    return rows[0] if rows else None


def status_shown(driver, appointment, status):
    def shown():
        row = row_of(driver, appointment)
        if row is None:
            return None
        text = row.find_element(By.CSS_SELECTOR, '[data-role="status"]').text
        return row if text == status else None

    return wait(driver, shown, f"appointment {appointment.pk} not shown as {status}")


def test_a_clerk_checks_shoppers_in_by_code_by_qr_and_by_row(
    page, appointment_desk_factory, o2o_active
):
    soon = timezone.now() + timedelta(minutes=5)
    typed = appointment_desk_factory(soon, code="ABC234", name="Typed")
    scanned = appointment_desk_factory(soon, code="QRS789", name="Scanned")
    clicked = appointment_desk_factory(soon, code="CLK456", name="Clicked")
    status_shown(page, typed, "BOOKED")
    status_shown(page, clicked, "BOOKED")
    field = page.find_element(By.ID, "appointment-code")
    result = page.find_element(By.ID, "appointment-result")

    field.send_keys("WRONG9")
    page.find_element(By.ID, "appointment-check-in").click()
    wait(page, lambda: result.get_attribute("data-code"), "no answer shown")
    assert result.get_attribute("data-code") == "INVALID_CODE"

    field.clear()
    field.send_keys("abc-234")
    page.find_element(By.ID, "appointment-check-in").click()
    status_shown(page, typed, "CHECKED IN")
    assert result.text == "Checked in: Typed (Fitting)"
    assert field.get_attribute("value") == ""

    # A scanner types the QR code's text into the same field, then Enter.
    field.send_keys("o2o:appointment:QRS789\n")
    status_shown(page, scanned, "CHECKED IN")

    row = status_shown(page, clicked, "BOOKED")
    assert [
        b.get_attribute("data-action")
        for b in row.find_elements(By.CSS_SELECTOR, "[data-action]")
    ] == [
        "CHECKED_IN"
    ]  # No "did not come" before the grace period.
    row.find_element(By.CSS_SELECTOR, '[data-action="CHECKED_IN"]').click()
    status_shown(page, clicked, "CHECKED IN")

    assert set(Appointment.objects.values_list("status", flat=True)) == {"checked_in"}


def test_a_clerk_marks_a_no_show_after_the_grace_period(
    page, appointment_desk_factory, o2o_active
):
    missed = appointment_desk_factory(
        timezone.now() - timedelta(minutes=20), name="Late"
    )
    row = status_shown(page, missed, "BOOKED")

    row.find_element(By.CSS_SELECTOR, '[data-action="NO_SHOW"]').click()

    row = status_shown(page, missed, "NO SHOW")
    missed.refresh_from_db()
    assert missed.status == "no_show"
    # The shopper turns up after all: the desk checks them in.
    row.find_element(By.CSS_SELECTOR, '[data-action="CHECKED_IN"]').click()
    status_shown(page, missed, "CHECKED IN")
