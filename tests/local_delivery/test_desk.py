"""Deliveries on the desk page (/o2o/pickup-desk/), beside pickups, in real Chromium:
a clerk prepares them, hands them to a courier and records the handover, in their
own stores only."""

import pytest
from django.contrib.auth.models import Permission
from saleor.account.models import User
from saleor.order import OrderStatus
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from saleor_o2o.core import ids
from saleor_o2o.core.actors import Actor
from saleor_o2o.local_delivery import rules as lc
from saleor_o2o.local_delivery.models import LocalDelivery
from saleor_o2o.store.models import StoreMembership

from helpers.deliveries import move

pytestmark = [pytest.mark.slow]

TIMEOUT = 20
PASSWORD = "desk-password"


class Desk:
    """The page, as a clerk uses it for deliveries."""

    def __init__(self, driver, url: str):
        self.driver = driver
        driver.get(url)
        driver.execute_script("sessionStorage.clear(); localStorage.clear();")
        driver.get(url)

    def wait(self, condition, message):
        return WebDriverWait(self.driver, TIMEOUT).until(
            lambda _driver: condition(), message=message
        )

    def sign_in(self, email):
        self.driver.find_element(By.ID, "email").send_keys(email)
        self.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        self.driver.find_element(By.ID, "login").click()

    def row(self, delivery):
        found = self.driver.find_elements(
            By.CSS_SELECTOR,
            f'tr[data-delivery-id="{ids.global_id("LocalDelivery", delivery.pk)}"]',
        )
        return found[0] if found else None

    def wait_for_row(self, delivery, status):
        def shown():
            row = self.row(delivery)
            if row is None:
                return None
            current = row.find_element(By.CSS_SELECTOR, '[data-role="status"]').text
            return row if current == status else None

        return self.wait(shown, f"delivery {delivery.pk} not shown as {status}")

    def actions(self, row):
        return [
            button.get_attribute("data-action")
            for button in row.find_elements(By.CSS_SELECTOR, "[data-action]")
        ]

    def click(self, row, action):
        row.find_element(By.CSS_SELECTOR, f'[data-action="{action}"]').click()

    def error_code(self, row):
        error = row.find_element(By.CSS_SELECTOR, '[data-role="error"]')
        self.wait(lambda: error.get_attribute("data-code"), "no error shown")
        return error.get_attribute("data-code")


def member(email, store, role="clerk"):
    user = User.objects.create_user(email, PASSWORD, is_staff=True, is_active=True)
    user.user_permissions.add(
        Permission.objects.get(
            codename="manage_orders", content_type__app_label="order"
        )
    )
    StoreMembership.objects.create(user=user, store=store, role=role)
    return user


@pytest.fixture
def desk(browser, live_url):
    return lambda: Desk(browser, f"{live_url}/o2o/pickup-desk/")


