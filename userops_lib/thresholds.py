"""Thresholds the metrics and the report text share, named once so that a table's flag and the
sentence about it can never disagree.

Only a number that means the same thing everywhere it is used belongs here; a threshold of one
rule (a lift called strong, a share called lapsed) stays in the module whose rule it is.
"""

from __future__ import annotations

__all__ = ["MIN_GROUP"]

#: The fewest customers (or survey answers) a share, rate or move is read from on its own. A group
#: below it is still shown, but flagged small and never named the best, the worst or a notable
#: move: with fewer than 30 the binomial standard error of a 50% share is over 9 points. Used by
#: the KPI review's notable moves, first-product repeat, audience packs (``SMALL_PACK``), and the
#: report sentences on channels, funnel steps, breakdowns, NPS segments and KPI moves.
MIN_GROUP = 30
