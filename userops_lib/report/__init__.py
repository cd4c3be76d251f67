"""The report layer: what the stage notebooks call to show results to a manager.

:mod:`.display` holds the helpers (headings, sentences, tables, skip notes, chart style); the
notebooks import them from here. :mod:`.markup` turns a sentence's Markdown into HTML with every
character of it escaped, so no data value becomes markup.
"""

from .display import (MASK_KEY_ENV, cjk_font_available, code, mask_id, mask_ids, pct, record_resolved, say,
                      setup_charts, show, skip_note)

__all__ = ["MASK_KEY_ENV", "cjk_font_available", "code", "mask_id", "mask_ids", "pct", "record_resolved", "say",
           "setup_charts", "show", "skip_note"]