def test_a_clerk_sends_a_delivery_out_and_records_the_handover(
    desk, store, local_delivery_factory, o2o_active
):
    clerk = member("clerk@paris.example", store)
    delivery = local_delivery_factory()
    page = desk()

    page.sign_in(clerk.email)
    row = page.wait_for_row(delivery, "RECEIVED")
    assert page.actions(row) == ["PREPARING", "CANCELLED"]
    assert f"#{delivery.order.pk}" in row.text and "Trail shoe" in row.text
    assert row.find_element(By.CSS_SELECTOR, '[data-role="window"]').text

    page.click(row, "PREPARING")
    row = page.wait_for_row(delivery, "PREPARING")
    page.click(row, "OUT_FOR_DELIVERY")
    row.find_element(By.CSS_SELECTOR, '[data-role="confirm-dispatch"]').click()
    assert page.error_code(row) == "REQUIRED"
    row.find_element(By.CSS_SELECTOR, 'input[data-role="courier"]').send_keys("Lou")
    row.find_element(By.CSS_SELECTOR, '[data-role="confirm-dispatch"]').click()
    row = page.wait_for_row(delivery, "OUT FOR DELIVERY")
    assert "Lou" in row.text and "Attempts: 1" in row.text
    assert page.actions(row) == ["DELIVERED", "FAILED_ATTEMPT"]

    page.click(row, "DELIVERED")
    code = row.find_element(By.CSS_SELECTOR, '[data-role="delivery-code"]')
    code.send_keys("WRONG1")
    row.find_element(By.CSS_SELECTOR, '[data-role="confirm-deliver"]').click()
    assert page.error_code(row) == "INVALID_CODE"
    assert LocalDelivery.objects.get().status == lc.OUT_FOR_DELIVERY

    code.clear()
    code.send_keys(delivery.code)
    row.find_element(By.CSS_SELECTOR, '[data-role="confirm-deliver"]').click()
    page.wait(lambda: page.row(delivery) is None, "delivered delivery still listed")

    delivered = LocalDelivery.objects.get()
    assert delivered.status == lc.DELIVERED
    assert delivered.order.status == OrderStatus.FULFILLED
    assert [t.user for t in delivered.transitions.all()[1:]] == [clerk] * 3


def test_a_failed_attempt_goes_back_to_the_store(
    desk, store, local_delivery_factory, o2o_active
):
    clerk = member("clerk@paris.example", store)
    delivery = move(
        local_delivery_factory(),
        lc.PREPARING,
        lc.OUT_FOR_DELIVERY,
        lc.FAILED_ATTEMPT,
        actor=Actor.of(clerk),
    )
    page = desk()

    page.sign_in(clerk.email)
    row = page.wait_for_row(delivery, "FAILED ATTEMPT")
    assert page.actions(row) == ["OUT_FOR_DELIVERY", "RETURNED_TO_STORE"]
    page.click(row, "RETURNED_TO_STORE")  # Armed, not yet moved.
    assert LocalDelivery.objects.get().status == lc.FAILED_ATTEMPT
    page.click(row, "RETURNED_TO_STORE")
    page.wait(lambda: page.row(delivery) is None, "returned delivery still listed")

    returned = LocalDelivery.objects.get()
    assert returned.status == lc.RETURNED_TO_STORE
    assert returned.order.status == OrderStatus.CANCELED


def test_a_clerk_of_one_store_never_sees_anothers_deliveries(
    desk, store, store_factory, local_delivery_factory, pickup_factory, o2o_active
):
    lyon = store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")
    at_paris = local_delivery_factory()
    at_lyon = local_delivery_factory(from_store=lyon)
    pickup_at_paris = pickup_factory()
    clerk = member("clerk@paris.example", store)
    page = desk()

    page.sign_in(clerk.email)
    page.wait_for_row(at_paris, "RECEIVED")

    options = page.driver.find_elements(By.CSS_SELECTOR, "#store option")
    assert [option.text for option in options] == [store.name]
    assert page.row(at_lyon) is None
    # Pickups are still there, beside the deliveries.
    pickup_id = ids.global_id("Pickup", pickup_at_paris.pk)
    assert page.driver.find_elements(
        By.CSS_SELECTOR, f'tr[data-pickup-id="{pickup_id}"]'
    )


def test_courier_text_is_shown_as_text(desk, store, local_delivery_factory, o2o_active):
    clerk = member("clerk@paris.example", store)
    courier = "<img src=x onerror=\"document.title='pwned'\">"
    delivery = move(
        local_delivery_factory(),
        lc.PREPARING,
        lc.OUT_FOR_DELIVERY,
        actor=Actor.of(clerk),
        courier=courier,
    )
    page = desk()

    page.sign_in(clerk.email)
    row = page.wait_for_row(delivery, "OUT FOR DELIVERY")

    shown = row.find_element(By.CSS_SELECTOR, '[data-role="carrier"]').text
    assert shown == courier
    assert page.driver.title == "Pickup desk"
    assert not row.find_elements(By.TAG_NAME, "img")
