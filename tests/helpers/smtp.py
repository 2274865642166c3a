"""A mail server for the tests: SMTP on 127.0.0.1, keeping every message it takes."""

import asyncore
import email
import smtpd
import threading
from email.message import Message
from typing import List


class SmtpReceiver(smtpd.SMTPServer):
    """An SMTP server on a free port of 127.0.0.1, run in a thread until `close`.

    ``messages`` holds each message received, parsed, with ``X-Rcpt-To`` set to the
    envelope's recipients.
    """

    def __init__(self):
        self._map: dict = {}
        self.messages: List[Message] = []
        self._stop = threading.Event()
        super().__init__(("127.0.0.1", 0), None, map=self._map, decode_data=False)
        self.port = self.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            asyncore.loop(timeout=0.05, count=1, map=self._map)

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        message = email.message_from_bytes(data)
        message["X-Rcpt-To"] = ", ".join(rcpttos)
        self.messages.append(message)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        super().close()
        for channel in list(self._map.values()):
            channel.close()


def text_of(message: Message) -> str:
    """Return the plain text part of a received message."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset())
    return ""
