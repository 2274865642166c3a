"""Which addresses O2O webhooks may reach, and how target URLs are read and shown."""

import pytest

from saleor_o2o.webhook import targets

NON_PUBLIC = [
    "127.0.0.1",  # Loopback.
    "127.8.9.10",
    "10.1.2.3",  # Private.
    "172.16.0.1",
    "192.168.1.20",
    "169.254.169.254",  # Link-local: cloud metadata services.
    "100.64.0.1",  # Shared address space (carrier-grade NAT).
    "0.0.0.0",  # Unspecified.
    "224.0.0.1",  # Multicast.
    "239.255.255.250",
    "240.0.0.1",  # Reserved.
    "255.255.255.255",
    "192.0.2.10",  # Documentation.
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",  # Unique local.
    "fd12:3456::1",
    "fec0::1",  # Site-local.
    "ff02::1",  # Multicast.
    "2001:db8::1",  # Documentation.
    "::ffff:127.0.0.1",  # IPv4-mapped.
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible (deprecated, reserved).
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1.
    "2002:a00:1::1",  # 6to4 of 10.0.0.1.
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254.
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo.
    "not an address",
    "",
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "2606:4700:4700::1111",
    "2a00:1450:4007:80e::200e",
    "::ffff:8.8.8.8",  # IPv4-mapped public address.
    "2002:808:808::1",  # 6to4 of 8.8.8.8.
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8.
]


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_addresses_are_refused(address):
    assert not targets.is_public_address(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert targets.is_public_address(address)


@pytest.mark.parametrize(
    "url,target",
    [
        ("https://hooks.example.com/o2o", ("hooks.example.com", 443)),
        ("http://hooks.example.com/o2o", ("hooks.example.com", 80)),
        ("HTTPS://User:Pw@Hooks.Example.com:8443/x", ("hooks.example.com", 8443)),
        ("http://[::1]:8000/", ("::1", 8000)),
        ("http://127.0.0.1:8000/", ("127.0.0.1", 8000)),
        ("ftp://hooks.example.com/", None),
        ("file:///etc/passwd", None),
        ("hooks.example.com/o2o", None),
        ("http:///no-host", None),
        ("http://hooks.example.com:99999/", None),
        ("http://hooks.example.com:port/", None),
    ],
)
def test_only_http_and_https_urls_with_a_host_are_targets(url, target):
    assert targets.http_target(url) == target


@pytest.mark.parametrize(
    "url,shown",
    [
        ("https://user:secret@hooks.example.com/o2o", "https://hooks.example.com/o2o"),
        (
            "https://token@hooks.example.com:8443/x?a=1",
            "https://hooks.example.com:8443/x?a=1",
        ),
        ("http://a:b@c@[::1]:80/p", "http://[::1]:80/p"),
        ("https://hooks.example.com/o2o", "https://hooks.example.com/o2o"),
    ],
)
def test_urls_are_shown_without_credentials(url, shown):
    assert targets.without_credentials(url) == shown
