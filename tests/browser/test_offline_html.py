"""An HTML page written by edrive opens with the network cut off: every request that is
not for a local file is aborted and recorded, and the page must render all its figures
without one. :func:`open_offline` is the check; here it runs on a page made from the
plot functions, and it serves any report file the same way."""

from __future__ import annotations

import base64
import html

import edrive
from edrive.report.plots import plot_cycle, plot_result


def open_offline(browser, path, artifacts, shot: str):
    """Open the HTML file ``path`` with every non-file request aborted; return the page, the
    requests that were blocked and the images that did not load."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("file://", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    broken = page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt)")
    page.screenshot(path=artifacts / shot, full_page=True)
    return context, page, blocked, broken


def _png_inline(draw, path) -> str:
    draw(path)
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def test_a_page_of_figures_renders_offline(browser, artifacts, tmp_path):
    car = edrive.load_vehicle("bmw_i3s")
    result = edrive.simulate(car, "udds")
    figures = {
        "cycle": _png_inline(lambda p: plot_cycle(edrive.load_cycle("udds"), p),
                             tmp_path / "cycle.png"),
        "result": _png_inline(lambda p: plot_result(car.model(), [result], p),
                              tmp_path / "result.png"),
    }
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{v:.4g}</td></tr>"
                   for k, v in result.report().items()
                   if isinstance(v, float))
    page_file = tmp_path / "page.html"
    page_file.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>offline</title></head><body>"
        f"<h1>{html.escape(car.name)}</h1><table id='summary'>{rows}</table>"
        + "".join(f"<img alt='{k}' src='{uri}'>" for k, uri in figures.items())
        + "</body></html>")
    context, page, blocked, broken = open_offline(browser, page_file, artifacts,
                                                  "offline_page.png")
    try:
        assert not blocked and not broken, (blocked, broken)
        assert page.inner_text("h1") == car.name
        assert page.locator("#summary tr").count() >= 5
    finally:
        context.close()


def test_the_check_sees_a_page_that_needs_the_network(browser, artifacts, tmp_path):
    """The check itself: a page that loads a script and an image from a server is caught."""
    page_file = tmp_path / "online.html"
    page_file.write_text("<!DOCTYPE html><html><body><script src='https://cdn.example/x.js'>"
                         "</script><img alt='remote' src='https://cdn.example/x.png'></body>"
                         "</html>")
    context, _, blocked, broken = open_offline(browser, page_file, artifacts, "online_page.png")
    context.close()
    assert len(blocked) == 2 and broken == ["remote"]
