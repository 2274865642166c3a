"""The GraphQL playground page (GET /graphql/ as text/html), driven in real Chromium.

Uses Debian's ``chromium`` and ``chromium-driver`` (``scripts/ensure-chromium.sh``
installs them) through Selenium, with the driver's path given explicitly so Selenium
Manager never downloads anything. Without the browser the tests are skipped, except
in CI, where they fail.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.contrib.sites.models import Site
from django.db import DEFAULT_DB_ALIAS, connections
from graphql_jwt.shortcuts import get_token
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

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
#: Seconds to wait for a query's answer to show.
RESULT_TIMEOUT = 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason=f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh "
        "(in CI these tests fail instead)",
    ),
]

NEAR_PARIS_QUERY = """{
  stores(near: {latitude: 48.8566, longitude: 2.3522}, radiusKm: 25, first: 5) {
    edges { node { name distanceKm } }
  }
}"""


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module, with a fresh profile of its own."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run scripts/ensure-chromium.sh")
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
def playground(browser, live_server, monkeypatch):
    # Saleor keeps connections open for 10 minutes; the live server's request threads
    # would leave theirs open and block dropping the test database at the end.
    monkeypatch.setitem(connections.databases[DEFAULT_DB_ALIAS], "CONN_MAX_AGE", 0)
    return Playground(browser, f"{live_server.url}/graphql/")


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
