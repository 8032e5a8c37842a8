"""The local web app, ``edrive app``: pick or edit a car, run cycles, compare variants, see
maps and energy flows, run a small sweep and view an alliance plan in a browser.

Built on Shiny for Python (the optional ``app`` extra): reactive, pure Python, installed
by pip with no JavaScript build step, and it serves its own JavaScript and CSS, so the
page works without a network. :mod:`edrive.app.logic` holds what the page does,
:mod:`edrive.app.ui` the page itself; :func:`serve` runs it.
"""

from __future__ import annotations

import ipaddress
import socket

from ..errors import EdriveError, format_value

LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


def check_address(host: str, port: int) -> int:
    """Refuse a host that is not an IP address or ``localhost``, a port outside 0-65535, or
    one that cannot be bound now (in use, or reserved for root); return the port, or for
    port 0 a free port that the system chose."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise EdriveError(f"--port: {format_value(port)}; allowed: a whole number from 0 to "
                          "65535 (0: any free port)")
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise EdriveError(f"--host: {format_value(host)}; allowed: an IP address such as "
                              "127.0.0.1 or 0.0.0.0, or localhost") from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise EdriveError(f"--host {host} --port {port}: cannot listen there "
                              f"({exc.strerror or exc}); allowed: a free port on an address "
                              "of this machine") from None
        return s.getsockname()[1]


def require_shiny() -> None:
    """Refuse with one line when the web-app extra is not installed."""
    try:
        import shiny  # noqa: F401
    except ImportError:
        raise EdriveError("edrive app needs Shiny for Python; install it with "
                          "pip install 'edrive[app]'") from None


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS


def serve(host: str = "127.0.0.1", port: int = 8050, log_level: str = "warning") -> None:
    """Serve the app at ``http://host:port`` until interrupted."""
    import logging

    import uvicorn

    from .ui import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    uvicorn.run(create_app(), host=host, port=port, log_level=log_level)


__all__ = ["check_address", "is_local", "require_shiny", "serve"]
