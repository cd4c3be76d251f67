"""Report helpers: chart fonts."""

from __future__ import annotations

import warnings
import pytest

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from userops_lib.data import ids  # noqa: E402
from userops_lib.exceptions import ParameterError  # noqa: E402
from userops_lib.report import display as report  # noqa: E402


def _draw_chinese_chart() -> None:
    fig, ax = plt.subplots()
    ax.set_title("复购率")
    ax.bar(["北京", "上海"], [1, 2])
    fig.canvas.draw()
    plt.close(fig)


def test_without_a_cjk_font_chinese_labels_give_one_note_not_a_warning_per_glyph(monkeypatch):
    # a machine without any Chinese font: none of the known names, and the bundled wheel missing
    notes = []
    monkeypatch.setattr(report, "CJK_FONTS", ["No Such CJK Font"])
    monkeypatch.setattr("userops_lib.report.fonts.bundled_cjk_font", lambda: None)
    monkeypatch.setattr(report, "say", notes.append)
    with matplotlib.rc_context(), warnings.catch_warnings(record=True) as caught:  # restores style, hook, filters
        warnings.simplefilter("default")
        report.setup_charts()
        report.setup_charts()  # twice: still one hook
        fig, ax = plt.subplots()
        ax.set_title("GMV per month")  # no Chinese: no note
        fig.canvas.draw()
        plt.close(fig)
        assert notes == []
        _draw_chinese_chart()
        _draw_chinese_chart()
    assert notes == [report.NO_CJK_FONT_NOTE]
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_chart_fonts_fall_back_to_cjk_fonts():
    with matplotlib.rc_context(), warnings.catch_warnings():  # undo the style and the glyph hook
        report.setup_charts()
        fonts, families = plt.rcParams["font.sans-serif"], plt.rcParams["font.family"]
    # the installed CJK fonts only, the bundled Noto Sans SC at least (a missing family logs "findfont" per text)
    assert fonts[0] == "DejaVu Sans" and "Noto Sans SC" in fonts[1:] and set(fonts[1:]) <= set(report.CJK_FONTS)
    assert [f for f in report.CJK_FONTS if f in fonts] == fonts[1:]  # in the order of preference
    assert families == fonts  # listed one by one: matplotlib falls back glyph by glyph only across font.family


def test_masked_ids_are_stable_under_one_key_and_not_a_plain_hash(monkeypatch):
    import hashlib

    monkeypatch.setenv(ids.MASK_KEY_ENV, "key-one")
    first = [ids.mask_id(i) for i in ("17523", "17524", "C000070")]
    assert first == [ids.mask_id(i) for i in ("17523", "17524", "C000070")]  # stable: rows can be matched
    assert len(set(first)) == 3 and all(m.startswith("ID-") and len(m) == 11 for m in first)
    assert not any("175" in m or "C00" in m for m in first)  # no part of the id in clear
    # not the unkeyed hash a reader could recompute for every candidate id
    assert first[0][3:] != hashlib.sha256(b"17523").hexdigest()[:8]
    monkeypatch.setenv(ids.MASK_KEY_ENV, "key-two")
    assert ids.mask_id("17523") != first[0]
    # without the variable: a random key per session, still stable within it
    monkeypatch.delenv(ids.MASK_KEY_ENV)
    monkeypatch.setattr(ids, "_process_key", None)
    session = ids.mask_id("17523")
    assert session == ids.mask_id("17523") and session not in first


def test_pct_never_shows_a_small_share_as_zero():
    assert report.pct(0.1234) == "12.3%" and report.pct(0) == "0.0%" and report.pct(None) == "n/a"
    assert report.pct(5 / 20_000) == "<0.1%"      # 5 customers of 20,000: not "0.0%"
    assert report.pct(0.0006) == "0.1%"           # rounds to a visible 0.1 %
    assert report.pct(-0.0002) == ">-0.1%" and report.pct(0.00004, digits=2) == "<0.01%"


