"""Keeping secrets out of everything the runner prints or writes.

A run knows secrets: the password of a database URL, a salt or token passed as a parameter, the
masking key and salt it hands the kernels through the environment. They must not reach the
terminal, ``status.json``, the index or a kept ``.ipynb``/``.html``, also when a library's error
message echoes the URL. Three rules apply to every text before it is printed or stored:

* the password of every ``scheme://user:password@host`` URL is shown as ``***``. The URL is
  parsed, not matched by a pattern of allowed characters: everything up to the last ``@`` is the
  user name and password, so a password with ``/``, ``:`` or ``@`` in it is masked whole;
* ``password=...`` (libpq connection strings, URL query parameters) is masked alike;
* every secret the run knows (:func:`secret_values`) is replaced wherever it appears, also
  percent-decoded or -encoded, when it is at least :data:`MIN_SECRET_LENGTH` characters long (a
  shorter one would blank out ordinary text; it is still masked inside URLs and ``password=``).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from typing import Any, Iterable, Mapping

from ..data.databases import mask_password, url_password
from ..data.ids import MASK_KEY_ENV

__all__ = ["MASK", "MIN_SECRET_LENGTH", "SECRET_NAMES", "mask_urls", "public_parameters", "scrub",
           "scrub_notebook", "secret_values"]

MASK = "***"
#: Parameters whose names match this never have their value published (status.json, index, banner).
SECRET_NAMES = re.compile(r"salt|secret|passw|token|api_?key|credential", re.IGNORECASE)
#: Known secrets shorter than this are not replaced in free text.
MIN_SECRET_LENGTH = 4
#: Environment variables whose values are secrets of the run (besides names matching SECRET_NAMES
#: that start with ``USEROPS_``): the kernels' masking key and libpq's password.
SECRET_ENV = (MASK_KEY_ENV, "PGPASSWORD")

# A URL in free text runs to the next blank, quote, angle bracket or backtick.
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>`]+", re.IGNORECASE)
_KEY_VALUE = re.compile(r"\b(password|passwd|pwd)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&)\"']+)", re.IGNORECASE)
# Output data that is not text (base64 images): never rewritten, a secret there is a coincidence.
_BINARY = ("image/", "application/pdf", "audio/", "video/")


def mask_urls(value: Any) -> Any:
    """``value`` with the password of every URL in it shown as ``***`` (text, or the texts inside
    lists and mappings; other values unchanged)."""
    if isinstance(value, str):
        return _URL.sub(lambda m: mask_password(m.group()), value)
    if isinstance(value, Mapping):
        return {k: mask_urls(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_urls(v) for v in value]
    return value


def public_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``parameters`` fit to publish: secrets replaced by ``"***"``.

    A value is masked when its name looks secret (``id_salt``, ``api_token``, ``password``...,
    see ``SECRET_NAMES``) and it is set; the password of a ``scheme://user:password@host`` URL
    is masked wherever it appears (in lists and mappings too).
    """
    return {k: MASK if SECRET_NAMES.search(str(k)) and v not in (None, "") else mask_urls(v)
            for k, v in parameters.items()}


def secret_values(parameters: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> set[str]:
    """The secrets of a run: values of secret-looking parameters, passwords of URLs among the
    parameters, and the secret environment variables the kernels see (``USEROPS_ID_SALT``,
    ``USEROPS_MASK_KEY``, ``PGPASSWORD``), each also percent-decoded and percent-encoded."""
    environ = os.environ if environ is None else environ
    found: set[str] = set()

    def visit(name: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                visit(str(k), v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                visit(name, v)
        elif isinstance(value, str):
            if SECRET_NAMES.search(name):
                found.add(value)
            for url in _URL.findall(value):
                password = url_password(url)
                # the pieces a URL reader cuts a badly written password into also stay out of messages
                found.update({password, *re.split(r"[/?#@:]", password)} if password else ())

    visit("", dict(parameters or {}))
    for name, value in environ.items():
        if name in SECRET_ENV or (name.startswith("USEROPS_") and SECRET_NAMES.search(name)):
            found.add(value)
    found |= {urllib.parse.unquote(s) for s in found} | {urllib.parse.quote(s, safe="") for s in found}
    return {s for s in found if s}


def scrub(value: Any, secrets: Iterable[str] = ()) -> Any:
    """``value`` with URL passwords, ``password=...`` and every known secret shown as ``***``
    (text, or the texts inside lists and mappings)."""
    if isinstance(value, Mapping):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, secrets) for v in value]
    if not isinstance(value, str):
        return value
    text = _KEY_VALUE.sub(lambda m: m.group(1) + m.group(2) + MASK, mask_urls(value))
    for secret in sorted((s for s in secrets if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def scrub_notebook(nb: Any, secrets: Iterable[str] = ()) -> bool:
    """Scrub every text of an executed notebook in place: cell sources, outputs (streams, error
    messages and tracebacks, text/HTML/JSON results; not images) and metadata. Returns whether
    anything changed."""
    secrets = sorted(set(secrets))
    changed = False

    def walk(node: Any) -> Any:
        nonlocal changed
        if isinstance(node, str):
            clean = scrub(node, secrets)
            changed = changed or clean != node
            return clean
        if isinstance(node, list):
            for i, item in enumerate(node):
                node[i] = walk(item)
            return node
        if isinstance(node, dict):
            for k in list(node):
                if not str(k).startswith(_BINARY):
                    node[k] = walk(node[k])
            return node
        return node

    walk(nb)
    return changed
