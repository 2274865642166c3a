"""A webhook receiver for the tests: an HTTP server on 127.0.0.1 recording each POST.

It checks each request's ``X-Saleor-HMAC-SHA256`` signature as a subscriber would,
with the extension's own `signature_valid`; the tests that check the signing itself
compare the headers with Saleor's `create_webhook_headers`.
"""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional

from saleor_o2o.webhook.delivery import (
    ATTEMPT_HEADER,
    IDEMPOTENCY_HEADER,
    signature_valid,
)


class WebhookReceiver:
    """An HTTP endpoint on 127.0.0.1 that checks signatures and records every POST.

    ``answer`` is the status it replies with (503 plays a receiver that is down);
    each request waits ``delay`` seconds before it is answered (a slow receiver);
    ``hang`` requests in a row wait, unanswered, until `release`. `close` stops
    listening altogether (connection refused) and `open` listens again on the same
    port. Each request is kept as a dict: its ``headers``, ``path``, ``raw_body``
    and ``body`` (parsed), ``data`` (the body's single event), the O2O ``key``,
    ``attempt``, ``event`` and ``domain`` headers, its ``signature`` and whether it
    was ``verified``, the ``status`` it was to be answered with, and ``at``,
    ``answered_at`` (``time.monotonic``) and ``answered`` (the status it got, None
    while unanswered).
    """

    def __init__(self, secret: str = "receiver-secret", *, path: str = "/hooks"):
        self.secret = secret
        self.path = path
        self.answer = 200
        self.delay = 0.0
        self.hang = 0
        self.hanging = threading.Event()
        self.released = threading.Event()
        self.requests: List[Dict] = []
        self.lock = threading.Lock()
        self.port = 0
        self.server: Optional[ThreadingHTTPServer] = None
        self.open()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        """Record one request and answer it (or not, while hanging)."""
        headers = handler.headers
        raw_body = handler.rfile.read(int(headers.get("Content-Length") or 0))
        body = json.loads(raw_body)
        signature = headers.get("X-Saleor-HMAC-SHA256", "")
        request = {
            "headers": dict(headers),
            "path": handler.path,
            "raw_body": raw_body,
            "body": body,
            "data": body[0] if isinstance(body, list) and len(body) == 1 else None,
            "key": headers.get(IDEMPOTENCY_HEADER),
            "attempt": int(headers.get(ATTEMPT_HEADER, "0")),
            "event": headers.get("X-Saleor-Event"),
            "domain": headers.get("X-Saleor-Domain"),
            "signature": signature,
            "verified": signature_valid(raw_body, self.secret, signature),
            "status": None,
            "at": time.monotonic(),
            "answered": None,
            "answered_at": None,
        }
        with self.lock:
            self.requests.append(request)
            hang = self.hang > 0
            self.hang -= hang
            request["status"] = status = self.answer
        if hang:
            self.hanging.set()
            self.released.wait(60)
            return  # Never answered: the sender is gone by then.
        if self.delay:
            time.sleep(self.delay)
        reply = b"ok" if status < 300 else b"unavailable"
        request["answered_at"] = time.monotonic()
        request["answered"] = status
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(reply)))
        handler.end_headers()
        handler.wfile.write(reply)

    def open(self) -> None:
        """Listen (again, on the same port once it has one)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                receiver.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        ).start()

    def close(self) -> None:
        """Stop listening: connections are refused until `open`."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def release(self) -> None:
        """Let the hanging requests go, unanswered."""
        self.released.set()

    def snapshot(self) -> List[Dict]:
        """Return the requests so far (a copy, safe while others arrive)."""
        with self.lock:
            return list(self.requests)

    def accepted(self) -> List[Dict]:
        """Return the requests answered with a 2xx."""
        return [r for r in self.snapshot() if r["answered"] in range(200, 300)]

    def accepted_keys(self) -> Counter:
        """Count the accepted requests by idempotency key."""
        return Counter(r["key"] for r in self.accepted())


def webhook_of(app, url: str = "http://127.0.0.1:9/hooks"):
    """Return a new Saleor webhook of `app`, subscribed to nothing."""
    from saleor.webhook.models import Webhook

    return Webhook.objects.create(app=app, target_url=url, secret_key="s")
