"""The listener's proxy settings (http_proxy, https_proxy, all_proxy, no_proxy, and their
upper-case forms) for what libvlc opens itself. The app's own HTTP client takes them from
the environment through requests (infra/http_session.py); libvlc cannot be told per media
(measured on libvlc 3.0: its http/https/HLS access ignores `:http-proxy=` and reads only
`http_proxy`, ignoring no_proxy, for every host, loopback included). What libvlc does
honour: before each connection it runs the libproxy helper `proxy URL` found on PATH and
uses the proxy it prints, or none for `direct://`.

So when the environment names a proxy, the libvlc backend puts this module on its PATH as
that helper (`install_helper`): it answers from the same variables by requests' rules, and
`direct://` for the app's own loopback relay (ONAIR_LIBVLC_DIRECT, set by the backend).
The proxy always comes from the listener's environment, never from remote text.

Run as a script by the helper (`python -IS proxy_env.py URL`): the standard library only.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the helper runs this file once per libvlc connection: it imports little
    from collections.abc import Mapping
    from pathlib import Path

DIRECT_VAR = "ONAIR_LIBVLC_DIRECT"  # comma-separated URLs whose origins libvlc opens directly
_VARS = ("http_proxy", "https_proxy", "all_proxy")


def _get(env: Mapping[str, str], name: str) -> str:
    return env.get(name) or env.get(name.upper()) or ""


def has_proxy(env: Mapping[str, str]) -> bool:
    """The environment names a proxy for http or https."""
    return any(_get(env, name) for name in _VARS)


def bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    """`host` is in `no_proxy` by requests' rules: "*", a CIDR or the address for an IP,
    a suffix of the host (with or without its port) for a name."""
    entries = [e for e in no_proxy.replace(" ", "").split(",") if e]
    if not entries:
        return False
    if "*" in entries:
        return True
    import ipaddress
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    with_port = f"{host}:{port}" if port else host
    for entry in entries:
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
        if host.endswith(entry.lstrip(".")) or with_port.endswith(entry) or host == entry:
            return True
    return False


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def proxy_for(url: str, env: Mapping[str, str]) -> str | None:
    """The proxy URL to reach `url` through, or None to go direct."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
    if not host or origin in {_origin(p) for p in env.get(DIRECT_VAR, "").split(",") if p}:
        return None
    if bypassed(host, port, _get(env, "no_proxy")):
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    return _get(env, f"{scheme}_proxy") or _get(env, "all_proxy") or None


def install_helper(folder: Path) -> Path:
    """Write the `proxy` helper into `folder` (private, made here) and return the folder, to
    be put first on PATH."""
    import shlex
    from pathlib import Path

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    helper = folder / "proxy"
    helper.write_text("#!/bin/sh\n"
                      f"exec {shlex.quote(sys.executable)} -IS "
                      f"{shlex.quote(str(Path(__file__).resolve()))} \"$@\"\n")
    helper.chmod(0o700)
    return folder


def main(argv: list[str]) -> int:
    for url in argv[1:] or [""]:
        print(proxy_for(url, os.environ) or "direct://")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
