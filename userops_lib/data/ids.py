"""Customer ids in reports and exports: a keyed hash (HMAC-SHA256), so an id cannot be read back.

This module sits in the data layer because metric functions (referral's top inviters) and the
report helpers both mask ids, and a lower layer must not import a higher one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Iterable

import pandas as pd

__all__ = ["MASK_KEY_ENV", "mask_id", "mask_ids"]


#: Environment variable with the key of :func:`mask_id`; ``userops run`` sets a fresh random one
#: per run unless you set it (set it yourself to get the same masks in every run).
MASK_KEY_ENV = "USEROPS_MASK_KEY"
_process_key: bytes | None = None


def _mask_key() -> bytes:
    global _process_key
    key = os.environ.get(MASK_KEY_ENV)
    if key:
        return key.encode("utf-8")
    if _process_key is None:  # outside the runner: one random key for this session
        _process_key = secrets.token_bytes(16)
    return _process_key


def mask_id(value, keep: int = 0) -> str:
    """Mask an identifier for a report: ``ID-`` and 8 hex characters of a keyed hash.

    The same id gives the same mask under one key (every report of one ``userops run``, or one
    notebook session), so rows can be told apart and matched across tables. The key is secret
    and random unless ``USEROPS_MASK_KEY`` is set, so the id cannot be recovered by hashing
    candidate ids: a plain hash of a short numeric id is reversed in a second. ``keep`` > 0
    also shows the first characters in clear (off by default: they leak part of the id).
    """
    text = "" if value is None else str(value)
    digest = hmac.new(_mask_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()[:8]
    return f"{text[:keep]}{'*' if keep else ''}ID-{digest}"


def mask_ids(df: pd.DataFrame, columns: Iterable[str] = ("customer_id",), enabled: bool = True) -> pd.DataFrame:
    """Copy of ``df`` with identifier columns masked (when ``enabled``)."""
    if not enabled:
        return df
    out = df.copy()
    for col in columns:
        if col in out.columns:
            out[col] = out[col].map(mask_id)
    return out
