"""Display names of the library's result columns and of the stages, in the reader's language.

Library results keep snake_case names (``new_buyers``) that code can rely on; a report shows
"New buyers" / 新客 instead. The English label is the catalog's message id (see :mod:`.i18n`),
so the Chinese comes from the same ``.po`` file as every sentence.
"""

from __future__ import annotations

from ..exceptions import ParameterError
from .i18n import N_, ntr, tr
from .markup import code

__all__ = ["CHANNEL_NAMES", "COLUMN_LABELS", "GENDER_NAMES", "STAGE_TITLES", "STEP_NAMES", "TIER_NAMES", "channel_name",
           "label", "stage_title", "step_name", "step_text", "tier_name", "value_name", "window_text", "yes_no"]

#: Stage reports, by the runner's stage name.
STAGE_TITLES = {
    "foundation": N_("Foundation"),
    "strategy": N_("Strategy experiments"),
    "value": N_("Value uplift"),
    "loyalty": N_("Loyalty"),
    "kpi_review": N_("KPI review"),
}

#: Result column -> English display label (message id). Terms as in shared/glossary.md.
COLUMN_LABELS = {
    # periods
    "period": N_("Period"), "period_start": N_("Period start"), "period_end": N_("Period end"),
    "complete": N_("Complete period"),
    # sales and buyers
    "gmv": N_("GMV"), "orders": N_("Orders"), "buyers": N_("Buyers"), "new_buyers": N_("New buyers"),
    "returning_buyers": N_("Returning buyers"), "repeat_buyers": N_("Repeat buyers"),
    "buyers_back_next_period": N_("Buyers back next period"), "aov": N_("AOV"),
    "repurchase_rate": N_("Repurchase rate"), "return_purchase_rate": N_("Return-purchase rate"),
    "buyer_growth_rate": N_("Buyer growth"), "gmv_growth_rate": N_("GMV growth"),
    "churned_buyers": N_("Lapsing buyers"), "churn_rate": N_("Churn rate"), "new_signups": N_("New sign-ups"),
    "signup_growth_rate": N_("User growth rate"),
    "orders_per_buyer": N_("Orders per buyer"), "visitors": N_("Visitors"),
    "conversion": N_("Conversion (buyers / visitors)"),
    # why a number moved (driver tree) and categories
    "driver": N_("Driver"), "change": N_("Change"), "contribution": N_("Contribution to the change"),
    "share_of_change": N_("Share of the change"), "category": N_("Category"), "gmv_share": N_("Share of GMV"),
    "gmv_vs_previous": N_("GMV vs previous period"), "gmv_vs_last_year": N_("GMV vs last year"),
    "buyers_vs_last_year": N_("Buyers vs last year"), "cycle_median_days": N_("Repurchase cycle (median days)"),
    "second_purchase_rate": N_("Second-purchase conversion"),
    # KPI review (考核): KPIs of the source documents
    "d1_retention": N_("D1 retention (bought again on day 1)"),
    "d7_retention": N_("D7 retention (bought again on day 7)"),
    "d30_retention": N_("D30 retention (bought again on day 30)"),
    "d7_retention_within": N_("7-day retention (bought again within 7 days)"),
    "d30_retention_within": N_("30-day retention (bought again within 30 days)"),
    "channel_conversion": N_("Channel conversion"), "dau_mau": N_("Stickiness (DAU/MAU)"), "dau": N_("DAU"),
    "usage_d7_retention": N_("7-day usage retention (came back within 7 days)"),
    "purchase_conversion": N_("Purchase conversion (buyers / visitors)"),
    # activity
    "active_users": N_("Active users"), "source": N_("Activity source"), "avg_dau": N_("Average DAU"),
    "mau": N_("MAU"), "stickiness": N_("Stickiness (DAU/MAU)"), "days_observed": N_("Days observed"),
    "activity_index": N_("Activity index"),
    # channels and conversion
    "channel": N_("Channel"), "acquired_users": N_("Users acquired"), "converted_users": N_("Users converted"),
    "conversion_rate": N_("Conversion rate"), "cost": N_("Cost"), "cac": N_("CAC"),
    "cost_per_acquired_user": N_("Cost per user acquired"), "revenue_per_buyer": N_("Spent per converted user"),
    # retention
    "cohort": N_("Cohort"), "cohort_size": N_("Cohort size"), "new_users": N_("New users"),
    "eligible_users": N_("Users observable"), "retention_on_day": N_("Retention on the day"),
    "retention_within": N_("Retention within the days"), "retention_base": N_("Retention base"),
    "measure": N_("Measure"), "label": N_("Day"), "not_yet_observable": N_("Too recent to observe"),
    "retained_on_day": N_("Retained on the day"), "retained_within": N_("Retained within the days"),
    # funnel
    "step": N_("Step"), "users": N_("Users"), "conversion_from_previous": N_("Conversion from previous step"),
    "conversion_from_start": N_("Conversion from first step"), "dropped_from_previous": N_("Dropped out"),
    "median_time_from_previous": N_("Median time from previous step"), "step_number": N_("Step number"),
    "median_time_from_start": N_("Median time from first step"),
    "p80_time_from_previous": N_("80th percentile time from previous step"),
    # customers and profile
    "customer_id": N_("Customer"), "customers": N_("Customers"), "share": N_("Share"),
    "customer_share": N_("Share of customers"), "buyer_share": N_("Share of buyers"), "dimension": N_("Dimension"),
    "value": N_("Value"), "cumulative_share": N_("Cumulative share"), "days": N_("Days"),
    # segments and value
    "segment": N_("Segment"), "recency_days": N_("Days since last purchase"),
    "days_since_last_purchase": N_("Days since last purchase"), "frequency_days": N_("Purchase days"),
    "monetary_total": N_("Total spend"), "monetary_mean": N_("Average spend"), "clv": N_("CLV"),
    "probability_alive": N_("Probability alive"), "value_at_risk": N_("Value at risk"),
    "stage": N_("Lifecycle stage"), "tier": N_("Membership tier"),
    # loyalty: purchase models, CLV, timing
    "parameter": N_("Parameter"), "estimate": N_("Estimate"), "std_error": N_("Standard error"),
    "lower_95": N_("95% CI low"), "upper_95": N_("95% CI high"), "decile": N_("Decile"),
    "total_clv": N_("CLV, total"), "clv_total": N_("CLV, total"), "mean_clv": N_("CLV, mean"),
    "min_clv": N_("CLV, lowest"), "share_of_value": N_("Share of value"), "clv_per_buyer": N_("CLV per buyer"),
    "clv_per_customer": N_("CLV per customer"), "acquisition_cost": N_("Acquisition cost"),
    "clv_to_cac": N_("CLV / CAC"), "value_if_active": N_("Value if still active"),
    "monetary_value": N_("Average repeat purchase"), "last_purchase": N_("Last purchase"),
    "frequency": N_("Repeat purchase days"), "expected_next_purchase": N_("Expected next purchase"),
    "days_to_next_purchase": N_("Days to next purchase"), "buy_if_active": N_("P(buy | still active)"),
    "buy_probability": N_("P(buy)"),
    # loyalty: experience, activity, voice
    "reached": N_("Orders reaching the step"), "not_reached": N_("Not reached"),
    "inconsistent": N_("End before start"), "median_hours": N_("Median (h)"), "median_time": N_("Median"), "p80_time": N_("80th percentile"),
    "p95_time": N_("95th percentile"), "promise_time": N_("Promise"), "p80_hours": N_("80th percentile (h)"),
    "p95_hours": N_("95th percentile (h)"), "mean_hours": N_("Mean (h)"), "promise_hours": N_("Promise (h)"),
    "breached": N_("Promise missed"), "breach_share": N_("Share missed"), "mean_index": N_("Mean index (0-100)"),
    "median_index": N_("Median index (0-100)"), "inactive_share": N_("Share scoring 0"), "by": N_("Grouped by"), "group": N_("Group"),
    "invited": N_("Questionnaires sent"), "respondents": N_("Respondents"), "scored": N_("Scores"), "mean_score": N_("Mean score (1-5)"),
    "age_band": N_("Days open"), "oldest_opened": N_("Oldest opened on"),
    # campaigns and referral
    "campaign_id": N_("Campaign"), "name": N_("Name"), "roi": N_("ROI"), "k_factor": N_("K-factor"),
    "inviters": N_("Inviters"), "invitees": N_("Invitees"),
    # voice of the customer
    "nps": N_("NPS"), "csat": N_("CSAT"), "response_rate": N_("Response rate"), "complaints": N_("Complaints"),
    # data quality
    "rows_read": N_("Rows read"), "rows_kept": N_("Rows kept"), "excluded": N_("Rows excluded"),
    "table": N_("Table"), "reason": N_("Reason"), "column": N_("Column"), "rows": N_("Rows"), "action": N_("Action"),
}


