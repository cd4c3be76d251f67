"""Report language: numbers per locale, the gettext catalog, the Chinese chart font."""

from __future__ import annotations

import datetime as dt
import re
import string
import warnings

import numpy as np
import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from userops_lib.report import i18n
from userops_lib.report.formatting import NumberStyle
from userops_lib.report.labels import COLUMN_LABELS, STAGE_TITLES, label, stage_title, yes_no

ZH, EN = NumberStyle("zh"), NumberStyle("en")
PO = i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / "userops.po"


# ------------------------------------------------------------------------------------- numbers
def test_money_reads_as_a_chinese_manager_writes_it():
    # glossary.md, "Numbers": ¥174.1万 for 1,740,705.10, ¥2.35亿, two decimals below 10,000 (客单价 ¥382.46)
    assert ZH.money(1_740_705.10) == "¥174.1万"
    assert ZH.money(235_000_000) == "¥2.35亿"
    assert ZH.money(382.46) == "¥382.46"
    assert ZH.money(55_150.2) == "¥5.52万"
    assert ZH.money(-58_000) == "-¥5.8万"
    assert ZH.money(1_740_705.10, compact=False) == "¥1,740,705.10"  # tables: the exact amount


def test_money_in_english_and_another_currency():
    assert EN.money(1_740_705.10) == "$1.74M" and EN.money(551_512) == "$551.51K" and EN.money(382.46) == "$382.46"
    assert NumberStyle("zh", "USD").money(382.46) == "US$382.46"  # CLDR's zh name for dollars
    assert NumberStyle("en", "CNY").money(1_740_705.10) == "CN¥1.74M"


def test_missing_values_never_read_as_zero():
    for value in (None, np.nan, float("nan")):
        assert ZH.money(value) == ZH.count(value) == ZH.percent(value) == "—"
        assert EN.money(value) == EN.percent(value) == "n/a"


def test_shares_and_changes():
    assert ZH.percent(0.1412) == "14.1%" and ZH.percent(5 / 20_000) == "<0.1%" and ZH.percent(-0.0002) == ">-0.1%"
    assert ZH.change(-0.145) == "-14.5%" and EN.change(0.705) == "+70.5%"
    assert ZH.change(0.023, points=True) == "+2.3 个百分点" and EN.change(-0.023, points=True) == "-2.3 pp"


def test_a_change_in_a_chinese_sentence_is_said_in_words():
    # review of the zh demo: "变化 +70.5%", "购买用户数变化 -4.9%" read as a machine's; glossary: 上升 2.3 个百分点
    assert [ZH.trend(x) for x in (0.705, -0.145, 0.0004, float("nan"))] == ["增长 70.5%", "下降 14.5%", "持平", "—"]
    assert ZH.trend(0.023, points=True) == "上升 2.3 个百分点" and ZH.trend(-0.023, points=True) == "下降 2.3 个百分点"
    # English sentences say "changed by", so the sign stays
    assert EN.trend(-0.145) == "-14.5%" and EN.trend(0.023, points=True) == "+2.3 pp"


def test_a_rate_moves_in_points_everything_else_relative():
    # review #17: conversion 22.6% → 25.6% read "+13.0%" (3.0 / 22.6) in 01's driver table; a rate moves by
    # 25.6 - 22.6 = 3.0 points. GMV 200 → 150 is -25.0% (50 / 200).
    assert ZH.move(0.226, 0.256, rate=True) == "+3.0 个百分点" and EN.move(0.226, 0.256, rate=True) == "+3.0 pp"
    assert ZH.move(200, 150) == "-25.0%" and EN.move(0, 5) == "n/a" and ZH.move(None, 0.2, rate=True) == "—"


def test_durations_read_in_the_unit_a_reader_expects():
    # review #24: "0.04 小时" (2.4 minutes), "44s", "5d": seconds, minutes, hours up to two days, then days
    assert [ZH.duration(h) for h in (44 / 3600, 0.04, 20.53, 48, 58.05)] == ["44 秒", "2.4 分钟", "20.5 小时", "48 小时",
                                                                          "2.4 天"]
    assert EN.duration(pd.Timedelta(minutes=3, seconds=18)) == "3.3 min" and EN.duration(None) == "n/a"


