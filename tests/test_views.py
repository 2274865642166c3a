"""The GraphQL playground page (GET /graphql/ as text/html), driven in real Chromium.

Uses Debian's ``chromium`` and ``chromium-driver`` (``scripts/ensure-chromium.sh``
installs them) through Selenium, with the driver's path given explicitly so Selenium
Manager never downloads anything. Without the browser the tests are skipped, except
in CI, where they fail.
"""

import json
from pathlib import Path

import pytest
from django.contrib.sites.models import Site
from graphql_jwt.shortcuts import get_token
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.slow]

#: Seconds to wait for a query's answer to show.
RESULT_TIMEOUT = 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

NEAR_PARIS_QUERY = """{
  stores(near: {latitude: 48.8566, longitude: 2.3522}, radiusKm: 25, first: 5) {
    edges { node { name distanceKm } }
  }
}"""


class Playground:
    """The page's controls, as a person uses them."""

    def __init__(self, driver, url: str):
        self.driver = driver
        driver.get(url)
        # The page remembers the last query and token: start each test from none.
        driver.execute_script("window.localStorage.clear();")
        driver.get(url)

    def element(self, element_id: str):
        return self.driver.find_element(By.ID, element_id)

    def type_into(self, element_id: str, text: str) -> None:
        field = self.element(element_id)
        field.clear()
        if text:
            field.send_keys(text)

    def run(self, query: str, authorization: str = "") -> dict:
        """Type the query (and token), click Run; return the shown result as JSON."""
        self.type_into("query", query)
        self.type_into("variables", "")
        self.type_into("auth", authorization)
        self.element("run").click()
        WebDriverWait(self.driver, RESULT_TIMEOUT).until(
            lambda _driver: self.status.startswith("HTTP ")
            or self.result.startswith("Request failed"),
            message="no result was shown",
        )
        assert self.status.startswith("HTTP 200 "), (self.status, self.result)
        return json.loads(self.result)

    @property
    def status(self) -> str:
        return self.element("status").text

    @property
    def result(self) -> str:
        return self.element("result").get_attribute("textContent")


@pytest.fixture
def playground(browser, live_url):
    return Playground(browser, f"{live_url}/graphql/")


def test_page_runs_a_typed_query(playground, browser, tmp_path):
    assert browser.title == "Saleor GraphQL API (with O2O)"
    run_button = playground.element("run")
    assert run_button.is_displayed()
    assert run_button.text == "Run"

    content = playground.run("{ shop { name } }")

    assert content == {"data": {"shop": {"name": Site.objects.get_current().name}}}
    screenshot = tmp_path / "playground.png"
    assert browser.save_screenshot(str(screenshot))
    data = Path(screenshot).read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > len(PNG_SIGNATURE)


def test_stores_near_paris(playground, o2o_active, store_factory):
    store_factory("Paris Near", 48.8606, 2.3376)
    store_factory("Lyon Far", 45.7640, 4.8357, city="Lyon", postal_code="69001")

    content = playground.run(NEAR_PARIS_QUERY)

    assert "errors" not in content, content
    names = [edge["node"]["name"] for edge in content["data"]["stores"]["edges"]]
    assert names == ["Paris Near"]
    assert content["data"]["stores"]["edges"][0]["node"]["distanceKm"] < 25


def test_authorization_field_is_sent(playground, staff_user):
    content = playground.run("{ me { email } }")
    assert content == {"data": {"me": None}}

    content = playground.run(
        "{ me { email } }", authorization=f"JWT {get_token(staff_user)}"
    )

    assert content == {"data": {"me": {"email": staff_user.email}}}
