"""A Chinese font for the charts that installs with the package, so a fresh machine draws 中文.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs. Noto Sans SC (SIL Open Font
Licence 1.1) comes from PyPI in the wheel ``pylopdf-fonts-zh-cn`` (one 8 MB ``.otf`` with its
licence), a dependency of this package; an OS font (``fonts-noto-cjk``) works as well.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_cjk_font", "register_bundled_cjk_font"]


def bundled_cjk_font() -> Path | None:
    """Path of the Noto Sans SC file installed from PyPI, or None when the wheel is missing."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        return None
    path = Path(sans_path())
    return path if path.exists() else None


def register_bundled_cjk_font() -> str | None:
    """Make the bundled font known to matplotlib; returns its family name ("Noto Sans SC") or None."""
    path = bundled_cjk_font()
    if path is None:
        return None
    from matplotlib import font_manager

    if str(path) not in {f.fname for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()
