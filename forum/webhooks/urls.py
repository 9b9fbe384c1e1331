"""Where a webhook may point: http(s) only, and never at this host or a private network.

The address rule is checked when a webhook is made, and again at every delivery on the very
address the worker then connects to (``resolve``), so a name that later resolves to a private
address (DNS rebinding) gets nothing. WEBHOOKS_ALLOW_PRIVATE_URLS lifts the rule (tests, a
receiver on the same host).
"""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

URL_MAX_LENGTH = 2000


class RefusedUrl(ValueError):
    """A URL (or the address it resolves to) a webhook may not use; the message says why."""


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart, with the address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def is_public(address: str) -> bool:
    """Return whether ``address`` is a public unicast address (not loopback, private, link-local,
    multicast, reserved or unspecified)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def parse(url: str) -> tuple[str, str, int, str]:
    """Return (scheme, host, port, path with query) of an http(s) URL without credentials.

    :raise RefusedUrl: it is not one.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedUrl("is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedUrl("must be an http or https URL with a host")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("must not carry a user name or password")
    if parts.fragment:
        raise RefusedUrl("must not have a #fragment")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise RefusedUrl(f"names a host that does not resolve ({host})") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def resolve(url: str) -> Target:
    """Return where to send ``url``: its parts and one address to connect to, checked.

    :raise RefusedUrl: a bad URL, an unknown host, or (unless allowed) a non-public address.
    """
    scheme, host, port, path = parse(url)
    addresses = _addresses(host, port)
    if not current_app.config["WEBHOOKS_ALLOW_PRIVATE_URLS"]:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise RefusedUrl(f"points at a loopback or private address ({refused[0]}), which webhooks may not "
                             "reach")
    return Target(scheme, host, port, path, addresses[0])