def test_show_formats_counts_with_thousands_separators(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    import pandas as pd

    report.show(pd.DataFrame({"customers": [7708, 12], "share": [0.5, 0.00001], "mean": [1.5, 2.25],
                              "customer_id": [17523, 17524], "birth_year": [1990, 2001]}), percent=["share"])
    html = shown[0].to_html()
    assert "7,708" in html and "&lt;0.1%" in html and "2.25" in html  # "<0.1%" is text, escaped
    assert "17523" in html and "1990" in html and "17,523" not in html  # ids and years are labels


def test_show_with_labels_renames_for_display_and_prints_plain_dates(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    import pandas as pd

    df = pd.DataFrame({"probability_alive": [0.25], "last_purchase": pd.to_datetime(["2025-12-30"]),
                       "value_at_risk": [12.5]})
    report.show(df, "at risk", percent=["probability_alive"], money=["value_at_risk"],
                labels={"probability_alive": "P(still buying)"})
    html = shown[0].to_html()
    assert "P(still buying)" in html and "25.0%" in html  # renamed column keeps its percent format
    assert "last purchase" in html and "2025-12-30" in html and "00:00:00" not in html
    assert list(df.columns) == ["probability_alive", "last_purchase", "value_at_risk"]  # caller's frame untouched


# -- no data value becomes markup (issue 11) --------------------------------------------------

from live_markup import BACKTICK, IMG, SCRIPT, live_markup  # noqa: E402


def test_markdown_subset_renders_like_commonmark():
    from userops_lib.report.markup import markdown_html

    # expected HTML written by hand from the CommonMark rules for these constructs
    assert markdown_html("Data up to **2025-12-31**:\n\n- **GMV:** 1,234 (+3.0%)\n- *AOV* 12.50") == (
        "<p>Data up to <strong>2025-12-31</strong>:</p>\n"
        "<ul><li><strong>GMV:</strong> 1,234 (+3.0%)</li><li><em>AOV</em> 12.50</li></ul>")
    assert markdown_html("## Title\n1. one\n2. two") == "<h2>Title</h2>\n<ol><li>one</li><li>two</li></ol>"
    assert markdown_html("`a*b*` and ``x ` y`` and 2 * 3 * 4, a\\*b*") == (
        "<p><code>a*b*</code> and <code>x ` y</code> and 2 * 3 * 4, a*b*</p>")
    assert markdown_html("line one  \nline two & <b>") == "<p>line one<br>\nline two &amp; &lt;b&gt;</p>"
    # emphasis beside a Chinese character (Chinese writes no space around a name), not inside a Latin word or number
    assert markdown_html("60 天内*邀请裂变*转化最好，*用券*最差；a*b*c, 2*3*4") == (
        "<p>60 天内<em>邀请裂变</em>转化最好，<em>用券</em>最差；a*b*c, 2*3*4</p>")


def test_say_escapes_every_value_and_keeps_its_own_markdown(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append((obj, kw)))
    report.say(f"**{SCRIPT}** converted best, `{IMG}` worst", metadata={"k": "v"})
    bundle, kw = shown[0]
    assert kw == {"raw": True, "metadata": {"k": "v"}}  # skip notes keep their metadata for the runner
    assert set(bundle) == {"text/html", "text/plain"}  # no text/markdown: a renderer would pass HTML through
    assert bundle["text/html"] == ("<p><strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong> converted best, "
                                   "<code>&lt;img src=x onerror=alert(1)&gt;</code> worst</p>")
    assert live_markup(bundle["text/html"]) == []


def test_a_backtick_in_a_name_cannot_end_its_code_span(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    report.say(f"Data: `{BACKTICK}`, and with code(): {report.code(BACKTICK)}.")
    html = shown[0]["text/html"]
    assert live_markup(html) == []
    # pasted into a code span the value breaks it (shown as text, harmless); code() keeps it whole
    assert "<code>x`&lt;img src=x onerror=alert(10)&gt;`</code>." in html
    assert shown[0]["text/plain"].endswith("with code(): `` x`<img src=x onerror=alert(10)>` ``.")


def test_show_escapes_cells_column_names_index_and_caption(monkeypatch):
    import pandas as pd

    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    df = pd.DataFrame({"city": [SCRIPT, IMG, "北京"], IMG: [1, 2000, 3], "share": [0.5, 0.00001, None],
                       "status": ["met", "missed", SCRIPT]})
    report.show(df, f"Cities {IMG}", percent=["share"], colours={"status": {"met": "#c6efce", "missed": "red"}})
    report.show(df.set_index("city"), SCRIPT)
    for styler in shown:
        html = styler.to_html()
        assert live_markup(html) == [], html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    html = shown[0].to_html()
    assert "<caption>Cities &lt;img src=x onerror=alert(1)&gt;</caption>" in html
    assert "2,000" in html and "&lt;0.1%" in html and "–" in html
    assert html.count("background-color: #c6efce") == 1 and html.count("background-color: red") == 1

def test_show_in_a_language_labels_formats_and_folds_long_tables_into_the_appendix(monkeypatch):
    import pandas as pd

    from userops_lib.report import tables

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **_: shown.append(obj))
    monkeypatch.setattr(tables, "_QUEUE", [])
    # 14 months: 12 in the body, all 14 in appendix A1
    df = pd.DataFrame({"period": [f"2025-{m:02d}" for m in range(1, 15)], "complete": [True] * 13 + [False],
                       "gmv": [1_740_705.1] * 14, "repurchase_rate": [0.1412] * 14,
                       "gmv_vs_last_year": [0.705] * 14, "new_buyers": [12_345] * 14})
    report.show(df, "KPIs", lang="zh", money=["gmv"], percent=["repurchase_rate"], changes=["gmv_vs_last_year"])
    body = shown[0].to_html()
    assert "新客" in body and "复购率" in body and "new_buyers" not in body  # labels from the catalog
    assert "¥1,740,705.10" in body and "14.1%" in body and "+70.5%" in body and "12,345" in body
    assert "✓" in body and "True" not in body
    assert "KPIs（前 12 行，共 14 行；完整表格见附录 A1）" in body and "2025-13" not in body
    tables.appendix("zh")
    folded = shown[-1].data
    assert folded.startswith("<details><summary><b>A1 · KPIs</b>（14 行）</summary>") and "2025-14" in folded
    assert tables._QUEUE == []  # shown once
    # a short table stays whole and queues nothing; English labels and dollars
    report.show(df.head(3), "KPIs", lang="en", money=["gmv"])
    assert "New buyers" in shown[-1].to_html() and "$1,740,705.10" in shown[-1].to_html() and tables._QUEUE == []


def test_one_keyed_hash_for_masks_and_exports(monkeypatch):
    """Masks and exported ids are both HMAC-SHA256 (data.ids.keyed_hash), under different keys."""
    from userops_lib.data import ids
    from userops_lib.metrics.audiences import hash_ids as exported

    # RFC 4231, test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?")
    assert ids.keyed_hash("what do ya want for nothing?", "Jefe") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    assert exported is ids.hash_ids  # one function, re-exported where packs are written
    assert ids.hash_ids(["what do ya want for nothing?"], "Jefe") == [ids.keyed_hash("what do ya want for nothing?", "Jefe")]
    monkeypatch.setenv(ids.MASK_KEY_ENV, "Jefe")
    assert ids.mask_id("what do ya want for nothing?") == "ID-5bdcc146"  # the first 8 hex characters
    monkeypatch.delenv(ids.ID_KEY_ENV, raising=False)
    with pytest.raises(ParameterError, match="USEROPS_ID_SALT"):
        ids.export_key(None)
    monkeypatch.setenv(ids.ID_KEY_ENV, "k")
    assert ids.export_key(None) == ("k", "environment variable USEROPS_ID_SALT")
    assert ids.export_key("p") == ("p", "parameter")


def test_the_appendix_escapes_cells_column_names_row_labels_and_caption(monkeypatch):
    import pandas as pd

    from userops_lib.report import tables

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **_: shown.append(obj))
    monkeypatch.setattr(tables, "_QUEUE", [])
    # a long table whose columns are data (channels) and whose rows are cities
    df = pd.DataFrame({SCRIPT: list(range(20)), IMG: [IMG] * 20}, index=[f"{SCRIPT}{i}" for i in range(20)])
    report.show(df, f"By channel {IMG}", lang="en")
    tables.appendix("en")
    folded = shown[-1].data
    assert live_markup(folded) == [] and live_markup(shown[0].to_html()) == []
    assert "A1 · By channel &lt;img src=x onerror=alert(1)&gt;" in folded
    assert folded.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 21  # the column name and 20 row labels


def test_channel_codes_read_by_name_and_other_channels_as_the_data_writes_them(monkeypatch):
    import pandas as pd

    from userops_lib.report import tables
    from userops_lib.report.labels import channel_name

    # the demo's codes (userops_lib.demo.story.CHANNELS) and a common one; case, spaces and hyphens ignored
    assert [channel_name(c, "zh") for c in ("organic", "paid_search", "Paid-Search", "mini program")] == [
        "自然流量", "付费搜索", "付费搜索", "小程序"]
    assert [channel_name(c, "en") for c in ("paid_search", "social")] == ["paid search", "social media"]
    assert channel_name("douyin_shop_07", "zh") == "douyin_shop_07" and channel_name(None, "zh") is None
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **_: shown.append(obj))
    monkeypatch.setattr(tables, "_QUEUE", [])
    df = pd.DataFrame({"channel": ["affiliate", SCRIPT], "category": ["social", "home"], "acquired_users": [3, 4]})
    report.show(df, "Channels", lang="zh")
    html = shown[0].to_html()
    assert "联盟推广" in html and "affiliate" not in html  # a channel code is translated
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and live_markup(html) == []  # an unknown one escaped
    assert ">social<" in html and ">home<" in html  # categories are the shop's words: left as they are


