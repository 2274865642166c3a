"""The pickup desk page (/o2o/pickup-desk/), used by a clerk in real Chromium."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from saleor_o2o.core import ids
from saleor_o2o.pickup import handover
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.pickup.models import Pickup, PickupStatus

pytestmark = [pytest.mark.slow]

#: Seconds to wait for the page to show an answer.
TIMEOUT = 20
PASSWORD = "desk-password"


class Desk:
    """The page, as a clerk uses it."""

    def __init__(self, driver, url: str):
        self.driver = driver
        driver.get(url)
        driver.execute_script("sessionStorage.clear(); localStorage.clear();")
        driver.get(url)

    def by_id(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def wait(self, condition, message):
        return WebDriverWait(self.driver, TIMEOUT).until(
            lambda _driver: condition(), message=message
        )

    def sign_in(self, email, password=PASSWORD):
        self.by_id("email").send_keys(email)
        self.by_id("password").send_keys(password)
        self.by_id("login").click()

    def row(self, pickup):
        rows = self.driver.find_elements(
            By.CSS_SELECTOR, f'tr[data-pickup-id="{global_id(pickup)}"]'
        )
        return rows[0] if rows else None

    def wait_for_row(self, pickup, status=None):
        def shown():
            row = self.row(pickup)
            if row is None:
                return None
            current = row.find_element(By.CSS_SELECTOR, '[data-role="status"]').text
            return row if status is None or current == status else None

        return self.wait(shown, f"pickup {pickup.pk} not shown as {status}")

    def actions(self, row):
        return [
            button.get_attribute("data-action")
            for button in row.find_elements(By.CSS_SELECTOR, "[data-action]")
        ]

    def click(self, row, action):
        row.find_element(By.CSS_SELECTOR, f'[data-action="{action}"]').click()


def global_id(pickup):
    return ids.global_id("Pickup", pickup.pk)


@pytest.fixture
def clerk(staff_user, permission_manage_orders):
    staff_user.set_password(PASSWORD)
    staff_user.save()
    staff_user.user_permissions.add(permission_manage_orders)
    return staff_user


@pytest.fixture
def desk(browser, live_url):
    return lambda: Desk(browser, f"{live_url}/o2o/pickup-desk/")


def test_a_clerk_prepares_and_hands_over_a_pickup(
    desk, clerk, pickup_factory, o2o_active
):
    pickup = pickup_factory()
    page = desk()
    assert page.driver.title == "Pickup desk"

    page.sign_in(clerk.email)
    row = page.wait_for_row(pickup, "RECEIVED")
    assert page.actions(row) == ["PREPARING", "READY", "CANCELLED"]
    assert f"#{pickup.order.pk}" in row.text and "Trail shoe" in row.text

    page.click(row, "PREPARING")
    row = page.wait_for_row(pickup, "PREPARING")
    page.click(row, "READY")
    row = page.wait_for_row(pickup, "READY")
    assert page.actions(row) == ["CUSTOMER_ARRIVED", "COLLECTED", "CANCELLED"]

    page.click(row, "COLLECTED")
    code_field = row.find_element(By.CSS_SELECTOR, '[data-role="code"]')
    code_field.send_keys("WRONG1")
    row.find_element(By.CSS_SELECTOR, '[data-role="confirm-handover"]').click()
    error = row.find_element(By.CSS_SELECTOR, '[data-role="error"]')
    page.wait(lambda: error.get_attribute("data-code"), "no error shown")
    assert error.get_attribute("data-code") == "INVALID_CODE"
    assert Pickup.objects.get().status == PickupStatus.READY

    code_field.clear()
    code_field.send_keys(pickup.code)
    row.find_element(By.CSS_SELECTOR, '[data-role="collected-by"]').send_keys("Sam")
    row.find_element(By.CSS_SELECTOR, '[data-role="confirm-handover"]').click()
    page.wait(lambda: page.row(pickup) is None, "collected pickup still listed")

    collected = Pickup.objects.get()
    assert collected.status == PickupStatus.COLLECTED
    assert collected.transitions.last().collected_by == "Sam"
    assert collected.transitions.last().user == clerk
    assert "handed over" in page.by_id("flash").text


def test_shopper_text_is_shown_as_text(desk, clerk, pickup_factory, o2o_active):
    pickup = pickup_factory(curbside=True)
    for status in ("ready", "customer_arrived"):
        pickup = pickup_services.pickup_status_update(
            pickup=pickup, status=status, actor=pickup_services.Actor.of(clerk)
        )
    vehicle = "<img src=x onerror=\"document.title='pwned'\">"
    Pickup.objects.filter(pk=pickup.pk).update(arrival_bay="3", arrival_vehicle=vehicle)
    page = desk()

    page.sign_in(clerk.email)
    row = page.wait_for_row(pickup, "CUSTOMER ARRIVED")

    arrival = row.find_element(By.CSS_SELECTOR, '[data-role="arrival"]').text
    assert arrival == f"Bay 3 · {vehicle}"
    assert page.driver.title == "Pickup desk"
    assert not row.find_elements(By.TAG_NAME, "img")


def test_staff_without_manage_orders_see_why(
    desk, staff_user, pickup_factory, o2o_active
):
    staff_user.set_password(PASSWORD)
    staff_user.save()
    pickup_factory()
    page = desk()

    page.sign_in(staff_user.email)

    flash = page.by_id("flash")
    page.wait(lambda: flash.text, "no message shown")
    assert "permission" in flash.text.lower()


def test_wrong_password_is_refused(desk, clerk):
    page = desk()

    page.sign_in(clerk.email, password="not-it")

    error = page.by_id("login-error")
    page.wait(lambda: error.text, "no sign-in error shown")
    assert page.by_id("desk").get_attribute("hidden") is not None


def test_a_clerk_redeems_an_offer_code_once(
    desk, clerk, store, o2o_active, offer, customer_user
):
    from saleor_o2o.core.geo import Point
    from saleor_o2o.offer import claims, shoppers

    claim = claims.offer_claim(
        offer_id=offer.pk,
        shopper=shoppers.Shopper(user=customer_user),
        point=Point(store.latitude, store.longitude),
    )
    page = desk()
    page.sign_in(clerk.email)
    page.wait(lambda: page.by_id("store").get_attribute("value"), "no store chosen")
    result = page.by_id("redeem-result")

    def redeem(code):
        page.by_id("offer-code").clear()
        page.by_id("offer-code").send_keys(code)
        page.by_id("redeem").click()
        page.wait(lambda: result.get_attribute("data-code"), "no answer shown")
        answer = result.get_attribute("data-code"), result.text
        page.driver.execute_script("arguments[0].removeAttribute('data-code')", result)
        return answer

    code, text = redeem(f"o2o:offer:{claim.code}")
    assert code == "REDEEMED" and offer.title in text
    claim.refresh_from_db()
    assert claim.redeemed_store == store and claim.redeemed_by == clerk

    assert redeem(claim.code)[0] == "ALREADY_REDEEMED"


# Store staff -----------------------------------------------------------------------


def store_member(email, store, role, *permissions):
    from saleor.account.models import User

    from saleor_o2o.store.models import StoreMembership

    user = User.objects.create_user(email, PASSWORD, is_staff=True, is_active=True)
    user.user_permissions.add(*permissions)
    StoreMembership.objects.create(user=user, store=store, role=role)
    return user


def test_a_clerk_sees_only_their_store(
    desk, store, store_factory, pickup_factory, o2o_active, permission_manage_orders
):
    lyon = store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")
    at_paris = pickup_factory()
    at_lyon = pickup_factory(in_store=lyon)
    clerk = store_member(
        "clerk@paris.example", store, "clerk", permission_manage_orders
    )
    page = desk()

    page.sign_in(clerk.email)
    page.wait_for_row(at_paris, "RECEIVED")

    options = page.by_id("store").find_elements(By.TAG_NAME, "option")
    assert [option.text for option in options] == [store.name]
    assert page.row(at_lyon) is None


def test_a_manager_releases_a_locked_handover(
    desk, store, pickup_factory, o2o_active, permission_manage_orders
):
    from saleor_o2o.core.errors import O2OError
    from saleor_o2o.pickup.models import PickupAuditKind
    from saleor_o2o.pickup.rules import MAX_CODE_ATTEMPTS

    manager = store_member(
        "manager@paris.example", store, "manager", permission_manage_orders
    )
    pickup = pickup_factory()
    actor = pickup_services.Actor.of(manager)
    pickup_services.pickup_status_update(pickup=pickup, status="ready", actor=actor)
    for _ in range(MAX_CODE_ATTEMPTS):
        with pytest.raises(O2OError):
            handover.pickup_collect(pickup=pickup, code="WRONG0", actor=actor)
    page = desk()

    page.sign_in(manager.email)
    row = page.wait_for_row(pickup, "READY")
    assert "Code locked until" in row.text
    row.find_element(By.CSS_SELECTOR, '[data-role="reason"]').send_keys(
        "Shopper showed ID and the order e-mail"
    )
    row.find_element(By.CSS_SELECTOR, '[data-role="confirm-unlock"]').click()
    page.wait(
        lambda: not page.row(pickup).find_elements(
            By.CSS_SELECTOR, '[data-role="locked"]'
        ),
        "the lock is still shown",
    )

    entry = Pickup.objects.get().transitions.get(kind=PickupAuditKind.CODE_UNLOCKED)
    assert (entry.user, entry.note) == (
        manager,
        "Shopper showed ID and the order e-mail",
    )


def test_an_alternate_collector_is_checked_and_recorded(
    desk, clerk, pickup_factory, o2o_active
):
    pickup = pickup_factory()
    pickup_services.pickup_status_update(
        pickup=pickup, status="ready", actor=pickup_services.Actor.of(clerk)
    )
    handover.pickup_alternate_collector_set(order=pickup.order, name="Alex Martin")
    page = desk()

    page.sign_in(clerk.email)
    row = page.wait_for_row(pickup, "READY")
    shown = row.find_element(By.CSS_SELECTOR, '[data-role="alternate-collector"]')
    assert "Alex Martin" in shown.text

    def hand_over(name):
        row = page.wait_for_row(pickup, "READY")
        page.click(row, "COLLECTED")
        row.find_element(By.CSS_SELECTOR, '[data-role="code"]').send_keys(pickup.code)
        row.find_element(By.CSS_SELECTOR, '[data-role="collected-by"]').send_keys(name)
        row.find_element(By.CSS_SELECTOR, '[data-role="confirm-handover"]').click()
        return row

    row = hand_over("Someone Else")
    error = row.find_element(By.CSS_SELECTOR, '[data-role="error"]')
    page.wait(lambda: error.get_attribute("data-code"), "no error shown")
    assert error.get_attribute("data-code") == "COLLECTOR_NOT_AUTHORISED"
    assert Pickup.objects.get().status == PickupStatus.READY

    page.driver.refresh()
    hand_over("alex  MARTIN")
    page.wait(lambda: page.row(pickup) is None, "collected pickup still listed")
    collected = Pickup.objects.get()
    assert collected.status == PickupStatus.COLLECTED
    kinds = [(t.kind, t.note or t.collected_by) for t in collected.transitions.all()]
    assert ("collector_authorised", "Alex Martin") in kinds
    assert collected.transitions.last().collected_by == "alex  MARTIN"


def test_the_desk_cannot_be_framed(client, db):
    response = client.get("/o2o/pickup-desk/")

    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    page = response.content.decode()
    assert f'<script nonce="{nonce}">' in page
    # The page's own script, and the appointments section's: each with the nonce.
    # The page's own script and its sections' (appointments, try-on): each with
    # the nonce.
    assert page.count("<script") == page.count(f'<script nonce="{nonce}">') == 3
