"""GET /graphql/: the page's assets, its Content Security Policy, and no database.

The page is rendered in the process that forks uwsgi's workers, so these tests have
no database (pytest-django refuses any query). The page itself is driven in Chromium
in tests/test_playground_page.py.
"""

import json
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from saleor_o2o import playground
from saleor_o2o.urls import graphql_view


def get_page(settings, assets_url="unset"):
    if assets_url != "unset":
        settings.O2O_GRAPHIQL_ASSETS_URL = assets_url
    response = graphql_view(RequestFactory().get("/graphql/"))
    assert response.status_code == 200
    return response, response.content.decode()


def page_assets(page: str):
    found = re.search(
        r'<script id="graphiql-assets" type="application/json">(.*?)</script>', page
    )
    return json.loads(found.group(1))


def nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


def test_the_page_loads_pinned_graphiql_from_the_cdn_by_default(settings):
    del settings.O2O_GRAPHIQL_ASSETS_URL  # The default.

    response, page = get_page(settings)

    assets = page_assets(page)
    assert [asset["url"] for asset in assets] == [
        "https://cdn.jsdelivr.net/npm/react@18.3.1/umd/react.production.min.js",
        "https://cdn.jsdelivr.net/npm/react-dom@18.3.1/umd/react-dom.production.min.js",
        "https://cdn.jsdelivr.net/npm/graphiql@3.8.3/graphiql.min.js",
        "https://cdn.jsdelivr.net/npm/graphiql@3.8.3/graphiql.min.css",
    ]
    assert all(asset["integrity"].startswith("sha384-") for asset in assets)
    assert 'data-graphiql="loading"' in page
    policy = response["Content-Security-Policy"]
    assert "script-src 'nonce-%s' https://cdn.jsdelivr.net;" % nonce_of(response) in (
        policy
    )
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_the_page_runs_only_scripts_with_its_nonce(settings):
    response, page = get_page(settings)

    nonce = nonce_of(response)
    assert page.count(f'nonce="{nonce}"') == 2  # Its style and its script.
    assert len(nonce) >= 22
    assert nonce_of(get_page(settings)[0]) != nonce  # A new one each time.
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


def test_assets_from_a_mirror_on_this_site(settings):
    response, page = get_page(settings, "/static/graphiql")

    assert page_assets(page)[0]["url"] == (
        "/static/graphiql/react@18.3.1/umd/react.production.min.js"
    )
    assert "script-src 'nonce-%s' 'self';" % nonce_of(response) in (
        response["Content-Security-Policy"]
    )


def test_credentials_in_the_assets_url_stay_out_of_the_policy(settings):
    response, _page = get_page(settings, "https://user:secret@mirror.example:8443/npm/")

    policy = response["Content-Security-Policy"]
    assert "https://mirror.example:8443;" in policy
    assert "secret" not in policy


@pytest.mark.parametrize("assets_url", [None, ""])
def test_no_assets_url_serves_the_simple_editor_alone(settings, assets_url):
    response, page = get_page(settings, assets_url)

    assert page_assets(page) is None
    assert 'data-graphiql="off"' in page
    assert 'id="run"' in page
    nonce = nonce_of(response)
    assert f"script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}';" in (
        response["Content-Security-Policy"]
    )


@pytest.mark.parametrize(
    "assets_url", ["ftp://mirror.example/", "cdn.example/npm", "//cdn.example/", 42]
)
def test_an_assets_url_that_is_no_http_url_or_path_is_refused(settings, assets_url):
    settings.O2O_GRAPHIQL_ASSETS_URL = assets_url
    with pytest.raises(ImproperlyConfigured, match="O2O_GRAPHIQL_ASSETS_URL"):
        playground.graphiql_assets_url()
