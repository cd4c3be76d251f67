"""The report layer: what the stage notebooks call to show results to a manager.

:mod:`.display` holds the helpers (headings, sentences, tables, skip notes, chart style); the
notebooks import them from here.
"""

from .display import (MASK_KEY_ENV, cjk_font_available, mask_id, mask_ids, pct, record_resolved, say, setup_charts,
                      show, skip_note)

__all__ = ["MASK_KEY_ENV", "cjk_font_available", "mask_id", "mask_ids", "pct", "record_resolved", "say",
           "setup_charts", "show", "skip_note"]
