"""Customer ids in reports and exports: one keyed hash (HMAC-SHA256), so an id cannot be read back.

Two uses, one scheme, two keys with different lifetimes:

- **masks** in reports (``ID-3f2a9c1b``): the first 8 hex characters of the HMAC under the run's key
  (``USEROPS_MASK_KEY``, a fresh random one per ``userops run``), so rows can be matched within a
  run's reports but a forwarded report links to no other run;
- **exported audience packs**: the whole HMAC under the shop's id key (the ``id_salt`` parameter or
  ``USEROPS_ID_SALT``), stable across runs so the CRM tool that receives the packs matches them with
  its own copy of the key.

A plain ``sha256(salt + id)`` would do for neither: HMAC is the standard keyed construction
(RFC 2104), not open to length extension, and both uses now share one function.

This module sits in the data layer because metric functions (referral's top inviters, audience
exports) and the report helpers all use it, and a lower layer must not import a higher one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Iterable

import pandas as pd

from ..exceptions import ParameterError

__all__ = ["ID_KEY_ENV", "MASK_KEY_ENV", "export_key", "hash_ids", "keyed_hash", "mask_id", "mask_ids"]


#: Environment variable with the key of :func:`mask_id`; ``userops run`` sets a fresh random one
#: per run unless you set it (set it yourself to get the same masks in every run).
MASK_KEY_ENV = "USEROPS_MASK_KEY"
_process_key: bytes | None = None
#: Environment variable with the shop's key of exported ids (stable across runs; the ``id_salt``
#: parameter, when given, takes its place)
ID_KEY_ENV = "USEROPS_ID_SALT"


def keyed_hash(value, key: bytes | str) -> str:
    """HMAC-SHA256 of ``str(value)`` (UTF-8) under ``key``, as 64 hex characters (RFC 2104)."""
    key = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()


def export_key(key: str | None = None, purpose: str = "hashing customer ids") -> tuple[str, str]:
    """The key of exported ids and where it came from: ``key`` if given, else ``USEROPS_ID_SALT``.

    Raises
    ------
    ParameterError
        Neither is set (an empty key would make the ids guessable).
    """
    if key:
        return key, "parameter"
    if os.environ.get(ID_KEY_ENV):
        return os.environ[ID_KEY_ENV], f"environment variable {ID_KEY_ENV}"
    raise ParameterError(f"no key for {purpose}; pass id_salt / salt=... or set the environment variable "
                         f"{ID_KEY_ENV}")


def hash_ids(ids: Iterable, key: str) -> list[str]:
    """Each id as :func:`keyed_hash` under ``key`` (what exported packs carry)."""
    if not key:
        raise ParameterError("hash_ids: an empty key would make the ids guessable; give a key")
    return [keyed_hash(i, key) for i in ids]


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
    digest = keyed_hash(text, _mask_key())[:8]
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
