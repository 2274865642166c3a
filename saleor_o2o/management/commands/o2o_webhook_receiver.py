"""A webhook receiver for trying O2O events locally: prints each verified event."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand

from saleor_o2o.webhook.delivery import IDEMPOTENCY_HEADER, signature_valid


class Command(BaseCommand):
    help = (
        "Listen for webhooks on 127.0.0.1 and print each event with whether its "
        "signature is valid. For trying the O2O webhooks; not for production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--secret", default="demo-secret", help="The webhook's secret key."
        )

    def handle(self, *args, port, secret, **options):
        out = self.stdout
        seen = set()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                valid = signature_valid(
                    body, secret, self.headers.get("X-Saleor-HMAC-SHA256", "")
                )
                key = self.headers.get(IDEMPOTENCY_HEADER, "")
                self.send_response(200 if valid else 401)
                self.end_headers()
                try:
                    data = json.loads(body)[0]
                except (ValueError, IndexError, KeyError, TypeError):
                    data = {}
                repeat = " (repeat)" if key and key in seen else ""
                seen.add(key)
                out.write(
                    f"{'signature ok' if valid else 'BAD SIGNATURE'}  "
                    f"{self.headers.get('X-Saleor-Event')}  "
                    f"{data.get('type', '')} {data.get('id', '')} "
                    f"status={data.get('status', '-')}  key={key}{repeat}"
                )
                out.flush()

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        out.write(f"Listening on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        out.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
