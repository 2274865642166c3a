"""The GraphQL playground page (GET /graphql/ as text/html), driven in real Chromium.

Uses Debian's ``chromium`` and ``chromium-driver`` (``scripts/ensure-chromium.sh``
installs them) through Selenium, with the driver's path given explicitly so Selenium
Manager never downloads anything. Without the browser the tests are skipped, except
in CI, where they fail.

The page loads GraphiQL from ``O2O_GRAPHIQL_ASSETS_URL`` and keeps its simple editor
where it cannot. Nothing is loaded from the internet here: the simple editor is tested
with the assets at an address where nothing listens, GraphiQL's path with stand-ins
for React, ReactDOM and GraphiQL served from 127.0.0.1 under the pinned paths, with
Subresource Integrity hashes of their own.
"""

import base64
import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List

import pytest
from django.contrib.sites.models import Site
from graphql_jwt.shortcuts import get_token
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from saleor_o2o import playground as graphiql_page

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

    def wait_for_graphiql(self) -> str:
        """Wait until the page has taken GraphiQL or kept its simple editor."""
        WebDriverWait(self.driver, RESULT_TIMEOUT).until(
            lambda _driver: self.graphiql != "loading",
            message="GraphiQL neither loaded nor failed",
        )
        return self.graphiql

    @property
    def graphiql(self) -> str:
        return self.driver.execute_script("return document.body.dataset.graphiql;")

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


def closed_port() -> int:
    """Return a port of 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def playground(browser, live_url, settings):
    """The page where GraphiQL cannot be loaded: its simple editor."""
    settings.O2O_GRAPHIQL_ASSETS_URL = f"http://127.0.0.1:{closed_port()}/npm/"
    page = Playground(browser, f"{live_url}/graphql/")
    assert page.wait_for_graphiql() == "failed"
    return page


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


def test_the_simple_editor_says_graphiql_could_not_be_loaded(playground):
    state = playground.element("graphiql-state")
    assert state.is_displayed()
    assert state.text.startswith("GraphiQL could not be loaded")
    assert not playground.element("graphiql").is_displayed()

    content = playground.run("{ shop { name } }")

    assert content == {"data": {"shop": {"name": Site.objects.get_current().name}}}


# GraphiQL's path, with stand-ins ---------------------------------------------------

#: Stand-ins defining the globals the page uses, and recording what it hands them.
STAND_INS = {
    "react.production.min.js": (
        "window.React = { createElement: (type, props, ...children) =>"
        " ({ type, props: Object.assign({}, props, { children }) }) };"
    ),
    "react-dom.production.min.js": (
        "window.ReactDOM = { createRoot: (container) => ({ render: (element) => {"
        " window.renderedGraphiQL = { element, container: container.id };"
        " container.textContent = 'GraphiQL stand-in'; } }) };"
    ),
    "graphiql.min.js": (
        "window.GraphiQL = function GraphiQL() {};"
        " window.GraphiQL.Logo = function Logo() {};"
    ),
    "graphiql.min.css": "#graphiql { border-top: 3px solid rgb(225, 0, 152); }",
}


def integrity(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


class FakeAssets:
    """A local HTTP server serving the stand-ins under the pinned assets' paths."""

    def __init__(self):
        self.files: Dict[str, bytes] = {
            "/npm/" + asset.path: STAND_INS[asset.path.rsplit("/", 1)[1]].encode()
            for asset in graphiql_page.ASSETS
        }
        self.requests: List[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests.append({"path": self.path, "headers": dict(self.headers)})
                body = fake.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                kind = "text/css" if self.path.endswith(".css") else "text/javascript"
                self.send_header("Content-Type", kind)
                # Integrity is checked on cross-origin files only with CORS.
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(body or b"")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d/npm/" % self.server.server_address[1]

    def pinned(self) -> tuple:
        """The assets as pinned, with the stand-ins' hashes instead of the real ones."""
        return tuple(
            graphiql_page.Asset(
                asset.path, integrity(self.files["/npm/" + asset.path]), asset.kind
            )
            for asset in graphiql_page.ASSETS
        )

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_assets(settings, monkeypatch):
    fake = FakeAssets()
    settings.O2O_GRAPHIQL_ASSETS_URL = fake.url
    monkeypatch.setattr(graphiql_page, "ASSETS", fake.pinned())
    yield fake
    fake.close()


def fetch_through_graphiql(driver, query: str, headers=None) -> dict:
    """Call the fetcher the page handed GraphiQL, as GraphiQL calls it."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const fetcher = window.renderedGraphiQL.element.props.fetcher;"
        "fetcher({ query: arguments[0] }, { headers: arguments[1] })"
        "  .then(done, (error) => done({ rejected: String(error) }));",
        query,
        headers or {},
    )


def test_graphiql_is_given_a_fetcher_posting_to_the_api(
    browser, live_url, fake_assets, staff_user
):
    page = Playground(browser, f"{live_url}/graphql/")

    assert page.wait_for_graphiql() == "ready"
    assert page.element("graphiql").text == "GraphiQL stand-in"
    assert not page.element("simple").is_displayed()
    assert browser.execute_script(
        "const element = window.renderedGraphiQL.element;"
        "return element.type === window.GraphiQL"
        " && element.props.children[0].type === window.GraphiQL.Logo;"
    )
    rendered = browser.execute_script("return window.renderedGraphiQL;")
    assert rendered["container"] == "graphiql"
    assert "stores(near:" in rendered["element"]["props"]["defaultQuery"]
    style = browser.execute_script(
        "return getComputedStyle(document.getElementById('graphiql')).borderTopColor;"
    )
    assert style == "rgb(225, 0, 152)"  # The stylesheet was applied.
    assert {request["path"] for request in fake_assets.requests} == set(
        fake_assets.files
    )
    assert all(request["headers"].get("Origin") for request in fake_assets.requests)

    assert fetch_through_graphiql(browser, "{ shop { name } }") == {
        "data": {"shop": {"name": Site.objects.get_current().name}}
    }
    token = get_token(staff_user)
    assert fetch_through_graphiql(
        browser, "{ me { email } }", {"Authorization": f"JWT {token}"}
    ) == {"data": {"me": {"email": staff_user.email}}}


def test_graphiql_starts_with_the_simple_editors_token(browser, live_url, fake_assets):
    page = Playground(browser, f"{live_url}/graphql/")
    browser.execute_script(
        "localStorage.setItem('o2o-playground-auth', 'Bearer app-token');"
    )
    browser.refresh()

    assert page.wait_for_graphiql() == "ready"
    headers = browser.execute_script(
        "return window.renderedGraphiQL.element.props.defaultHeaders;"
    )
    assert json.loads(headers) == {"Authorization": "Bearer app-token"}


def test_an_asset_that_fails_its_integrity_check_keeps_the_simple_editor(
    browser, live_url, fake_assets
):
    react = next(path for path in fake_assets.files if "/react@" in path)
    fake_assets.files[react] += b" window.tampered = true;"
    page = Playground(browser, f"{live_url}/graphql/")

    assert page.wait_for_graphiql() == "failed"
    assert browser.execute_script("return window.tampered;") is None
    assert browser.execute_script("return window.renderedGraphiQL;") is None
    assert page.element("simple").is_displayed()
    # GraphiQL's stylesheet, loaded, is taken off again.
    assert not browser.find_elements(By.CSS_SELECTOR, "link[rel=stylesheet]")
    assert page.run("{ shop { name } }") == {
        "data": {"shop": {"name": Site.objects.get_current().name}}
    }
