"""Report helpers: chart fonts."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from userops_lib import report  # noqa: E402


def _draw_chinese_chart() -> None:
    fig, ax = plt.subplots()
    ax.set_title("复购率")
    ax.bar(["北京", "上海"], [1, 2])
    fig.canvas.draw()
    plt.close(fig)


def test_without_a_cjk_font_chinese_labels_give_one_note_not_a_warning_per_glyph(monkeypatch):
    notes = []
    monkeypatch.setattr(report, "cjk_font_available", lambda: False)
    monkeypatch.setattr(report, "say", notes.append)
    with warnings.catch_warnings(record=True) as caught:  # restores showwarning and the filters
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
        fonts = plt.rcParams["font.sans-serif"]
    assert fonts[0] == "DejaVu Sans" and fonts[1:] == report.CJK_FONTS
