"""Report text in the reader's language: gettext catalogs, English source, Chinese translation.

Every sentence, heading and label a report shows is written in English in the library and
marked for translation; the Chinese comes from the gettext catalog
``report/locale/zh/LC_MESSAGES/userops.po``, which a translator edits with the usual tools
(Poedit, Weblate, ``pybabel``). The catalog is compiled in memory with Babel the first time a
language is used, so an edited ``.po`` needs no build step and an installed package needs no
write access.

Messages use Python brace placeholders (``"{buyers} buyers"``); the Chinese translation must use
the same placeholders (a test checks it). Terms follow ``shared/glossary.md``: one Chinese term per
concept in every report.

Update the catalog after changing messages: ``make messages`` (extracts ``tr``/``ntr``/``N_``
calls into ``userops.pot`` and merges them into the ``.po``).
"""

from __future__ import annotations

import functools
import gettext
import re
from io import BytesIO
from pathlib import Path

__all__ = ["DOMAIN", "LOCALE_DIR", "N_", "ntr", "tr", "translations"]

DOMAIN = "userops"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (for tables of labels)."""
    return message


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang``; English is the source language and needs none."""
    if lang == "en":
        return gettext.NullTranslations()
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        raise ValueError(f"no translation catalog for language {lang!r} (expected {po})")
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)  # a fuzzy (unchecked) translation falls back to English
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def tr(message: str, lang: str = "zh", /, **values) -> str:
    """``message`` in ``lang`` with ``values`` filled in: ``tr("{n} buyers", "zh", n="1,234")``.

    Values are inserted as given: format numbers with
    :class:`~userops_lib.report.formatting.NumberStyle` first.
    """
    text = translations(lang).gettext(message)
    return _fill(text, lang, values) if values else text


def ntr(singular: str, plural: str, n: int, lang: str = "zh", /, **values) -> str:
    """Like :func:`tr`, choosing the English singular or plural by ``n`` (Chinese has one form)."""
    text = translations(lang).ngettext(singular, plural, n)
    return _fill(text, lang, {"n": n, **values})


#: Chinese characters and full-width punctuation: no space is written between two of them.
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
#: Markdown marks around a value (bold, italic): the reader sees the character inside them.
_MARKS = "*_"
#: A space between a Chinese character and a placeholder (marks allowed on either side of it) ...
_BEFORE = re.compile(f"(?<=[{_CJK}])[{_MARKS}]* [{_MARKS}]*\\{{(\\w+)\\}}")
#: ... between a placeholder and a Chinese character ...
_AFTER = re.compile(f"\\{{(\\w+)\\}}[{_MARKS}]* [{_MARKS}]*(?=[{_CJK}])")
#: ... and between two placeholders.
_BETWEEN = re.compile(f"\\{{(\\w+)\\}}[{_MARKS}]* [{_MARKS}]*\\{{(\\w+)\\}}")


def _fill(text: str, lang: str, values: dict) -> str:
    """``text.format(**values)``; in Chinese, the space beside a placeholder goes when the value
    meets a Chinese character there ("{source} 转化最好" with 邀请裂变 reads 邀请裂变转化最好), as
    Chinese is written; beside a Latin name or a number ("electronics 是", "共 24 行") it stays."""
    if lang != "en":
        def shown(name: str) -> str:
            return str(values.get(name, "")).strip(_MARKS)

        def chinese(char: str) -> bool:
            return re.match(f"[{_CJK}]", char) is not None

        text = _BEFORE.sub(lambda m: m.group(0).replace(" ", "", 1)
                           if shown(m.group(1))[:1] and chinese(shown(m.group(1))[0]) else m.group(0), text)
        text = _AFTER.sub(lambda m: m.group(0).replace(" ", "", 1)
                          if shown(m.group(1))[-1:] and chinese(shown(m.group(1))[-1]) else m.group(0), text)
        text = _BETWEEN.sub(lambda m: m.group(0).replace(" ", "", 1)
                            if shown(m.group(1))[-1:] and chinese(shown(m.group(1))[-1])
                            and shown(m.group(2))[:1] and chinese(shown(m.group(2))[0]) else m.group(0), text)
    return text.format(**values)
