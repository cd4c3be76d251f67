"""Data-quality reasons, load notes and skip notes in the report's language (issue 13 #1).

The data layer gives each reason and note a code and its values (userops_lib.data.quality); the report
layer says them in zh or en (userops_lib.report.quality_text). Expected sentences are written by hand.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from userops_lib.data import quality
from userops_lib.data.contract import CONTRACT
from userops_lib.data.quality import Note
from userops_lib.report import quality_text
from userops_lib.report.formatting import NumberStyle
from userops_lib.report.markup import plain_text
from userops_lib.report.tables import quality_table

EN, ZH = NumberStyle("en"), NumberStyle("zh")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: a run of three or more English words: what a Chinese sentence can only show by leaking English
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ /-]+[A-Za-z]{2,}){2,}")


def test_every_code_table_and_action_of_the_data_layer_has_a_message():
    assert set(quality_text.REASON_TEXT) == set(quality.REASONS)
    assert set(quality_text.NOTE_TEXT) >= set(quality.NOTES)
    assert set(quality_text.ACTION_TEXT) == set(quality.ACTIONS)
    assert set(quality_text.TABLE_TEXT) == set(CONTRACT)


@pytest.mark.parametrize("code", sorted(quality.REASONS))
def test_a_reason_reads_in_english_as_the_library_says_it_and_in_chinese_without_english(code):
    values = {"time_zone": "Asia/Shanghai", "key": "order_id", "kind": "timestamp"}
    row = {"reason": quality.reason_text(code, column="order_ts", **values), "column": "order_ts",
           "reason_code": code, "reason_values": values}
    assert quality_text.reason(row, "en") == row["reason"]
    zh = quality_text.reason(row, "zh")
    assert CHINESE.search(zh) and not ENGLISH_RUN.search(zh), zh


def test_reasons_and_actions_of_a_messy_load_are_translated_in_the_quality_table(messy_dir):
    from userops_lib.data.load import load_dataset

    data = load_dataset(messy_dir)
    # the messy fixture (tests/conftest.py): 'N/A' and NULL ids, an offset, duplicates, bad amounts, bad lines
    assert {"missing_id_text", "offset_converted", "duplicate_identical", "duplicate_conflicting", "negative_amount",
            "zero_amount", "quantity_not_positive", "order_left_out"} <= set(data.quality["reason_code"])
    zh, en = quality_table(data.quality, "zh"), quality_table(data.quality, "en")
    assert list(zh.columns) == ["table", "reason", "column", "rows", "share", "action"]
    assert en["reason"].tolist() == data.quality["reason"].tolist()  # en: the library's own words
    assert en["action"].tolist() == data.quality["action"].tolist()
    leaks = [r for r in zh["reason"].tolist() + zh["action"].tolist() if not CHINESE.search(r) or ENGLISH_RUN.search(r)]
    assert leaks == []
    row = zh[data.quality["reason_code"] == "duplicate_conflicting"].iloc[0]
    # review #7: a reason names the field in words (the column beside it keeps the contract's name)
    assert (row["reason"], row["column"], row["action"]) == ("订单号重复：其他字段取值不同（保留文件中的第一行）", "order_id", "剔除")
    assert zh[data.quality["reason_code"] == "missing_id_text"]["column"].iloc[0] in {"customer_id", "order_id"}
    # three notes: the empty events table, the conflicting order id, buyers without a customer row
    assert [n.code for n in data.notes] == ["empty_table", "conflicting_ids", "buyers_without_customers"]
    for note in data.notes:
        zh_note = plain_text(quality_text.load_note(note, ZH))
        assert CHINESE.search(zh_note) and not ENGLISH_RUN.search(zh_note.replace("customer_id", "")), zh_note


def test_the_conflicting_id_note_in_both_languages():
    note = Note("conflicting_ids", table="orders", column="order_id", n_ids=12, n_rows=15, ids=["ID-1", "ID-2"],
                more=10)
    english = ("12 order_id value(s) of `orders` appear on rows with different values (another customer, amount or "
               "time); the first row in the file was kept and 15 later row(s) left out. Fix them in the source: "
               "ID-1, ID-2 and 10 more (masked ids).")
    assert str(note) == english == plain_text(quality_text.load_note(note, EN))
    assert plain_text(quality_text.load_note(note, ZH)) == (
        "`orders` 中有 12 个 order_id 出现在取值不同的多行上（客户、金额或时间不同）；保留了文件中的第一行，剔除后面的 "
        "15 行。请在源数据中修正：ID-1、ID-2，另有 10 个（ID 已脱敏）。")


def test_the_note_on_buyers_without_customers_in_both_languages():
    note = Note("buyers_without_customers", n_orphans=600, n_buyers=1000, buyer_shape="A009", customer_shape="a009",
                padded=3)
    assert plain_text(quality_text.load_note(note, EN)) == (
        "600 of 1,000 buyers (60.0%) have no row in `customers`, so profiles, channels and sign-ups miss them. An "
        "order's customer_id looks like `A009`, a customer's like `a009` (9 = digit 1-9, A/a = letter). 3 of them "
        "match a customer once leading zeros are ignored: the two tables write the same ids differently.")
    assert plain_text(quality_text.load_note(note, ZH)) == (
        "1,000 个购买用户中有 600 个（60.0%）在 `customers` 中没有对应行，用户画像、渠道和注册统计都漏掉了他们。订单中的 "
        "customer_id 形如 `A009`，客户表中的形如 `a009`（9 = 数字 1-9，A/a = 字母）。其中 3 个在忽略前导零后能对上客户："
        "两张表对同一 ID 的写法不同。")


def test_the_empty_table_note_says_what_the_report_does_instead():
    note = Note("empty_table", table="customers")
    assert plain_text(quality_text.load_note(note, EN)) == str(note) == (
        "The `customers` table has 0 rows, so it is treated as absent: buyers are known from orders only, and the "
        "profile and channel sections are skipped.")
    assert plain_text(quality_text.load_note(Note("empty_table", table="tickets"), ZH)) == (
        "`tickets` 表有 0 行，按缺失处理：需要这张表的章节跳过。")


def test_a_plain_note_or_an_unknown_reason_shows_as_it_is():
    assert quality_text.load_note("Something the loader said.", ZH) == "Something the loader said."
    row = {"reason": "a reason from elsewhere", "column": "", "reason_code": None, "reason_values": None}
    assert quality_text.reason(row, "zh") == "a reason from elsewhere"


def test_notes_keep_their_code_through_a_snapshot(messy_dir, tmp_path):
    from userops_lib.data.load import load_dataset

    direct = load_dataset(messy_dir)
    load_dataset(messy_dir, snapshot_dir=tmp_path)  # writes the snapshot
    opened = load_dataset(messy_dir, snapshot_dir=tmp_path)
    assert [(n.code, n.values) for n in opened.notes] == [(n.code, n.values) for n in direct.notes]
    pd.testing.assert_frame_equal(opened.quality, direct.quality)


def test_a_skip_note_in_both_languages():
    assert plain_text(quality_text.skip_text("events", "Purchase funnel", "shop", "en")) == (
        "*Purchase funnel* is skipped: it needs the `events` table (behaviour log: one row per event), which the data "
        "source `shop` does not have.")
    assert plain_text(quality_text.skip_text("events", "购买转化漏斗", "shop", "zh")) == (
        "已跳过*购买转化漏斗*：这部分需要 `events` 表（行为日志：每个事件一行），数据源 `shop` 中没有这张表。")


def test_a_reason_names_the_usual_fields_in_words_and_others_as_the_contract_spells_them():
    # review #7: 01's quality table read "customer_id 为空" and "order_id 重复：完全相同的副本"
    row = {"reason_code": "null", "reason": "null customer_id", "column": "customer_id", "reason_values": {}}
    assert quality_text.reason(row, "zh") == "缺少用户ID"
    assert quality_text.reason(row, "en") == "null customer_id"  # English: the library's own words
    row = {"reason_code": "duplicate_identical", "reason": "duplicate order_id + product_id: identical copy",
           "column": "order_id", "reason_values": {"key": "order_id + product_id"}}
    assert quality_text.reason(row, "zh") == "订单号 + 商品ID重复：完全相同的副本"
    row = {"reason_code": "null", "reason": "null status", "column": "status", "reason_values": {}}
    assert quality_text.reason(row, "zh") == "缺少status"
