"""The client's address, the one rule for login throttling (M12) and the public forms' rate limits.

Without configuration it is `REMOTE_ADDR`, and a forwarded-for header is
ignored: anyone can send one. Behind reverse proxies, set how many of them
append to the header (`KOBAI_TRUSTED_PROXY_COUNT`) and which header they
write (`KOBAI_CLIENT_IP_HEADER`, a `request.META` key). Each trusted proxy
appends the address it received the request from, so the client's address is
the entry `count` places from the right: whatever a client wrote into the
header itself stays to the left of it and is never read. Optionally
`KOBAI_TRUSTED_PROXY_IPS` lists the proxies' own addresses (or networks):
then the header counts only on requests that really come from one of them.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _parse(value: str) -> str | None:
    """A bare IP address from one header entry (IPv6 brackets and an IPv4 port tolerated), else None."""
    value = value.strip().strip('"')
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # 203.0.113.5:1234
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _from_trusted_proxy(remote_addr: str) -> bool:
    networks = getattr(settings, "KOBAI_TRUSTED_PROXY_IPS", None) or []
    if not networks:
        return True
    address = _parse(remote_addr)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def client_ip(request) -> str:
    """The address the request came from, as far as our own proxies vouch for it."""
    remote_addr = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "KOBAI_TRUSTED_PROXY_COUNT", 0) or 0
    header = getattr(settings, "KOBAI_CLIENT_IP_HEADER", "HTTP_X_FORWARDED_FOR")
    if count <= 0 or not _from_trusted_proxy(remote_addr):
        return remote_addr
    entries = [entry for entry in request.META.get(header, "").split(",") if entry.strip()]
    if len(entries) < count:  # not through all our proxies (or they did not write the header)
        return remote_addr
    return _parse(entries[-count]) or remote_addr
