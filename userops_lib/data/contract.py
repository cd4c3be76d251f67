"""The data contract: which tables the reports read and which columns each one has.

Only ``orders`` is required. Every other table switches on the report sections that need it;
a section whose table is absent says so in one sentence and is skipped.

Column kinds
------------
``id``        identifier, compared as text (``"00042"`` stays ``"00042"``)
``timestamp`` a point in time; naive values are read as *business-local* wall-clock time,
              time-zone-aware values are converted to the business time zone
``date``      a calendar date (or a timestamp whose local date is used)
``number``    a float amount (currency) or measure
``int``       a whole number
``text``      free text or a category label
``bool``      true/false (also 1/0, "yes"/"no", "true"/"false", "y"/"n")
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Column", "TableSpec", "CONTRACT", "REFUND_STATUSES", "table_spec"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    doc: str = ""
    enables: str = ""

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def kind(self, column: str) -> str:
        return {c.name: c.kind for c in self.columns}[column]


def _t(name, key, doc, enables, *cols):
    return TableSpec(name, tuple(Column(*c) for c in cols), tuple(key), doc, enables)


#: Status values (case-insensitive) that mark an order row as a refund / cancellation.
REFUND_STATUSES = frozenset(
    {"refund", "refunded", "return", "returned", "cancel", "cancelled", "canceled", "退款", "已退款", "取消", "已取消"}
)

CONTRACT: dict[str, TableSpec] = {
    t.name: t
    for t in [
        _t("orders", ["order_id"], "One row per order (purchase).", "every report",
           ("order_id", "id", True, "unique order identifier"),
           ("customer_id", "id", True, "buyer"),
           ("order_ts", "timestamp", True, "when the order was placed (paid)"),
           ("amount", "number", True, "order value (GMV); negative only for refunds"),
           ("status", "text", False, "order status; refund/cancel statuses are excluded and counted"),
           ("is_refund", "bool", False, "true for refund / cancellation rows"),
           ("channel", "text", False, "sales channel of the order (app, web, mini-program...)"),
           ("campaign_id", "id", False, "campaign the order is attributed to"),
           ("coupon", "text", False, "coupon code or flag; empty/0/false/no means no coupon"),
           ("paid_ts", "timestamp", False, "payment time (fulfilment step)"),
           ("shipped_ts", "timestamp", False, "shipping time (fulfilment step)"),
           ("delivered_ts", "timestamp", False, "delivery time (fulfilment step)"),
           ("aftersales_request_ts", "timestamp", False, "after-sales (return / complaint) request time"),
           ("aftersales_closed_ts", "timestamp", False, "after-sales case closed")),
        _t("order_items", [], "One row per order line.", "category preference, associated purchases",
           ("order_id", "id", True, "order the line belongs to"),
           ("product_id", "id", True, "product (SKU)"),
           ("product_name", "text", False, "product name, shown next to the id wherever a product appears"),
           ("category", "text", False, "product category"),
           ("quantity", "int", False, "units (default 1)"),
           ("price", "number", False, "unit price")),
        _t("customers", ["customer_id"], "One row per customer.", "user profile, channel conversion, referral, membership",
           ("customer_id", "id", True, "customer"),
           ("signup_ts", "timestamp", False, "registration time"),
           ("channel", "text", False, "acquisition channel"),
           ("gender", "text", False, "gender"),
           ("birth_year", "int", False, "year of birth (age = as-of year - birth year: the age reached in that "
                                         "calendar year, 1 above the exact age before the birthday)"),
           ("age", "int", False, "age, when no birth year is known"),
           ("city", "text", False, "city"),
           ("member_tier", "text", False, "current membership tier (empty = not a member)"),
           ("referrer_id", "id", False, "customer who invited this one"),
           ("interest_tags", "text", False, "interest tags, separated by '|' or ','"),
           ("community_role", "text", False, "'kol' (named / verified key opinion customer), 'expert', or empty")),
        _t("events", [], "Behaviour log: one row per event.", "DAU/WAU/MAU, funnels",
           ("customer_id", "id", True, "customer"),
           ("event_ts", "timestamp", True, "when"),
           ("event_name", "text", True, "visit, product_view, add_to_cart, checkout, purchase, invite..."),
           ("platform", "text", False, "app, web, mini-program..."),
           ("product_id", "id", False, "product concerned, if any")),
        _t("campaigns", ["campaign_id"], "One row per marketing campaign.", "campaign results",
           ("campaign_id", "id", True, "campaign"),
           ("name", "text", False, "campaign name"),
           ("start", "date", False, "first day"),
           ("end", "date", False, "last day"),
           ("cost", "number", False, "total cost (for ROI)")),
        _t("campaign_assignments", ["campaign_id", "customer_id"], "Who was targeted by, or held out of, a campaign.",
           "campaign uplift against an assigned control group",
           ("campaign_id", "id", True, "campaign"),
           ("customer_id", "id", True, "customer"),
           ("group", "text", True, "'treatment' or 'control'")),
        _t("tier_history", [], "Membership tier changes: one row each time a customer's tier is set.",
           "tier distribution over time, tier migration",
           ("customer_id", "id", True, "customer"),
           ("valid_from", "timestamp", True, "when the tier took effect"),
           ("tier", "text", True, "tier from then on (empty = left the programme)")),
        _t("surveys", [], "Questionnaire answers: one row per customer, survey and question; a row with "
           "neither answer nor score is an invitation without a response.", "NPS, CSAT, response rate",
           ("customer_id", "id", True, "customer"),
           ("survey_id", "id", True, "survey (e.g. 'nps-2025-q4')"),
           ("question", "text", False, "question text or code (e.g. 'nps', 'csat', 'why')"),
           ("answer", "text", False, "free-text or choice answer"),
           ("score", "number", False, "numeric answer (NPS 0-10, CSAT 1-5)"),
           ("ts", "timestamp", False, "when answered (or invited)")),
        _t("tickets", [], "Customer-service tickets (complaints, questions).", "complaint rate, resolution time",
           ("customer_id", "id", True, "customer"),
           ("ts", "timestamp", True, "when opened"),
           ("type", "text", False, "complaint, question, return, ..."),
           ("resolved_ts", "timestamp", False, "when resolved (empty = still open)"),
           ("ticket_id", "id", False, "ticket")),
        _t("channel_costs", ["channel"], "Acquisition spend per channel over the data window.", "CAC, CLV/CAC",
           ("channel", "text", True, "acquisition channel"),
           ("cost", "number", True, "total acquisition cost")),
    ]
}


def table_spec(name: str) -> TableSpec:
    try:
        return CONTRACT[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; the contract has {sorted(CONTRACT)}") from None
