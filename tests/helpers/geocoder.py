"""A fake geocoding server: Nominatim's /search API on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List
from urllib.parse import parse_qs, urlparse

from saleor_o2o.core import settings as conf


class FakeGeocoder:
    """A local HTTP server answering Nominatim's /search API from a dict of places."""

    def __init__(self):
        self.places: Dict[str, tuple] = {}
        self.requests: List[dict] = []
        #: Status codes to answer with, one per request, before answering normally.
        self.failures: List[int] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append(
                    {"path": url.path, "params": params, "headers": dict(self.headers)}
                )
                if fake.failures:
                    self.send_response(fake.failures.pop(0))
                    self.end_headers()
                    return
                found = [
                    place
                    for query, place in fake.places.items()
                    if query.lower() in params.get("q", "").lower()
                ]
                body = [
                    {
                        "lat": str(lat),
                        "lon": str(lng),
                        "display_name": label,
                        "place_id": index,
                    }
                    for index, (lat, lng, label) in enumerate(found[:1])
                ]
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    @property
    def domain(self) -> str:
        return "127.0.0.1:%d" % self.server.server_address[1]

    def add(self, query: str, latitude: float, longitude: float, label: str = ""):
        self.places[query] = (latitude, longitude, label or query)

    def settings(self) -> conf.GeocoderSettings:
        return conf.GeocoderSettings(
            provider="nominatim",
            user_agent="saleor-o2o-tests",
            domain=self.domain,
            scheme="http",
            timeout_seconds=2,
        )