def test_tier_and_gender_codes_read_by_name_in_profiles():
    import pandas as pd

    from userops_lib.report.labels import value_name
    from userops_lib.report.narrative.loyalty import nps_table
    from userops_lib.report.tables import profile_table

    # the demo writes gender F / M and tiers silver / gold / platinum (userops_lib.demo.story)
    assert [value_name("gender", g, "zh") for g in ("F", "m", "X")] == ["女", "男", "X"]
    assert [value_name("member_tier", t, "zh") for t in ("silver", "Gold", "vip3")] == ["银卡", "金卡", "vip3"]
    assert value_name("city", "silver", "zh") == "silver"  # only the attribute's own codes are named
    prof = pd.DataFrame({"dimension": ["gender", "member_tier", "city"], "value": ["F", "platinum", "Shanghai"]})
    assert profile_table(prof, "zh")["value"].tolist() == ["女", "铂金卡", "Shanghai"]
    assert profile_table(prof, "en")["value"].tolist() == ["female", "platinum", "Shanghai"]
    nps = pd.DataFrame({"by": ["tier", "stage"], "segment": ["gold", "gold"], "nps": [1.0, 2.0]})
    assert nps_table(nps, "zh")["segment"].tolist() == ["金卡", "gold"]  # a tier only where the rows are tiers


