"""Pseudonymisation of customer ids with a keyed hash (HMAC-SHA256).

Customer data stays private: custrel never sends data anywhere, and
:class:`Pseudonymizer` replaces customer ids by keyed hashes before outputs are
shared with an agency or a consultant. The same key always maps an id to the
same pseudonym, so reports from different runs can be joined; without the key
the mapping cannot be recomputed or reversed by someone who guesses ids
(a plain unkeyed hash of a customer number can be reversed by hashing every
possible number).

The key is a secret: keep it in a separate file (:func:`write_key_file` creates
it readable by its owner only) and never ship it with the outputs.

Examples
--------
>>> p = Pseudonymizer(key=b"0123456789abcdef0123456789abcdef")
>>> p.pseudonymize(pd.Index(["alice", "bob", "alice"])).tolist()
['c_433deb45467e4e53dbaba594', 'c_643cdfc83364b72c5248ec2d', 'c_433deb45467e4e53dbaba594']
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import stat
from collections.abc import Collection
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from custrel.errors import DataValidationError, ParameterError

__all__ = ["Pseudonymizer", "generate_key", "read_key_file", "write_key_file"]

#: Minimum key length in bytes (HMAC-SHA256 keys shorter than this are weak).
MIN_KEY_BYTES = 16

_EXAMPLES = re.compile(r"\(e\.g\.[^)]*\)")
_TOKEN = re.compile(r"[^\s,;:()\[\]{}'\"]+")


def _check_key(_inst: object, _attr: object, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) < MIN_KEY_BYTES:
        n = len(value) if isinstance(value, bytes) else type(value).__name__
        msg = f"Pseudonymizer.key must be bytes of length >= {MIN_KEY_BYTES}; got {n}."
        raise ParameterError(msg)


def _check_digits(_inst: object, _attr: object, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 16 <= value <= 64:
        msg = f"Pseudonymizer.hex_digits must be an int in [16, 64]; got {value!r}."
        raise ParameterError(msg)


def generate_key() -> bytes:
    """A fresh random 32-byte key from the operating system's CSPRNG.

    Examples
    --------
    >>> len(generate_key())
    32
    """
    return secrets.token_bytes(32)


def write_key_file(path: str | Path, key: bytes, /) -> Path:
    """Write ``key`` (hex) to a new file readable and writable by its owner only (0600).

    Parameters
    ----------
    path : str or Path
        Where to write. An existing file is never overwritten.
    key : bytes
        The key.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ParameterError
        The file already exists or the key is too short.
    """
    Pseudonymizer(key=key)  # validates the key
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        msg = f"key file {str(target)!r} already exists; custrel never overwrites a key."
        raise ParameterError(msg) from exc
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)
    return target


def read_key_file(path: str | Path, /) -> bytes:
    """Read a key written by :func:`write_key_file` (hex text; surrounding whitespace ignored).

    Raises
    ------
    ParameterError
        The file is missing, not hex, or the key is too short.
    """
    target = Path(path)
    try:
        text = target.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except FileNotFoundError as exc:
        msg = f"key file {str(target)!r} does not exist."
        raise ParameterError(msg) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        msg = f"key file {str(target)!r} must contain the key as hexadecimal text."
        raise ParameterError(msg) from exc
    Pseudonymizer(key=key)
    return key


@attrs.frozen(kw_only=True)
class Pseudonymizer:
    """Replace customer ids by ``prefix`` + the first ``hex_digits`` of HMAC-SHA256(key, id).

    The id is hashed as its text form (``str(id)``, UTF-8), so the integer
    ``42`` and the string ``"42"`` get the same pseudonym, which keeps ids
    read from CSV files (text) consistent with ids read as numbers.

    Parameters
    ----------
    key : bytes
        Secret key, at least 16 bytes (:func:`generate_key` makes 32).
    hex_digits : int
        Length of the hexadecimal digest kept (16..64; default 24, i.e. 96 bits,
        so collisions are negligible for any realistic customer base; a
        collision is detected and raised anyway).
    prefix : str
        Prefix of every pseudonym, so pseudonyms are never mistaken for numbers.

    Notes
    -----
    Each distinct id is hashed once with the C implementation of
    :func:`hmac.digest`; cryptographic hashing has no vectorised numpy form,
    so this is the one place where custrel iterates over customer ids.

    Examples
    --------
    >>> p = Pseudonymizer(key=bytes(range(32)), hex_digits=16)
    >>> p.pseudonymize(pd.Index([42]))[0] == p.pseudonymize(pd.Index(["42"]))[0]
    True
    >>> p
    Pseudonymizer(hex_digits=16, prefix='c_')
    """

    key: bytes = attrs.field(validator=_check_key, repr=False)
    hex_digits: int = attrs.field(default=24, validator=_check_digits)
    prefix: str = "c_"

    def pseudonymize(self, ids: pd.Index | pd.Series, /) -> pd.Index:
        """Pseudonyms of ``ids`` in the same order (equal ids get equal pseudonyms).

        Raises
        ------
        DataValidationError
            Two different ids map to the same pseudonym (practically impossible
            with the default 96 bits; raised rather than merging customers).
        """
        values = pd.Index(ids)
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        texts = uniques.astype(str)
        key: bytes = self.key
        n = self.hex_digits
        hashed = np.array(
            [self.prefix + hmac.digest(key, t.encode("utf-8"), "sha256").hex()[:n] for t in texts],
            dtype=object,
        )
        if len(set(hashed)) != len(hashed):
            msg = (
                f"pseudonym collision among {len(hashed)} customer ids with hex_digits={n}; "
                "use more hex_digits."
            )
            raise DataValidationError(msg)
        out: pd.Index = pd.Index(hashed[codes], name=values.name, dtype=object)
        return out

    def scrub(self, text: str, /, ids: Collection[str]) -> str:
        """Remove customer ids from a free-text message (a note, an error message).

        ``(e.g. ...)`` example lists, which may quote ids, are replaced by
        ``(examples withheld)``, and every remaining word equal to one of the
        (text forms of the) ``ids`` that is not a plain number is replaced by its
        pseudonym. Numbers cannot be told apart from counts, which is why the
        example lists are withheld as a whole.

        Examples
        --------
        >>> p = Pseudonymizer(key=bytes(range(32)), hex_digits=16)
        >>> p.scrub("customer ANN-7 and 2 more (e.g. customer_id 'ANN-7', 'BOB')", ids={"ANN-7", "BOB"})
        'customer c_8a00a9e23211e934 and 2 more (examples withheld)'
        """
        text = _EXAMPLES.sub("(examples withheld)", text)

        def replace(match: re.Match[str]) -> str:
            word = match.group(0)
            if word in ids and not word.replace(".", "", 1).lstrip("-").isdigit():
                return str(self.pseudonymize(pd.Index([word]))[0])
            return word

        return _TOKEN.sub(replace, text)

    def mapping(self, ids: pd.Index | pd.Series, /) -> pd.Series:
        """The id → pseudonym table (keep it as secret as the key)."""
        uniques = pd.Index(pd.unique(pd.Index(ids)))
        return pd.Series(self.pseudonymize(uniques), index=uniques, name="pseudonym")

    def frame(self, frame: pd.DataFrame, /, *, column: str | None = None) -> pd.DataFrame:
        """A copy of ``frame`` with the ids in its index (default) or in ``column`` replaced."""
        out = frame.copy()
        if column is None:
            out.index = self.pseudonymize(out.index)
        else:
            if column not in out.columns:
                msg = f"column {column!r} not in frame; available: {list(out.columns)[:10]}."
                raise ParameterError(msg)
            out[column] = self.pseudonymize(out[column]).to_numpy()
        return out
