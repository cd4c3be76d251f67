"""Finding markup that a browser would run or fetch in an HTML file (test helper).

Escaped text such as ``&lt;img src=x onerror=alert(1)&gt;`` is what a safe report shows; only
real elements and attributes count, so the page is parsed rather than searched for substrings.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: The two payloads of issue 11, as a hostile shop export would carry them.
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BACKTICK = "x`<img src=x onerror=alert(10)>`"

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.csp: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "base"):
            self.found.append(f"<{tag}> element")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name in _URL_ATTRIBUTES and re.match(r"\s*(javascript|vbscript):", value, re.IGNORECASE):
                self.found.append(f"{name}={value!r} on <{tag}>")
            if name in ("src", "href") and re.match(r"\s*(https?:)?//", value) and tag != "a":
                self.found.append(f"remote {name}={value!r} on <{tag}>")  # a fetch when the page opens
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(dict(attrs).get("content") or "")

    handle_startendtag = handle_starttag


def live_markup(html_text: str) -> list[str]:
    """What in ``html_text`` would run script or load something remote (empty: nothing)."""
    finder = _Finder()
    finder.feed(html_text)
    finder.close()
    found = list(finder.found)
    if re.search(r"<script", html_text, re.IGNORECASE):  # also inside what the parser took as text
        found.append("'<script' in the source")
    return found


def content_security_policy(html_text: str) -> str | None:
    """The policy of the page's ``<meta http-equiv="Content-Security-Policy">`` (None without one)."""
    finder = _Finder()
    finder.feed(html_text)
    return finder.csp[0] if finder.csp else None
