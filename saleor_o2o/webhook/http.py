"""The HTTP side of O2O webhooks: who may be contacted, and what a failure was.

Subscribing checks a target's address once (`target_check`); sending checks it
again on every new connection, after resolving the host name, and connects only to
the addresses it checked (`session`), so a name that changes its answer between the
check and the connection (DNS rebinding) reaches nothing private either. Proxies
from the environment are not used: a proxy would hide the destination's address
from the check. Failures are recorded as a class of error (`error_class`), never as
what the receiver said.
"""

import socket
import ssl
from typing import Iterator, List, Optional

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import allowed_gai_family, create_connection

from saleor_o2o.core.errors import InvalidInput, O2OError
from saleor_o2o.core.settings import webhook_deployment
from saleor_o2o.webhook import targets
from saleor_o2o.webhook.policy import AttemptError

#: Django setting: let webhooks reach loopback, private and other non-public
#: addresses (a demo, tests, a receiver inside the shop's own network).
#: At most this much of an answer is read (and dropped) to keep the connection.
_DRAIN_BYTES = 64 * 1024


def private_targets_allowed() -> bool:
    return webhook_deployment().allow_private_targets


class NonPublicTarget(Exception):
    """A webhook's host resolved to an address O2O events may not be sent to."""

    def __init__(self, host: str, addresses: List[str]):
        super().__init__(f"{host} resolves to a non-public address.")
        self.host = host
        self.addresses = addresses


class PrivateTarget(O2OError):
    """Subscribing a webhook whose target is on a non-public address."""

    code = "PRIVATE_TARGET"


def _addresses(host: str, port: int) -> List[str]:
    """Resolve ``host`` as the connection will (raises `socket.gaierror`)."""
    infos = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
    return list(dict.fromkeys(sockaddr[0] for *_, sockaddr in infos))


def target_check(url: str, *, field: str) -> None:
    """Refuse, with a typed error, a target URL that cannot receive O2O events.

    Only http(s) URLs can; unless `private_targets_allowed`, only those whose host
    is, or resolves only to, public addresses. A host name that does not resolve
    now is accepted: it is checked again at each send.
    """
    target = targets.http_target(url)
    if target is None:
        raise InvalidInput(
            "Only http:// and https:// target URLs can receive O2O events.",
            field=field,
        )
    if private_targets_allowed():
        return
    host, port = target
    try:
        addresses = _addresses(host, port)
    except (socket.gaierror, UnicodeError):
        return
    if not all(targets.is_public_address(address) for address in addresses):
        raise PrivateTarget(
            f"The webhook's target {host} is on a loopback, private, link-local or "
            "other non-public address: O2O events are sent to public addresses only.",
            field=field,
        )


class _PublicOnlyConnection(HTTPConnection):
    """A connection that resolves its host, checks every address, then uses them."""

    def _new_conn(self):
        host = self._dns_host.strip("[]")
        try:
            addresses = _addresses(host, self.port)
        except socket.gaierror as error:
            raise NewConnectionError(self, f"Failed to resolve {host}: {error}")
        refused = [a for a in addresses if not targets.is_public_address(a)]
        if refused:
            raise NonPublicTarget(host, refused)
        extra = {}
        if self.source_address:
            extra["source_address"] = self.source_address
        if self.socket_options:
            extra["socket_options"] = self.socket_options
        for number, address in enumerate(addresses, 1):
            try:
                return create_connection((address, self.port), self.timeout, **extra)
            except socket.timeout:
                if number == len(addresses):
                    raise ConnectTimeoutError(self, f"Connection to {host} timed out.")
            except OSError as error:
                if number == len(addresses):
                    raise NewConnectionError(
                        self, f"Failed to establish a new connection: {error}"
                    )


class _PublicOnlyHTTPSConnection(_PublicOnlyConnection, HTTPSConnection):
    """The same for TLS: the certificate is still checked against the host name."""


class _PublicOnlyHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicOnlyConnection


class _PublicOnlyHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicOnlyHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicOnlyHTTPPool,
            "https": _PublicOnlyHTTPSPool,
        }


def session() -> requests.Session:
    """Return a session for sending deliveries (one per thread: sessions aren't)."""
    http = requests.Session()
    http.trust_env = False  # No proxy from the environment: see the module's doc.
    if not private_targets_allowed():
        adapter = _PublicOnlyAdapter()
        http.mount("http://", adapter)
        http.mount("https://", adapter)
    return http


def post(http, url: str, *, body: bytes, headers: dict, timeout: float) -> int:
    """POST and return the status code; the answer's body is dropped unread."""
    response = http.post(
        url,
        data=body,
        headers=headers,
        timeout=timeout,
        allow_redirects=False,
        stream=True,
    )
    try:
        # Reading a short answer to its end lets the connection be reused; a long
        # one is cut off (closing the connection). Nothing of it is kept.
        read = 0
        for chunk in response.iter_content(chunk_size=8192):
            read += len(chunk)
            if read > _DRAIN_BYTES:
                break
    except requests.RequestException:
        pass  # The status is what counts.
    finally:
        response.close()
    return response.status_code


def _causes(error: BaseException) -> Iterator[BaseException]:
    """Yield an exception and every exception it wraps, each once."""
    seen = set()
    stack: List[Optional[BaseException]] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.append(current.__cause__)
        stack.append(current.__context__)
        stack.append(getattr(current, "reason", None))
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))


def error_class(error: BaseException) -> str:
    """Return the `AttemptError` of a failed send, from the exception it raised."""
    if isinstance(error, NonPublicTarget):
        return AttemptError.NON_PUBLIC_ADDRESS
    if isinstance(error, requests.Timeout):
        return AttemptError.TIMEOUT
    if isinstance(error, requests.exceptions.SSLError):
        return AttemptError.TLS_ERROR
    if isinstance(
        error,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
            UnicodeError,
        ),
    ):
        return AttemptError.INVALID_URL
    causes = list(_causes(error))
    # The most telling cause first: urllib3's NewConnectionError is also a
    # ConnectTimeoutError, whatever the socket error inside it was.
    for kinds, name in (
        (NonPublicTarget, AttemptError.NON_PUBLIC_ADDRESS),
        (socket.gaierror, AttemptError.DNS_ERROR),
        (ConnectionRefusedError, AttemptError.CONNECTION_REFUSED),
        (ConnectionResetError, AttemptError.CONNECTION_RESET),
        ((ssl.SSLError, ssl.CertificateError), AttemptError.TLS_ERROR),
        (socket.timeout, AttemptError.TIMEOUT),
    ):
        if any(isinstance(cause, kinds) for cause in causes):
            return name
    if any(
        isinstance(cause, ConnectTimeoutError)
        and not isinstance(cause, NewConnectionError)
        for cause in causes
    ):
        return AttemptError.TIMEOUT
    return AttemptError.CONNECTION_ERROR
