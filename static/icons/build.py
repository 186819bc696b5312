"""Draws the installed app's icons from static/favicon.svg in the Chromium the browser tests use
(no image library here renders SVG): 192 and 512 pixels as drawn, and a 512-pixel maskable one
whose drawing keeps to the middle 70 % on the brand blue, so that a launcher's circle or
squircle mask cuts none of it. Run by hand after changing the favicon; the PNGs are committed.

    /work/main/.venv/bin/python static/icons/build.py
"""

import base64
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
SVG = (HERE.parent / "favicon.svg").read_bytes()
BLUE = "#0b3d91"


def page_html(size: int, maskable: bool) -> str:
    src = "data:image/svg+xml;base64," + base64.b64encode(SVG).decode()
    inner = round(size * 0.7) if maskable else size
    background = BLUE if maskable else "transparent"
    return (
        f"<html><body style='margin:0;background:{background};width:{size}px;height:{size}px;"
        "display:flex;align-items:center;justify-content:center'>"
        f"<img src='{src}' width='{inner}' height='{inner}'></body></html>"
    )


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        for name, size, maskable in [
            ("icon-192.png", 192, False),
            ("icon-512.png", 512, False),
            ("icon-maskable-512.png", 512, True),
        ]:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(page_html(size, maskable))
            page.screenshot(path=HERE / name, omit_background=not maskable)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
