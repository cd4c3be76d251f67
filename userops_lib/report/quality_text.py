"""What the data layer says about a load, in the report's language: data-quality reasons and actions,
load notes and skip notes.

The data layer writes its reasons and notes as stable codes with their values
(:mod:`userops_lib.data.quality`) and keeps English text for the library's own use; this module
gives each code a catalog message, so a Chinese report reads 「order_id 为空」 where the library
says ``null order_id``. A code without a message (a reason from a newer data layer) shows its
English text rather than nothing. Table and column names stay as the contract spells them in their
own columns (the names of the reader's own files and fields); a reason names the usual id and time
fields in words (:data:`FIELD_TEXT`: 缺少用户ID, 订单号重复), so a manager reads what is missing.
"""

from __future__ import annotations

from .formatting import NumberStyle
from .i18n import N_, tr
from .markup import code

__all__ = ["ACTION_TEXT", "FIELD_TEXT", "KIND_TEXT", "NOTE_TEXT", "REASON_TEXT", "TABLE_TEXT", "action", "load_note",
           "reason", "skip_text"]

#: Reason code (:data:`userops_lib.data.quality.REASONS`) -> message; ``{column}`` is the row's column.
REASON_TEXT = {
    "missing_id_text": N_("missing-id text ('', NULL, None, NaN, N/A, -) read as no id"),
    "unparseable": N_("{kind} value does not parse"),
    "offset_converted": N_("text timestamp with a UTC offset, converted to {time_zone}"),
    "no_offset_local": N_("text timestamp without offset, read as {time_zone} time"),
    "null": N_("null {column}"),
    "null_or_unparseable": N_("null or unparseable {column}"),
    "refund": N_("refund / cancellation"),
    "negative_amount": N_("negative amount not flagged as refund"),
    "future": N_("timestamp in the future"),
    "after_as_of": N_("after the as-of date"),
    "duplicate_identical": N_("duplicate {key}: identical copy"),
    "duplicate_conflicting": N_("duplicate {key}: other values (first row in the file kept)"),
    "zero_amount": N_("zero amount"),
    "signup_after_as_of": N_("signed up after the as-of date"),
    "quantity_not_positive": N_("quantity not positive"),
    "order_left_out": N_("order excluded or unknown"),
}

#: The contract's id and time fields as a reason names them (review #7: "null customer_id" → 缺少用户ID); a
#: field not listed is named as the contract spells it.
FIELD_TEXT = {"customer_id": N_("customer ID"), "order_id": N_("order ID"), "product_id": N_("product ID"),
              "campaign_id": N_("campaign ID"), "survey_id": N_("survey ID"), "ticket_id": N_("ticket ID"),
              "referrer_id": N_("inviter ID"), "order_ts": N_("order time"), "event_ts": N_("event time"),
              "signup_ts": N_("sign-up time"), "amount": N_("order amount")}


def _field(name, lang: str) -> str:
    """A field (or a key of fields joined by " + ") in words where :data:`FIELD_TEXT` knows it; an English
    report keeps the library's own reason text, contract names included (``null customer_id``)."""
    if lang == "en":
        return str(name)
    return " + ".join(tr(FIELD_TEXT[part], lang) if part in FIELD_TEXT else part for part in str(name).split(" + "))


#: Column kinds of the contract, as the "{kind} value does not parse" reason names them.
KIND_TEXT = {"int": N_("whole-number"), "number": N_("number"), "bool": N_("yes/no"),
             "timestamp": N_("timestamp"), "date": N_("date")}

#: The ``action`` column of ``Dataset.quality`` (:data:`userops_lib.data.quality.ACTIONS`).
ACTION_TEXT = {"excluded": N_("excluded"), "set to null": N_("set to null"), "converted": N_("converted"),
               "read as local time": N_("read as local time"), "kept (flagged)": N_("kept (flagged)")}

#: Each contract table in a few words, for the note saying a section is skipped without it.
TABLE_TEXT = {
    "orders": N_("one row per order (purchase)"),
    "order_items": N_("one row per order line"),
    "customers": N_("one row per customer"),
    "events": N_("behaviour log: one row per event"),
    "campaigns": N_("one row per marketing campaign"),
    "campaign_assignments": N_("who was targeted by, or held out of, a campaign"),
    "tier_history": N_("membership tier changes: one row each time a customer's tier is set"),
    "surveys": N_("questionnaire answers: one row per customer, survey and question"),
    "tickets": N_("customer-service tickets (complaints, questions)"),
    "channel_costs": N_("acquisition spend per channel over the data window"),
}