def test_counts_and_dates():
    assert ZH.count(1_234_567) == "1,234,567" and ZH.count(123_456, compact=True) == "12.35万"
    assert EN.count(123_456, compact=True) == "123.46K"
    assert ZH.month(dt.date(2025, 12, 5)) == "2025年12月" and EN.month(dt.date(2025, 12, 5)) == "Dec 2025"
    assert ZH.month("2025-12-05", in_sentence=False) == "2025-12"
    assert ZH.quarter(dt.date(2025, 11, 1)) == "2025年第四季度" and ZH.quarter(dt.date(2025, 2, 1), False) == "2025-Q1"
    assert ZH.date(dt.date(2025, 12, 31)) == "2025年12月31日" and EN.date(dt.date(2025, 12, 31)) == "Dec 31, 2025"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang must be one of"):
        NumberStyle("fr")


# ------------------------------------------------------------------------------------- catalog
def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_the_library_marks_is_in_the_chinese_catalog_and_translated():
    root = i18n.LOCALE_DIR.parents[2]  # the folder holding userops_lib
    keywords = {"tr": None, "ntr": (1, 2), "N_": None, "_": None, "ngettext": (1, 2)}
    used = set()
    # the library's tr/ntr/N_ calls and the index template's _()/ngettext() (babel.cfg extracts the same)
    for _, _, message, _, _ in extract_from_dir(str(root / "userops_lib"), keywords=keywords,
                                                method_map=[("**.py", "python"), ("**/templates/*.j2", "jinja2")]):
        used.add(message if isinstance(message, str) else message[0])  # a plural is filed under its singular
    catalog = _catalog()
    missing = sorted(m for m in used if not (catalog.get(m) and catalog.get(m).string))
    assert not missing, f"untranslated messages (run `make messages`, then translate): {missing}"
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy}"
    assert {"New buyers", "Foundation", "User-operations reports"} <= used  # the extraction found the marked messages


def test_placeholders_match_in_both_languages():
    for message in _catalog():
        if message.id:
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            for text in strings:  # Chinese has one plural form: it must fit the placeholders of each English form
                assert all(_placeholders(i) == _placeholders(text) for i in ids) or len(ids) > 1 and \
                    _placeholders(text) == _placeholders(ids[-1]), message.id


def test_no_translation_leaves_a_markdown_asterisk_showing():
    # review #24: "*非因果：*是否..." showed its asterisks: an emphasis closing after punctuation and before a
    # Chinese character is no emphasis (as CommonMark); every message rendering without asterisks in English
    # must render without them in Chinese too
    from userops_lib.report.markup import markdown_html

    def rendered(text):
        return markdown_html(text.format(**{name: "x" for name in _placeholders(text)}))

    left = [m.id for m in _catalog() if m.id and isinstance(m.id, str) and m.string and "*" in m.string
            and "*" not in rendered(m.id) and "*" in rendered(m.string)]
    assert not left, f"translations showing a literal *: {left}"
    # and with Chinese values, whose spaces tr takes out (60 天内*邀请裂变*转化最好): the zh demo showed
    # "*邀请裂变*转化最好" and "用券*最差" before emphasis was allowed beside a Chinese character
    chinese = [m.id for m in _catalog() if m.id and isinstance(m.id, str) and m.string and "*" in m.string
               and "*" not in rendered(m.id)
               and "*" in markdown_html(i18n._fill(m.string, "zh", {n: "用券" for n in _placeholders(m.string)}))]
    assert not chinese, f"translations showing a literal * with Chinese values: {chinese}"


def test_the_catalog_translates_labels_and_stage_titles_with_glossary_terms():
    # shared/glossary.md: 新客, 客单价, 复购率, 回购率, 用户忠诚期
    assert [label(c) for c in ("new_buyers", "aov", "repurchase_rate", "return_purchase_rate")] == [
        "新客", "客单价", "复购率", "回购率"]
    assert stage_title("loyalty") == "用户忠诚期" and stage_title("loyalty", "en") == "Loyalty"
    assert label("new_buyers", "en") == "New buyers" and label("not_a_column") == "not_a_column"
    assert yes_no(True) == "✓" and yes_no(False) == "—"
    assert set(STAGE_TITLES) == {"foundation", "strategy", "value", "loyalty", "kpi_review"}
    assert len(set(COLUMN_LABELS.values())) > 60


