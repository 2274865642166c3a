"""The demo's webhook receiver: a real process, fed signed and unsigned requests."""

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from saleor.plugins.webhook import create_webhook_headers

from saleor_o2o.webhook.delivery import IDEMPOTENCY_HEADER

from helpers.servers import free_port

pytestmark = [pytest.mark.slow]


@pytest.fixture
def receiver(tmp_path, db):
    port = free_port()
    admin = Path(sys.executable).with_name("django-admin")
    process = subprocess.Popen(
        [str(admin), "o2o_webhook_receiver", "--port", str(port), "--secret", "s3"],
        cwd=tmp_path,  # Never the checkout's root: its graphql/ folder.
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "saleor_o2o.sandbox.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert "Listening on" in line, line
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def post(port, body: bytes, headers) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_receiver_checks_signatures_and_notices_repeats(receiver):
    port, process = receiver
    body = b'[{"type": "Pickup", "id": "UGlja3VwOjE=", "status": "READY"}]'
    signed = {
        **create_webhook_headers("pickup_ready", body.decode(), "s3"),
        IDEMPOTENCY_HEADER: "key-1",
    }

    assert post(port, body, signed) == 200
    assert post(port, body, signed) == 200
    assert post(port, body, {**signed, "X-Saleor-HMAC-SHA256": "sha1=00"}) == 401

    lines = [process.stdout.readline().strip() for _ in range(3)]
    assert lines[0].startswith("signature ok  pickup_ready  Pickup UGlja3VwOjE=")
    assert "status=READY" in lines[0] and lines[0].endswith("key=key-1")
    assert lines[1].endswith("(repeat)")
    assert lines[2].startswith("BAD SIGNATURE")
    assert process.poll() is None  # Still serving.