#: Note code (:data:`userops_lib.data.quality.NOTES`) -> message(s); ``empty_table`` by table.
NOTE_TEXT = {
    "conflicting_ids": N_("{n_ids} {column} value(s) of {table} appear on rows with different values (another "
                          "customer, amount or time); the first row in the file was kept and {n_rows} later row(s) "
                          "left out. Fix them in the source: {ids}{more} (masked ids)."),
    "conflicting_ids_more": N_(" and {n} more"),
    "empty_table": {
        "events": N_("The {table} table has 0 rows, so it is treated as absent: active users, stickiness and "
                     "retention are counted from orders, and the funnel and event-based sections are skipped."),
        "customers": N_("The {table} table has 0 rows, so it is treated as absent: buyers are known from orders "
                        "only, and the profile and channel sections are skipped."),
        None: N_("The {table} table has 0 rows, so it is treated as absent: the sections that need it are "
                 "skipped."),
    },
    "buyers_without_customers": N_("{n_orphans} of {n_buyers} buyers ({share}) have no row in {customers}, so "
                                   "profiles, channels and sign-ups miss them. An order's customer_id looks like "
                                   "{buyer_shape}, a customer's like {customer_shape} (9 = digit 1-9, A/a = "
                                   "letter)."),
    "buyers_without_customers_padded": N_("{n} of them match a customer once leading zeros are ignored: the two "
                                          "tables write the same ids differently."),
}


def reason(row, lang: str) -> str:
    """The reason of a ``Dataset.quality`` row in ``lang`` (its English ``reason`` when its code is unknown)."""
    message = REASON_TEXT.get(row.get("reason_code"))
    if message is None:
        return str(row["reason"])
    values = dict(row["reason_values"]) if isinstance(row.get("reason_values"), dict) else {}
    if "kind" in values:
        values["kind"] = tr(KIND_TEXT[values["kind"]], lang) if values["kind"] in KIND_TEXT else values["kind"]
    if "key" in values:
        values["key"] = _field(values["key"], lang)
    return tr(message, lang, column=_field(row["column"], lang), **values)


def action(value: str, lang: str) -> str:
    """An ``action`` of ``Dataset.quality`` in ``lang`` (as it is when unknown)."""
    return tr(ACTION_TEXT[value], lang) if value in ACTION_TEXT else value


def load_note(note, style: NumberStyle) -> str:
    """A note of ``Dataset.notes`` as a Markdown sentence in the style's language (a note without a
    code, a plain string, is shown as it is)."""
    kind, values, lang = getattr(note, "code", None), getattr(note, "values", {}), style.lang
    if kind == "conflicting_ids":
        more = tr(NOTE_TEXT["conflicting_ids_more"], lang, n=style.count(values["more"])) if values["more"] else ""
        return tr(NOTE_TEXT[kind], lang, n_ids=style.count(values["n_ids"]), column=values["column"],
                  table=code(values["table"]), n_rows=style.count(values["n_rows"]),
                  ids=_list(values["ids"], lang), more=more)
    if kind == "empty_table":
        messages = NOTE_TEXT[kind]
        return tr(messages.get(values["table"], messages[None]), lang, table=code(values["table"]))
    if kind == "buyers_without_customers":
        text = tr(NOTE_TEXT[kind], lang, n_orphans=style.count(values["n_orphans"]),
                  n_buyers=style.count(values["n_buyers"]),
                  share=style.percent(values["n_orphans"] / values["n_buyers"]), customers=code("customers"),
                  buyer_shape=code(values["buyer_shape"]), customer_shape=code(values["customer_shape"]))
        if values["padded"]:
            text += ("" if lang == "zh" else " ") + tr(NOTE_TEXT["buyers_without_customers_padded"], lang,
                                                       n=style.count(values["padded"]))
        return text
    return str(note)


def skip_text(table: str, section: str, source: str, lang: str) -> str:
    """The sentence saying that ``section`` is skipped because data source ``source`` lacks ``table``."""
    what = TABLE_TEXT.get(table)
    values = {"section": section, "table": code(table), "source": code(source)}
    if what is None:
        return tr("*{section}* is skipped: it needs the {table} table, which the data source {source} does not "
                  "have.", lang, **values)
    return tr("*{section}* is skipped: it needs the {table} table ({what}), which the data source {source} does "
              "not have.", lang, what=tr(what, lang), **values)


def _list(items, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(str(i) for i in items)