#: Acquisition channels a report names in its language: the demo shop's and the usual ones. A channel is
#: a code of the shop's systems (``paid_search``), not a name, so it is translated at display time; a
#: channel not listed shows as the data writes it. Product, category and city names are the shop's own
#: words and are never translated.
CHANNEL_NAMES = {
    # the demo shop (userops_lib.demo.story.CHANNELS)
    "organic": N_("organic"), "paid_search": N_("paid search"), "social": N_("social media"),
    "affiliate": N_("affiliate"), "referral": N_("referral"),
    # common in Chinese and international shops' exports
    "direct": N_("direct"), "search": N_("search"), "seo": N_("organic search"), "sem": N_("paid search"),
    "email": N_("email"), "edm": N_("email"), "sms": N_("SMS"), "push": N_("push notification"),
    "display": N_("display ads"), "video": N_("video"), "live_stream": N_("live streaming"),
    "livestream": N_("live streaming"), "kol": N_("KOL"), "influencer": N_("KOL"), "offline": N_("offline"),
    "store": N_("offline"), "wechat": N_("WeChat"), "mini_program": N_("mini program"), "app": N_("App"),
    "web": N_("web"), "community": N_("community"), "other": N_("other"), "unknown": N_("unknown"),
}


def _code_key(value) -> str:
    """A shop's code as the name tables look it up: case, spaces and hyphens ignored (``Paid-Search`` → ``paid_search``)."""
    return str(value).strip().lower().replace("-", "_").replace(" ", "_")


