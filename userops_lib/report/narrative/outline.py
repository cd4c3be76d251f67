"""The frame every stage report shares: its title, section headings with their defining paragraph,
and table captions, looked up by name and translated.

Each narrative module lists its sections and captions (English source text, marked with ``N_``)
and makes one :class:`Outline` of them; the notebook calls ``text.section("churn", style)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..formatting import NumberStyle
from ..i18n import tr
from ..labels import stage_title

__all__ = ["Outline"]


@dataclass(frozen=True)
class Outline:
    """The headings and captions of one stage report.

    Attributes
    ----------
    number : str
        The report's number in the playbook ("01").
    stage : str
        Its stage key (``labels.stage_title`` gives the title: 基础建设期 / Foundation).
    sections : dict
        ``name -> (heading, defining paragraph or None)``.
    captions : dict
        ``name -> caption`` with ``{placeholders}``.
    """

    number: str
    stage: str
    sections: dict
    captions: dict

    def title(self, style: NumberStyle) -> str:
        """The report's title: ``# 01 · 基础建设期`` / ``# 01 · Foundation``."""
        return f"# {self.number} · " + stage_title(self.stage, style.lang)

    def heading(self, name: str, style: NumberStyle) -> str:
        """A section's heading (also the name a skip note gives it)."""
        return tr(self.sections[name][0], style.lang)

    def section(self, name: str, style: NumberStyle, **values) -> str:
        """A section's heading and, when it has one, the paragraph defining its numbers (its
        placeholders filled from ``values``)."""
        intro = self.sections[name][1]
        return "## " + self.heading(name, style) + ("\n\n" + tr(intro, style.lang, **values) if intro else "")

    def caption(self, name: str, style: NumberStyle, **values) -> str:
        """A table's caption, placeholders filled from ``values`` (others are ignored, so a result's
        facts can be passed whole); a month value (Timestamp) reads 2025-12."""
        values = {k: f"{v:%Y-%m}" if isinstance(v, pd.Timestamp) else v for k, v in values.items()}
        return tr(self.captions[name], style.lang, **values)
