"""Data-quality reasons and load notes as stable codes with their values, and their English text.

The load counts every row it leaves out under a reason (``Dataset.quality``) and writes notes about
what it found beyond row counts (``Dataset.notes``). A report shows both in its reader's language,
and this layer knows nothing of languages: each reason and each note is a code plus the values it
needs (a column, a time zone, counts, masked ids). The English text made here is the library's own
(``Dataset.quality["reason"]``, ``str(note)``, strict-mode errors); the report layer translates
the code (:mod:`userops_lib.report.quality_text`), so a new code here needs a message there (a test
checks that every code has one).
"""

from __future__ import annotations

__all__ = ["ACTIONS", "NOTES", "REASONS", "Note", "reason_text"]

#: Reason code -> English text of the reason, with its values as ``{placeholders}``: ``{column}`` is
#: the quality row's ``column``, the others are in its ``reason_values``.
REASONS = {
    "missing_id_text": "missing-id text ('', NULL, None, NaN, N/A, -) read as no id",
    "unparseable": "{kind} value does not parse",
    "offset_converted": "text timestamp with a UTC offset, converted to {time_zone}",
    "no_offset_local": "text timestamp without offset, read as {time_zone} time",
    "null": "null {column}",
    "null_or_unparseable": "null or unparseable {column}",
    "refund": "refund / cancellation",
    "negative_amount": "negative amount not flagged as refund",
    "future": "timestamp in the future",
    "after_as_of": "after the as-of date",
    "duplicate_identical": "duplicate {key}: identical copy",
    "duplicate_conflicting": "duplicate {key}: other values (first row in the file kept)",
    "zero_amount": "zero amount",
    "signup_after_as_of": "signed up after the as-of date",
    "quantity_not_positive": "quantity not positive",
    "order_left_out": "order excluded or unknown",
}

#: What happened to the rows of a reason (the ``action`` column; code and English text alike).
ACTIONS = ("excluded", "set to null", "converted", "read as local time", "kept (flagged)")


def reason_text(code: str, **values) -> str:
    """The English text of reason ``code``: ``reason_text("null", column="order_id")`` → ``null order_id``."""
    return REASONS[code].format(**values)


def _conflicting_ids(table: str, column: str, n_ids: int, n_rows: int, ids: list, more: int) -> str:
    extra = f" and {more:,} more" if more else ""
    return (f"{n_ids:,} {column} value(s) of `{table}` appear on rows with different values (another customer, "
            f"amount or time); the first row in the file was kept and {n_rows:,} later row(s) left out. "
            f"Fix them in the source: {', '.join(ids)}{extra} (masked ids).")


def _empty_table(table: str) -> str:
    instead = {"events": "active users, stickiness and retention are counted from orders, and the funnel and "
                         "event-based sections are skipped",
               "customers": "buyers are known from orders only, and the profile and channel sections are skipped"}
    return (f"The `{table}` table has 0 rows, so it is treated as absent: "
            f"{instead.get(table, 'the sections that need it are skipped')}.")


def _buyers_without_customers(n_orphans: int, n_buyers: int, buyer_shape: str, customer_shape: str,
                              padded: int) -> str:
    zeros = (f" {padded:,} of them match a customer once leading zeros are ignored: the two tables write the "
             f"same ids differently." if padded else "")
    return (f"{n_orphans:,} of {n_buyers:,} buyers ({n_orphans / n_buyers:.0%}) have no row in `customers`, so "
            f"profiles, channels and sign-ups miss them. An order's customer_id looks like `{buyer_shape}`, "
            f"a customer's like `{customer_shape}` (9 = digit 1-9, A/a = letter).{zeros}")


#: Note code -> the function writing its English sentence from the note's values.
NOTES = {
    "conflicting_ids": _conflicting_ids,
    "empty_table": _empty_table,
    "buyers_without_customers": _buyers_without_customers,
}


class Note(str):
    """A sentence about the load, in English, that keeps its ``code`` and ``values`` so a report
    can say it in its own language. It is a ``str`` (``"order_id" in note`` works as before).

    >>> note = Note("empty_table", table="events")
    >>> note.code, note.values
    ('empty_table', {'table': 'events'})
    """

    code: str
    values: dict

    def __new__(cls, code: str, **values):
        note = super().__new__(cls, NOTES[code](**values))
        note.code, note.values = code, values
        return note

    def __reduce__(self):  # pickle and copy build it again from its code and values
        return _note, (self.code, self.values)


def _note(code: str, values: dict) -> Note:
    return Note(code, **values)