def channel_name(value, lang: str = "zh"):
    """An acquisition channel as a reader names it: ``paid_search`` → 付费搜索 / paid search (case, spaces and
    hyphens ignored); a channel not in :data:`CHANNEL_NAMES` as it is, and a missing value left missing."""
    if not isinstance(value, str):
        return value
    message = CHANNEL_NAMES.get(_code_key(value))
    return tr(message, lang) if message else value


def label(column: str, lang: str = "zh") -> str:
    """The display label of a result column (the column itself when it has none)."""
    message = COLUMN_LABELS.get(column)
    return tr(message, lang) if message else column


def stage_title(stage: str, lang: str = "zh") -> str:
    """The title of a stage report: 基础建设期 / Foundation."""
    return tr(STAGE_TITLES[stage], lang)


def yes_no(value) -> str:
    """A True/False cell as a reader sees it: ✓ or — (never "True"/"False")."""
    return "✓" if bool(value) else "—"


#: Membership tiers of the shipped data and of the usual programmes, one name per tier in every report
#: (01's profile, 03's tier tables, 04's NPS by tier); other tiers show as the data names them. A customer
#: without a tier is "not a member" (非会员) whether they never joined or left (``metrics.membership.NON_MEMBER``,
#: ``metrics.profile.NOT_A_MEMBER``).
TIER_NAMES = {"non-member": N_("not a member"), "not a member": N_("not a member"), "member": N_("member"),
              "silver": N_("silver"), "gold": N_("gold"), "platinum": N_("platinum"), "diamond": N_("diamond"),
              "bronze": N_("bronze")}