def test_tr_fills_placeholders_and_ntr_chooses_the_english_plural(tmp_path, monkeypatch):
    # a catalog of two messages, compiled at first use like the real one
    folder = tmp_path / "zz" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "userops.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\nPlural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "{n} buyers in {month}"\nmsgstr "{month}有 {n} 位购买用户"\n\n'
        'msgid "{n} customer"\nmsgid_plural "{n} customers"\nmsgstr[0] "{n} 位用户"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.tr("{n} buyers in {month}", "zz", n="1,234", month="2025年12月") == "2025年12月有 1,234 位购买用户"
        assert i18n.tr("{n} buyers in {month}", "en", n=3, month="Dec 2025") == "3 buyers in Dec 2025"
        assert i18n.ntr("{n} customer", "{n} customers", 1, "en") == "1 customer"
        assert i18n.ntr("{n} customer", "{n} customers", 2, "en") == "2 customers"
        assert i18n.ntr("{n} customer", "{n} customers", 2, "zz") == "2 位用户"
        assert i18n.tr("not in the catalog", "zz") == "not in the catalog"  # falls back to English
    finally:
        i18n.translations.cache_clear()
    with pytest.raises(ValueError, match="no translation catalog"):
        i18n.translations("xx")



def test_no_space_is_left_between_a_chinese_name_and_chinese_text():
    # review of the zh demo: "邀请裂变 转化最好", "会员等级 以 非会员 为主", "来自 付费搜索": the space a
    # translation keeps beside a placeholder for a Latin name (electronics) showed between two Chinese words
    best = "{source} converts best ({rate}); bought from {worst}."
    catalog = {best: "{source} 转化最好（{rate}）；来自 {worst}。", "{dimension} mostly {value}": "{dimension} 以 **{value}** 为主",
               "{a} {b}": "{a} {b}"}
    translations = type("T", (), {"gettext": lambda self, m: catalog[m]})()
    i18n.translations.cache_clear()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(i18n, "translations", lambda lang: translations)
            assert i18n.tr(best, "zh", source="邀请裂变", rate="61.2%", worst="付费搜索") == "邀请裂变转化最好（61.2%）；来自付费搜索。"
            # a Latin name or a number keeps its space; so does a code span
            assert i18n.tr(best, "zh", source="electronics", rate="1%", worst="`x`") == "electronics 转化最好（1%）；来自 `x`。"
            assert i18n.tr("{dimension} mostly {value}", "zh", dimension="会员等级", value="非会员") == "会员等级以**非会员**为主"
            assert i18n.tr("{a} {b}", "zh", a="性别", b="**女**") == "性别**女**"
            assert i18n.tr("{a} {b}", "zh", a="城市", b="**Shanghai**") == "城市 **Shanghai**"
    finally:
        i18n.translations.cache_clear()

# ------------------------------------------------------------------------------------- chart font
def test_a_chart_with_chinese_labels_draws_every_glyph(tmp_path, caplog):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from userops_lib.report import display
    from userops_lib.report.fonts import bundled_cjk_font

    assert bundled_cjk_font() is not None, "the Noto Sans SC wheel (pylopdf-fonts-zh-cn) is not installed"
    display.setup_charts()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.bar(["新客", "老客"], [3, 5])
        ax.set(title="2025年12月 购买用户数", xlabel="用户分层", ylabel="人数")
        fig.savefig(tmp_path / "chart.png")
        plt.close(fig)
    glyphs = [str(w.message) for w in caught if re.search("missing from font", str(w.message))]
    assert not glyphs, glyphs[:3]
    # a font family that is not installed makes matplotlib log "findfont: ... not found" for every
    # text it draws (55,000 lines in one report's output on a machine without Noto Sans CJK SC)
    assert not [r.message for r in caplog.records if "not found" in r.getMessage()]
