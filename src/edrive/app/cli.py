"""``edrive app``: serve the local web app."""

from __future__ import annotations

from typing import Annotated

import typer

DEFAULT_PORT = 8050


def app_command(
    port: Annotated[int, typer.Option(help="port to listen on (0: any free port)")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option(
        help="address to listen on; 127.0.0.1 keeps the app to this machine")] = "127.0.0.1",
    check: Annotated[bool, typer.Option(
        "--check", help="check the address and build the page, then exit without serving")
    ] = False,
) -> None:
    """A local web app: pick or edit a car, run cycles, compare, maps, sweep, plan."""
    from . import check_address, is_local, require_shiny

    port = check_address(host, port)
    require_shiny()
    if not is_local(host):
        typer.echo(f"warning: listening on {host}: other machines on the network can use the "
                   "app (it has no login); use --host 127.0.0.1 to keep it local", err=True)
    if check:
        from .ui import create_app

        create_app()
        typer.echo(f"edrive app: ready to serve at http://{_url_host(host)}:{port}")
        return
    from . import serve

    typer.echo(f"edrive app: http://{_url_host(host)}:{port} (Ctrl-C stops it)")
    serve(host, port)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
