"""The report's sentences as HTML: a small Markdown subset rendered here, every character of the text escaped.

Report sentences are f-strings with data values in them: a city, a campaign name, a folder name,
an event name from a parameter file. Rendered by a Markdown engine (nbconvert's or a browser
extension's), any HTML inside such a value would reach the page as markup, so
``<img src=x onerror=...>`` in a city column would run in a manager's browser. Here the whole text
is escaped first and only the Markdown the notebooks use is turned into tags afterwards, so no
character of the text can become markup, whoever wrote it:

* paragraphs (blank line), ``- `` / ``* `` bullet lists, ``1. `` numbered lists, ``#`` headings;
* ``**bold**``, ``*italic*``, ```code``` (a run of N backticks closes at the next run of exactly N);
* a backslash before punctuation keeps it literal (``\\*``); two spaces at a line's end break the line.

No links, images or raw HTML: a value cannot make a link either. A value shown verbatim (a folder
name, a parameter) goes through :func:`code`, so a backtick or an asterisk in it cannot end the
code span or start emphasis.
"""

from __future__ import annotations

import html
import re

__all__ = ["code", "markdown_html", "plain_text"]

# A code() value travels inside the text between these two private-use characters; a data value
# cannot bring its own pair (code() and markdown_html() remove them), and the worst a forged pair
# could do is show escaped text in a code span.
_OPEN, _CLOSE = "\ue000", "\ue001"
# Placeholders for code spans and escaped characters while emphasis is matched.
_SLOT_OPEN, _SLOT_CLOSE = "\ue002", "\ue003"
_PRIVATE = re.compile("[\ue000-\ue003]")
_VALUE = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]*){_CLOSE}")
_BACKTICKS = re.compile(r"`+")
_BACKSLASHED = re.compile(r"\\([!-/:-@\[-`{-~])")  # ASCII punctuation, as CommonMark
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
# not inside a Latin word or a number (2*3*4), but beside a Chinese character (内*邀请裂变*转化): Chinese
# writes no space around a name
_EMPHASIS = re.compile(r"(?<![*A-Za-z0-9_])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*A-Za-z0-9_])", re.DOTALL)
_SLOT = re.compile(f"{_SLOT_OPEN}(\\d+){_SLOT_CLOSE}")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}\d{1,9}[.)]\s+(.*)$")


def code(value) -> str:
    """``value`` marked to show verbatim in a code span of :func:`markdown_html` (and so of ``say``).

    Use it for names and parameters that come from outside the notebook (``data.source``, a
    funnel step, a file name): a backtick, ``*`` or ``<`` in them is shown as it is and ends
    nothing. Outside ``say`` the marked text reads as ```value```.

    >>> markdown_html("Data: " + code("x`<b>"))
    '<p>Data: <code>x`&lt;b&gt;</code></p>'
    """
    return f"{_OPEN}{_PRIVATE.sub('', str(value))}{_CLOSE}"


def plain_text(text: str) -> str:
    """``text`` as plain Markdown (the ``text/plain`` form of a sentence): :func:`code` values in backticks."""
    return _VALUE.sub(lambda m: _backticked(m.group(1)), str(text))


def markdown_html(text: str) -> str:
    """Render the Markdown subset of the module docstring to HTML, escaping every character of ``text``.

    Returns
    -------
    str
        HTML whose only tags are ``p``, ``ul``, ``ol``, ``li``, ``h1``-``h6``, ``strong``, ``em``,
        ``code`` and ``br``, with no attributes.
    """
    slots: list[str] = []  # finished HTML pieces, stood in for by a numbered placeholder until the end
    parts = _VALUE.split(str(text).replace("\r\n", "\n"))
    # even parts are text (stray private-use characters dropped), odd ones code() values
    text = "".join(_PRIVATE.sub("", part) if i % 2 == 0 else _slot(slots, f"<code>{html.escape(part)}</code>")
                   for i, part in enumerate(parts))
    rendered = "\n".join(_blocks(text, slots))
    for _ in range(len(slots) + 1):  # a slot may hold another (a code() value inside a code span)
        if not _SLOT.search(rendered):
            break
        rendered = _SLOT.sub(lambda m: slots[int(m.group(1))], rendered)
    return rendered


def _slot(slots: list[str], html_text: str) -> str:
    """Keep ``html_text`` aside and return its placeholder."""
    slots.append(html_text)
    return f"{_SLOT_OPEN}{len(slots) - 1}{_SLOT_CLOSE}"


def _blocks(text: str, slots: list[str]) -> list[str]:
    """Paragraphs, lists and headings of ``text`` (blocks are separated by blank lines)."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[list[str]] = []
    kind = None  # "ul" / "ol" while a list is open

    def close_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{_inline(chr(10).join(paragraph), slots)}</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal kind
        if items:
            lis = "".join(f"<li>{_inline(chr(10).join(lines), slots)}</li>" for lines in items)
            out.append(f"<{kind}>{lis}</{kind}>")
            items.clear()
        kind = None

    for line in text.split("\n"):
        bullet, numbered, heading = _BULLET.match(line), _NUMBERED.match(line), _HEADING.match(line)
        if not line.strip():
            close_paragraph()
            close_list()
        elif heading:
            close_paragraph()
            close_list()
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2), slots)}</h{level}>")
        elif bullet or numbered:
            close_paragraph()
            wanted = "ul" if bullet else "ol"
            if kind != wanted:
                close_list()
                kind = wanted
            items.append([(bullet or numbered).group(1)])
        elif items and line[:1].isspace():  # an indented line continues the list item
            items[-1].append(line.strip())
        else:
            close_list()
            paragraph.append(line)
    close_paragraph()
    close_list()
    return out


def _inline(text: str, slots: list[str]) -> str:
    """Code spans, backslash escapes, bold and italic of one block; everything else escaped."""
    text = _code_spans(text, slots)
    text = _BACKSLASHED.sub(lambda m: _slot(slots, html.escape(m.group(1))), text)
    text = re.sub(r" {2,}\n", lambda m: _slot(slots, "<br>\n"), text)
    text = html.escape(text)
    text = _STRONG.sub(r"<strong>\1</strong>", text)
    return _EMPHASIS.sub(r"<em>\1</em>", text)


def _code_spans(text: str, slots: list[str]) -> str:
    """Each run of N backticks up to the next run of exactly N as a code span (CommonMark's rule);
    a run without its closing run stays as backticks."""
    runs = list(_BACKTICKS.finditer(text))
    pieces, pos, i = [], 0, 0
    while i < len(runs):
        run = runs[i]
        close = next((j for j in range(i + 1, len(runs)) if len(runs[j].group()) == len(run.group())), None)
        if close is None:
            i += 1
            continue
        content = text[run.end():runs[close].start()].replace("\n", " ")
        if len(content) > 2 and content[0] == content[-1] == " " and content.strip():
            content = content[1:-1]
        pieces += [text[pos:run.start()], _slot(slots, f"<code>{html.escape(content)}</code>")]
        pos, i = runs[close].end(), close + 1
    return "".join(pieces) + text[pos:]


def _backticked(value: str) -> str:
    """``value`` in a Markdown code span that its own backticks cannot end."""
    longest = max((len(r) for r in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"