def test_funnel_steps_and_windows_read_by_name_and_a_shops_own_event_as_the_data_writes_it():
    import pandas as pd

    from userops_lib.report.formatting import NumberStyle
    from userops_lib.report.labels import step_name, step_text, window_text
    from userops_lib.report.markup import markdown_html
    from userops_lib.report.tables import funnel_table

    # review #7; glossary (shared/glossary.md): 浏览商品 → 加购 → 下单 → 支付; the demo's events (demo.story.EVENT_NAMES)
    assert [step_name(s, "zh") for s in ("visit", "product_view", "Add-To-Cart", "checkout", "purchase")] == [
        "访问", "浏览商品", "加购", "下单", "支付"]
    assert [step_name(s, "en") for s in ("product_view", "add_to_cart")] == ["product view", "add to cart"]
    assert step_name("quiz_done", "zh") == "quiz_done"
    # in a sentence an unknown event is a code span: its markup is shown, never run
    assert live_markup(markdown_html("到达 " + step_text(SCRIPT, "zh"))) == []
    assert step_text("add_to_cart", "zh") == "加购"
    # "7d" -> 7 天 / 7 days, in the largest unit that divides it; a window that is not one stays as given
    assert [window_text(w, "zh") for w in ("7d", "1d", "36h", "48h", "90min", "30s")] == [
        "7 天", "1 天", "36 小时", "2 天", "90 分钟", "30s"]
    assert [window_text(w, "en") for w in ("7d", "1d", "1h")] == ["7 days", "1 day", "1 hour"]
    assert window_text("soon", "zh") == "soon"
    fun = pd.DataFrame({"step": ["visit", "purchase"], "users": [10, 4], "conversion_from_previous": [1.0, 0.4],
                        "conversion_from_start": [1.0, 0.4], "dropped_from_previous": [0, 6],
                        "median_time_from_previous": pd.to_timedelta([0, 3600], unit="s"),
                        "p80_time_from_previous": pd.to_timedelta([0, 7200], unit="s")})
    assert funnel_table(fun, NumberStyle("zh"))["step"].tolist() == ["访问", "支付"]
    assert funnel_table(fun)["step"].tolist() == ["visit", "purchase"]  # without a style: the library's names
