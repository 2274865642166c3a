"""The page GET /graphql/ serves: GraphiQL when its assets load, a simple editor if not.

GraphiQL, React and ReactDOM are not shipped with the extension: the browser loads
them from ``O2O_GRAPHIQL_ASSETS_URL`` (a public CDN that serves npm packages by
default), each pinned to one version and checked against its Subresource Integrity
hash, so a CDN serving other bytes is refused. Where they cannot be loaded (offline,
blocked, tampered with), the page keeps its own editor: a text box and a Run button.

Nothing here touches the database: the page is rendered in the process that forks
uwsgi's workers (see `saleor_o2o.views.O2OGraphQLView.render_playground`).
"""

from dataclasses import dataclass
from typing import List, Optional
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: Where the assets are loaded from: a URL (or a path on this site) under which each
#: asset's `Asset.path` is served, as npm CDNs serve packages ("<name>@<version>/
#: <file>"). A mirror of the same files elsewhere works as well; None or "" keeps
#: the simple editor and loads nothing.
DEFAULT_GRAPHIQL_ASSETS_URL = "https://cdn.jsdelivr.net/npm/"


@dataclass(frozen=True)
class Asset:
    #: The file under the assets URL: "<package>@<version>/<file in the package>".
    path: str
    #: Subresource Integrity of the file as the npm package ships it.
    integrity: str
    #: "script" or "style".
    kind: str


# GraphiQL 3 is the last major version with a build for <script> tags; it runs on
# React 18, the last React with one. The hashes are of the files in the packages'
# npm tarballs, which the CDNs serve unchanged.
ASSETS = (
    Asset(
        "react@18.3.1/umd/react.production.min.js",
        "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
        "script",
    ),
    Asset(
        "react-dom@18.3.1/umd/react-dom.production.min.js",
        "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
        "script",
    ),
    Asset(
        "graphiql@3.8.3/graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
        "script",
    ),
    Asset(
        "graphiql@3.8.3/graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
        "style",
    ),
)


def graphiql_assets_url() -> Optional[str]:
    """Return the setting ``O2O_GRAPHIQL_ASSETS_URL`` ending in "/", or None if off."""
    name = "O2O_GRAPHIQL_ASSETS_URL"
    value = getattr(settings, name, DEFAULT_GRAPHIQL_ASSETS_URL)
    if value in (None, ""):
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    absolute = parts is not None and parts.scheme in ("http", "https") and parts.netloc
    on_this_site = parts is not None and not parts.scheme and value.startswith("/")
    if not (absolute or on_this_site) or value.startswith("//"):
        raise ImproperlyConfigured(
            f"{name} must be an http(s) URL, a path on this site starting with '/', "
            f"or None; got {value!r}."
        )
    return value if value.endswith("/") else value + "/"


def page_assets(base_url: str) -> List[dict]:
    """Return what the page's script loads: each asset's URL, integrity and kind."""
    return [
        {"url": base_url + asset.path, "integrity": asset.integrity, "kind": asset.kind}
        for asset in ASSETS
    ]


def content_security_policy(*, nonce: str, assets_url: Optional[str]) -> str:
    """Return the page's CSP: its own script and style, and the assets' origin.

    GraphiQL 3 runs under it (checked in Chromium with the real files): its fonts
    are data: URLs, and the one thing refused is the style element its dialogs add
    to keep the page from scrolling behind them, which this full-window page never
    does anyway.
    """
    if assets_url is None:
        source = ""
    elif assets_url.startswith("/"):
        source = " 'self'"
    else:
        parts = urlsplit(assets_url)
        host = parts.netloc.rpartition("@")[2]  # No credentials in a CSP source.
        source = f" {parts.scheme}://{host}"
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'{source}; "
        f"style-src 'nonce-{nonce}'{source}; font-src data:; "
        f"img-src 'self' data:{source}; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