def tier_name(tier, lang: str = "zh") -> str:
    """A membership tier as the report's language writes it (非会员, 金卡 ...); an unknown tier as it is."""
    message = TIER_NAMES.get(str(tier).lower())
    return tr(message, lang) if message else str(tier)


#: Gender codes of the usual exports (the demo writes F / M).
GENDER_NAMES = {"f": N_("female"), "female": N_("female"), "m": N_("male"), "male": N_("male")}


def value_name(dimension: str, value, lang: str = "zh"):
    """A code-like value of a customer attribute as a reader names it: acquisition channels
    (:func:`channel_name`), membership tiers (:func:`tier_name`, the one tier mapping) and gender codes (F → 女 / female);
    any other value, and a value these do not know, as the data writes it."""
    if dimension == "channel":
        return channel_name(value, lang)
    if dimension in ("member_tier", "tier") and str(value).lower() in TIER_NAMES:
        return tier_name(value, lang)
    if dimension == "gender" and isinstance(value, str) and value.strip().lower() in GENDER_NAMES:
        return tr(GENDER_NAMES[value.strip().lower()], lang)
    return value


#: Funnel events of the shipped data and of the usual exports, named as a user-operations team names the
#: steps (shared/glossary.md: 浏览商品 → 加购 → 下单 → 支付). An event the shop names otherwise is shown as the
#: data writes it.
STEP_NAMES = {"visit": N_("visit"), "session_start": N_("visit"), "page_view": N_("page view"),
              "product_view": N_("product view"), "view_item": N_("product view"), "search": N_("search"),
              "add_to_cart": N_("add to cart"), "add_to_wishlist": N_("add to wishlist"), "favorite": N_("add to wishlist"),
              "checkout": N_("checkout"), "begin_checkout": N_("checkout"), "place_order": N_("checkout"),
              "purchase": N_("purchase"), "pay": N_("purchase"), "payment": N_("purchase"), "signup": N_("sign-up"),
              "register": N_("sign-up"), "login": N_("log-in"), "share": N_("share"), "review": N_("review"),
              "invite": N_("invite")}


def _step_message(step) -> str | None:
    return STEP_NAMES.get(_code_key(step))


def step_name(step, lang: str = "zh") -> str:
    """A funnel step (an event name) as a reader names it, for a table cell or a chart label:
    ``product_view`` → 浏览商品 / product view (case, spaces and hyphens ignored); an event not in
    :data:`STEP_NAMES` as the data writes it (a table and a chart escape it)."""
    message = _step_message(step)
    return tr(message, lang) if message else str(step)


def step_text(step, lang: str = "zh") -> str:
    """A funnel step for a sentence: its name (:func:`step_name`), or an event the library does not
    know in a code span (:func:`.markup.code`), so a shop's ``*`` or ``<`` in it is shown as it is."""
    message = _step_message(step)
    return tr(message, lang) if message else code(step)


def window_text(window, lang: str = "zh") -> str:
    """A time window (``"7d"``, ``"36h"``, a Timedelta) as a reader writes it: 7 天 / 7 days, 36 小时 /
    36 hours, in the largest unit that divides it (``"90min"`` → 90 分钟); a window no whole minute
    divides, or one that is not a duration, as it was given."""
    from ..metrics.funnel import parse_window

    try:
        seconds = int(parse_window(window).total_seconds())
    except ParameterError:  # the funnel itself reports a bad window; the text only shows it
        return str(window)
    if seconds % 86400 == 0:
        return ntr("{n} day", "{n} days", seconds // 86400, lang)
    if seconds % 3600 == 0:
        return ntr("{n} hour", "{n} hours", seconds // 3600, lang)
    if seconds % 60 == 0:
        return ntr("{n} minute", "{n} minutes", seconds // 60, lang)
    return str(window)
